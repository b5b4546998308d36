"""Checked before publishing: an upload to a dataset that declares a 自治体標準 layout is
validated row by row (frictionless + the code check digit and 和暦 dates); errors are listed by
row and column in Japanese and hold publication until staff publish with a reason (audited)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.testing import login_staff
from madoguchi.core.factories import SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.opendata import standards
from madoguchi.opendata.factories import DatasetFactory, ResourceFactory
from madoguchi.opendata.models import HeldUpload


def test_code_check_digit_and_usual_slips():
    assert [standards.check_digit(c) for c in ("01100", "13101", "40230", "22000", "20000")] == ["2", "6", "3", "1", "0"]
    assert standards.code_problem("131016") is None
    assert "検査数字（6桁目）が合いません" in standards.code_problem("131015")
    assert "正しくは 131016" in standards.code_problem("13101")
    assert "先頭の0が落ちている" in standards.code_problem("92011")
    assert "半角数字6桁" in standards.code_problem("abc")


def test_dates_wareki_and_ranges():
    assert standards.date_problem("2024-04-01") is None
    assert standards.date_problem("令和6年4月1日") == "和暦の日付です。西暦で入力してください（2024-04-01）。"
    assert "2024-04-01" in standards.date_problem("R6.4.1")
    assert "ありません" in standards.date_problem("2024-02-30")
    columns = [
        "全国地方公共団体コード",
        "名称",
        "所在地_連結表記",
        "設置位置",
        "緯度",
        "経度",
        "男性トイレ総数",
        "車椅子使用者用トイレ有無",
        "利用開始時間",
        "独自の列",
    ]
    rows = [
        ["131016", "駅前公衆トイレ", "東京都千代田区1-1", "駅前広場", "35.68", "139.76", "3", "有", "09:00", ""],
        ["13101", "", "東京都千代田区2-2", "公園", "139.76", "35.68", "三", "あり", "9時", ""],
    ]
    problems = standards.validate(standards.TOILET, columns, rows)
    errors = {(p.row, p.column): p.message for p in problems if p.error}
    assert set(errors) == {
        (3, "全国地方公共団体コード"),
        (3, "名称"),
        (3, "緯度"),
        (3, "経度"),
        (3, "男性トイレ総数"),
        (3, "車椅子使用者用トイレ有無"),
        (3, "利用開始時間"),
    }
    assert (
        errors[(3, "名称")] == "必須の項目が空欄です。" and "範囲外" in errors[(3, "緯度")] and "「有」または「無」" in errors[(3, "車椅子使用者用トイレ有無")]
    )
    notes = [p.message for p in problems if not p.error]
    assert any("独自の列" in p.column or "標準にない列" in p.message for p in problems if not p.error) and any("標準にある列がありません" in n for n in notes)
    missing_required = standards.validate(standards.TOILET, ["名称"], [["a"]])
    assert {p.column for p in missing_required if p.error} == {"所在地_連結表記", "設置位置"}


FOOD_HEADER = ",".join(standards.FOOD.names)


def _food_row(code: str, name: str, permitted: str) -> str:
    cells = dict.fromkeys(standards.FOOD.names, "")
    cells.update({"全国地方公共団体コード": code, "ID": "F1", "施設名称": name, "許可年月日": permitted})
    return ",".join(cells[n] for n in standards.FOOD.names)


@pytest.mark.django_db
def test_errors_hold_publication_until_staff_give_a_reason(client):
    section = SectionFactory(name="保健衛生課")
    staff = StaffFactory(section=section, verified=True)
    ds = DatasetFactory(section=section, name="food", standard="食品等営業許可・届出一覧")
    resource = ResourceFactory(dataset=ds)
    login_staff(client, staff)
    bad = (FOOD_HEADER + "\n" + _food_row("13101", "食堂あおば", "令和6年4月1日") + "\n").encode("cp932")  # Shift_JIS, as many are
    response = client.post(f"/opendata/staff/resource/{resource.pk}/upload/", {"file": SimpleUploadedFile("food.csv", bad), "convert": "on"}, follow=True)
    page = response.content.decode()
    held = HeldUpload.objects.get()
    assert held.error_count == 2 and not resource.versions.exists()
    assert "公開を保留" in page and "和暦の日付です。西暦で入力してください（2024-04-01）" in page and "正しくは 131016" in page
    assert client.get(f"/opendata/resource/{resource.pk}/latest").status_code == 404  # nothing published

    url = f"/opendata/staff/held/{held.pk}/"
    response = client.post(url, {"action": "publish", "reason": ""})
    assert response.status_code == 200 and not resource.versions.exists()
    response = client.post(url, {"action": "publish", "reason": "台帳のとおり。次回の更新で直します。"})
    assert response.status_code == 302
    version = resource.versions.get()
    assert version.converted and version.error_count == 2 and version.override_reason.startswith("台帳のとおり")
    log = AuditLog.objects.get(action="approve", target_id=str(version.pk))
    assert log.detail["override_reason"].startswith("台帳のとおり") and log.detail["errors"] == 2
    public = client.get(f"/opendata/dataset/{ds.name}/").content.decode()
    assert "誤り2件を承知で公開" in public and "台帳のとおり" in public

    good = (FOOD_HEADER + "\n" + _food_row("131016", "食堂あおば", "2024-04-01") + "\n").encode("utf-8-sig")
    response = client.post(f"/opendata/staff/resource/{resource.pk}/upload/", {"file": SimpleUploadedFile("food.csv", good)}, follow=True)
    assert "誤りはありませんでした" in response.content.decode()
    latest = resource.versions.order_by("-number").first()
    assert latest.number == 2 and latest.error_count == 0 and not latest.override_reason


@pytest.mark.django_db
def test_unconfirmed_layout_is_said_on_the_dataset_page(client):
    ds = DatasetFactory(name="facilities", standard="公共施設一覧")
    page = client.get(f"/opendata/dataset/{ds.name}/").content.decode()
    assert "列構成は未確認" in page and "定義書" in page


def _row(standard, **cells):
    values = dict.fromkeys(standard.names, "")
    values.update(cells)
    return [values[n] for n in standard.names]


@pytest.mark.parametrize("standard", [standards.AED, standards.WIFI, standards.CHILDCARE, standards.EVENT], ids=lambda s: s.number)
def test_each_layout_of_the_reference_checks_its_own_header(standard):
    """05, 07, 08 and 12 come in the legacy 推奨データセット layout (and, for 05/07/08, the current
    one): a file is checked against the layout its header matches, and the report says which."""
    for layout in (standard, *standard.variants):
        problems = standards.validate(standard, layout.names, [_row(layout, 備考="x")])
        notes = [p.message for p in problems if not p.error]
        if standard.variants:
            assert f"{layout.layout}の列構成と判断して検証しました" in notes[0]
        # A row with only 備考: exactly the layout's required columns are reported, nothing about the header.
        assert {p.column for p in problems if p.error} == {n for n, _, required in layout.columns if required}
        assert not any("標準にない列" in n or "列の並び" in n for n in notes)


def test_legacy_event_list_checks_required_dates_times_and_codes():
    legacy = standards.EVENT
    good = _row(
        legacy,
        **{"都道府県コード又は市区町村コード": "131016", "イベント名": "市民まつり", "イベント名_カナ": "シミンマツリ", "開始日": "2026-10-10"},
        **{"終了日": "2026-10-11", "開始時間": "10:00", "終了時間": "16:00", "説明": "みどり野市の秋まつり", "場所名称": "中央公園", "住所": "みどり野市1-1"},
        **{"料金(基本)": "0", "定員": "500"},
    )
    bad = list(good)
    names = legacy.names
    bad[names.index("都道府県コード又は市区町村コード")] = "13101"
    bad[names.index("開始日")] = "令和8年10月10日"
    bad[names.index("開始時間")] = "10時"
    bad[names.index("定員")] = "たくさん"
    problems = standards.validate(legacy, names, [good, bad])
    errors = {(p.row, p.column): p.message for p in problems if p.error}
    assert set(errors) == {(3, "都道府県コード又は市区町村コード"), (3, "開始日"), (3, "開始時間"), (3, "定員")}
    assert "西暦で入力してください（2026-10-10）" in errors[(3, "開始日")] and "正しくは 131016" in errors[(3, "都道府県コード又は市区町村コード")]


def test_a_current_wifi_file_with_blank_position_is_fine_and_a_legacy_one_is_not_read_as_current():
    current = standards.WIFI
    row = _row(current, 全国地方公共団体コード="131016", 名称="市役所フリーWi-Fi", 名称_カナ="シヤクショフリーワイファイ", SSID="Midorino_Free")
    assert not [p for p in standards.validate(current, current.names, [row]) if p.error]  # area-wide: no 緯度・経度
    legacy = current.variants[0]
    assert current.for_header(legacy.names) is legacy and current.for_header(current.names) is current
    assert current.for_header(["名称"]) is current  # a tie: the current layout
