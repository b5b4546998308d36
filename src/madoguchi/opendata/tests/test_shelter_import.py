"""避難所一覧の取込: a CSV in the 03 (指定緊急避難場所一覧) layout is checked row by row with
Japanese messages, always kept, applied all-or-nothing by name, audited; the generated
指定避難所一覧 follows. Variants: Shift_JIS, a few columns only, swapped coordinates, a capacity
in words, a duplicate name, a wrong check digit, a file that is not a CSV."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.accounts.testing import login_staff
from madoguchi.alerts.models import Shelter
from madoguchi.core import tenancy
from madoguchi.core.factories import InformationPolicySectionFactory, MunicipalityFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog, StaffRole
from madoguchi.opendata import services, shelter_import
from madoguchi.opendata.demo import SHELTERS, shelter_csv
from madoguchi.opendata.models import ShelterImport


@pytest.fixture
def city(db):
    city = MunicipalityFactory()
    with tenancy.using(city):
        yield city


def _file(text: str, name: str = "shelters.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def _problems(item) -> list[tuple[int, str]]:
    return [(p[0], p[1]) for p in item.problems if p[3]]


def test_the_standard_file_is_applied_with_every_field(city):
    Shelter.objects.create(municipality=city, name=SHELTERS[0][0], address="古い住所", capacity=10)
    item = shelter_import.upload(_file(shelter_csv(city), encoding="utf-8-sig"))
    assert item.state == ShelterImport.State.READY and item.error_count == 0 and item.row_count == 5
    added, updated = shelter_import.preview(item)
    assert updated == [SHELTERS[0][0]] and len(added) == 4
    shelter_import.apply(item)
    item.refresh_from_db()
    assert (item.state, item.created_count, item.updated_count) == (ShelterImport.State.APPLIED, 4, 1)
    school = Shelter.objects.get(name=SHELTERS[0][0])
    assert school.capacity == 450 and school.is_designated_shelter and school.is_evacuation_site
    assert (school.hazard_flood, school.hazard_landslide, school.hazard_earthquake, school.hazard_large_fire, school.hazard_tsunami) == (
        True,
        False,
        True,
        True,
        False,
    )
    assert school.address.endswith("中央一丁目5番1号（架空）") and str(school.latitude) == "35.681200"
    assert not Shelter.objects.get(name="中央公園").is_designated_shelter
    log = AuditLog.objects.get(target_id=str(item.pk), action=AuditLog.Action.UPDATE)
    assert len(log.detail["created"]) == 4 and log.detail["updated"] == [school.pk]
    assert AuditLog.objects.filter(target_id=str(item.pk), action=AuditLog.Action.CREATE).exists()
    with pytest.raises(ValidationError):
        shelter_import.apply(item)  # once only
    # The generated 指定避難所一覧 now has the designated shelters.
    InformationPolicySectionFactory(municipality=city)  # the generated datasets' publisher
    version = services.refresh_generated("designated_shelters", city)
    assert version is not None and version.row_count == 3


def test_shift_jis_and_a_few_columns_only_leave_the_rest_as_it_was(city):
    Shelter.objects.create(municipality=city, name="東公民館", capacity=80, hazard_flood=True, is_designated_shelter=True)
    item = shelter_import.upload(_file("名称,緯度,経度\n東公民館,35.7,139.3\n西公民館,35.71,139.31\n", encoding="cp932"))
    assert item.state == ShelterImport.State.READY, item.problems
    assert any("標準にある列がありません" in p[2] and not p[3] for p in item.problems)  # a note, not an error
    shelter_import.apply(item)
    east = Shelter.objects.get(name="東公民館")
    assert east.capacity == 80 and east.hazard_flood and east.is_designated_shelter and str(east.latitude) == "35.700000"
    assert Shelter.objects.get(name="西公民館").capacity is None


def test_row_errors_are_listed_in_japanese_and_the_file_is_kept(city):
    rows = list(SHELTERS[:3])
    rows[1] = rows[1][:4] + ("139.309200", "35.686900") + rows[1][6:]  # latitude and longitude swapped
    rows[2] = rows[2][:8] + ("約120",) + rows[2][9:]  # capacity in words
    rows.append(SHELTERS[0])  # the same name twice
    wrong_code = city.code[:5] + str((int(city.code[5]) + 1) % 10)  # a wrong check digit
    text = shelter_csv(city, rows).replace(f"{city.code},{city.code}-H001", f"{wrong_code},{city.code}-H001", 1)
    item = shelter_import.upload(_file(text))
    assert item.state == ShelterImport.State.HELD and item.file.read() == text.encode()
    found = _problems(item)
    assert (2, "全国地方公共団体コード") in found and (3, "緯度") in found and (3, "経度") in found
    assert (4, "想定収容人数") in found and (5, "名称") in found
    messages = " ".join(p[2] for p in item.problems)
    assert "入れ替わっていないか" in messages and "2行目にもあります" in messages and "「約120」は" in messages
    with pytest.raises(ValidationError):
        shelter_import.apply(item)
    assert not Shelter.objects.exists()
    fixed = shelter_import.upload(_file(shelter_csv(city, SHELTERS[:3])), replaces=item)
    item.refresh_from_db()
    assert fixed.state == ShelterImport.State.READY and item.state == ShelterImport.State.REPLACED
    assert item.file.read() == text.encode()  # still kept


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ID,住所\nH1,どこか\n", "必須の列がありません"),  # no 名称 column
        ("名称\n", "避難所の行がありません"),
        ("名称,緯度\n,35.1\n", "必須の項目が空欄です"),
        ("", "ファイル"),
    ],
)
def test_files_without_shelters_are_held_or_refused(city, text, expected):
    try:
        item = shelter_import.upload(_file(text))
    except ValidationError as exc:
        assert expected in " ".join(exc.messages)
        return
    assert item.state == ShelterImport.State.HELD and expected in " ".join(p[2] for p in item.problems)


def test_a_file_that_is_not_a_csv_is_refused_and_nothing_kept(city):
    with pytest.raises(ValidationError) as exc:
        shelter_import.upload(SimpleUploadedFile("shelters.csv", b"%PDF-1.4 fake"))
    assert "PDF" in " ".join(exc.value.messages)
    assert not ShelterImport.objects.exists()


def test_apply_is_all_or_nothing(city, monkeypatch):
    item = shelter_import.upload(_file(shelter_csv(city)))
    saved = []
    original = Shelter.save

    def failing(self, *args, **kwargs):
        saved.append(self.name)
        if len(saved) == 3:
            raise RuntimeError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Shelter, "save", failing)
    with pytest.raises(RuntimeError):
        shelter_import.apply(item)
    item.refresh_from_db()
    assert not Shelter.objects.exists() and item.state == ShelterImport.State.READY


@pytest.mark.django_db
def test_staff_pages_upload_fix_apply_and_permission(client):
    section = SectionFactory(name="防災安全課")
    city = section.municipality
    manager = StaffFactory(section=section, role=StaffRole.Role.MANAGER, verified=True)
    clerk = StaffFactory(section=section, verified=True)
    login_staff(client, clerk)
    assert client.get("/opendata/staff/shelters/").status_code == 302  # refused: back with the message
    login_staff(client, manager)
    assert "避難所一覧の取込" in client.get("/opendata/staff/shelters/").content.decode()
    bad = shelter_csv(city, [SHELTERS[0][:4] + ("139.3", "35.6") + SHELTERS[0][6:]])
    response = client.post("/opendata/staff/shelters/", {"file": SimpleUploadedFile("s.csv", bad.encode())}, follow=True)
    page = response.content.decode()
    assert "誤りが2件あります" in page and "<td>2</td><td>緯度</td>" in page and "範囲外" in page
    with tenancy.using(city):
        held = ShelterImport.objects.get()
    assert client.get(f"/opendata/staff/shelters/{held.pk}/file").status_code == 200
    not_csv = client.post(f"/opendata/staff/shelters/{held.pk}/", {"action": "replace", "file": SimpleUploadedFile("s.csv", b"%PDF-1.4 x")})
    assert not_csv.status_code == 400 and "PDF" in not_csv.content.decode()
    response = client.post(
        f"/opendata/staff/shelters/{held.pk}/", {"action": "replace", "file": SimpleUploadedFile("s2.csv", shelter_csv(city).encode())}, follow=True
    )
    page = response.content.decode()
    assert "5件の避難所を確認しました" in page and "追加 5件" in page
    with tenancy.using(city):
        ready = ShelterImport.objects.get(state=ShelterImport.State.READY)
    response = client.post(f"/opendata/staff/shelters/{ready.pk}/", {"action": "apply"}, follow=True)
    assert "追加 5件・更新 0件" in response.content.decode()
    again = client.post(f"/opendata/staff/shelters/{ready.pk}/", {"action": "apply"})
    assert again.status_code == 400 and "すでに反映" in again.content.decode()
    with tenancy.using(city):
        assert Shelter.objects.filter(municipality=city).count() == 5
        assert AuditLog.objects.filter(target_type="opendata.shelterimport", actor=manager).count() == 3  # 2 uploads + the apply


def test_demo_city_has_a_standard_shelter_list(demo):
    """The demo applies its shelter list through the import (the 03 columns filled in) and keeps
    one draft with errors, so the staff page and 指定避難所一覧 show something."""
    from madoguchi.opendata.models import Dataset

    with tenancy.using(demo):
        shelters = {s.name: s for s in Shelter.objects.all()}
        assert set(shelters) >= {row[0] for row in SHELTERS}
        assert all(s.capacity and s.hazard_earthquake and s.latitude for name, s in shelters.items() if name in {r[0] for r in SHELTERS})
        assert sum(s.is_designated_shelter for s in shelters.values()) == 3
        applied, held = ShelterImport.objects.order_by("pk")
        assert applied.state == ShelterImport.State.APPLIED and held.state == ShelterImport.State.HELD
        assert {p[1] for p in held.problems if p[3]} == {"緯度", "経度", "想定収容人数"}
        generated = Dataset.objects.get(generator="designated_shelters").resources.get()
        assert services.current_version(generated).row_count == 3
        assert "架空" in shelter_csv(demo)


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_staff_import_in_the_browser_at_360px(live_server, page, axe_check, reflow_check):
    from playwright.sync_api import expect

    from madoguchi.accounts.testing import staff_login_in_browser
    from madoguchi.core.factories import PASSWORD

    city = MunicipalityFactory(is_default=True)
    section = SectionFactory(municipality=city, name="防災安全課")
    manager = StaffFactory(email="bousai@example.lg.jp", section=section, role=StaffRole.Role.MANAGER)
    tenancy.clear_caches()
    staff_login_in_browser(page, live_server.url, manager.email, PASSWORD)
    page.goto(live_server.url + "/opendata/staff/shelters/")
    axe_check(page, "shelter import")
    swapped = shelter_csv(city, [SHELTERS[0][:4] + ("139.301500", "35.681200") + SHELTERS[0][6:]])
    page.get_by_label("避難所一覧の CSV ファイル").set_input_files({"name": "shelters.csv", "mimeType": "text/csv", "buffer": swapped.encode("cp932")})
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("main")).to_contain_text("誤りが2件あります")
    expect(page.locator("main table")).to_contain_text("入れ替わっていないか")
    reflow_check(page, "shelter import with errors")
    axe_check(page, "shelter import with errors")
    page.get_by_label("避難所一覧の CSV ファイル").set_input_files({"name": "fixed.csv", "mimeType": "text/csv", "buffer": shelter_csv(city).encode()})
    page.get_by_role("button", name="確認する").click()
    expect(page.locator("main")).to_contain_text("追加 5件・名称が同じ避難所の更新 0件")
    page.get_by_role("button", name="反映する").click()
    expect(page.locator("main")).to_contain_text("追加 5件・更新 0件")
    axe_check(page, "shelter import applied")
    with tenancy.using(city):
        assert Shelter.objects.count() == 5


def _shelter_map(city) -> str:
    """The imported demo list, generated as 指定緊急避難場所一覧; the map page's URL."""
    InformationPolicySectionFactory(municipality=city)
    shelter_import.apply(shelter_import.upload(_file(shelter_csv(city))))
    version = services.refresh_generated("evacuation_spaces", city)
    return f"/opendata/resource/{version.resource_id}/map/"


def test_map_of_the_shelter_list_says_what_each_shelter_is_for(client, city):
    import json

    from madoguchi.opendata.views import map_detail

    assert map_detail({"名称": "x", "災害種別_洪水": "1", "災害種別_津波": "", "想定収容人数": "約50"}) == "対象の災害: 洪水／想定収容人数 約50"
    assert map_detail({"名称": "x", "緯度": "35"}) == ""
    html = client.get(_shelter_map(city)).content.decode()
    data = json.loads(html.split('id="od-map-data" type="application/json">')[1].split("</script>")[0])
    school = next(p for p in data["points"] if p["name"] == SHELTERS[0][0])
    assert "対象の災害: 洪水、地震、大規模な火事、内水氾濫" in school["detail"] and "指定避難所を兼ねる" in school["detail"]
    assert "想定収容人数 450人" in school["detail"] and len(data["points"]) == 5
    assert '<th scope="col">内容</th>' in html and "想定収容人数 2000人" in html  # the list says the same


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_shelter_map_and_its_list_at_360px(live_server, page, axe_check, reflow_check):
    from playwright.sync_api import expect

    city = MunicipalityFactory(is_default=True)
    with tenancy.using(city):
        url = _shelter_map(city)
    tenancy.clear_caches()
    page.route("https://cyberjapandata.gsi.go.jp/**", lambda route: route.abort())  # no tiles in tests
    page.goto(live_server.url + url)
    expect(page.locator("#od-map")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(5)
    expect(page.locator("main table tbody tr")).to_have_count(5)
    marker = page.locator(".leaflet-marker-icon").last  # the topmost: markers this close overlap at 360 px
    expect(marker).to_have_attribute("title", SHELTERS[4][0])
    marker.focus()
    page.keyboard.press("Enter")  # Leaflet opens a marker's popup from the keyboard too
    expect(page.locator(".leaflet-popup-content")).to_contain_text("想定収容人数 1500人")
    expect(page.locator(".leaflet-popup")).to_have_css("opacity", "1")  # axe after Leaflet's fade-in
    reflow_check(page, "shelter map")
    axe_check(page, "shelter map")
