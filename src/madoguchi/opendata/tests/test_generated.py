"""Generated datasets: every column is on the allow-list (no personal data can appear), the
団体コード is the city's, a refresh is queued through the outbox on a change at most once per
interval per dataset and city, and opendata_refresh regenerates now."""

import pytest
from django.core.management import call_command

from madoguchi.alerts.factories import ShelterFactory
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.core import tenancy
from madoguchi.core.models import Task
from madoguchi.core.registry import datasets
from madoguchi.opendata.models import Dataset, DatastoreRow
from madoguchi.opendata.tasks import queue_refresh
from madoguchi.reservations.factories import FacilityFactory

# Columns a generated dataset may publish: the standard's public columns and the catalogue's
# own facts about procedures. A new column needs a review that it carries no personal data.
ALLOWED = {
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "名称_英字", "POIコード",
    "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下",
    "建物名等(方書)", "緯度", "経度", "標高", "電話番号", "内線番号", "連絡先メールアドレス", "連絡先FormURL", "連絡先備考（その他、SNSなど）",
    "郵便番号", "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明", "バリアフリー情報", "URL", "画像",
    "画像_ライセンス", "備考", "市区町村コード", "災害種別_洪水", "災害種別_崖崩れ、土石流及び地滑り", "災害種別_高潮", "災害種別_地震", "災害種別_津波",
    "災害種別_大規模な火事", "災害種別_内水氾濫", "災害種別_火山現象", "指定避難所との重複", "想定収容人数", "対象となる町会・自治会", "指定緊急避難場所との重複",
    "手続名", "手続名_カナ", "担当課", "オンライン申請", "外部の申請先URL", "手数料（円）", "必要な本人確認",
    # statistics: counts and rates, never a person (small counts are published as X)
    "年月", "年度", "手続ID", "オンライン受付件数", "窓口等受付件数", "処理件数", "オンライン利用率（%）", "公開手続数", "オンライン申請できる手続数",
    "手続のオンライン化率（%）", "施設ID", "施設名", "部屋名", "予約できた枠数", "予約済みの枠数", "利用率（%）",
}  # fmt: skip


@pytest.fixture
def city_data(db):
    facility = FacilityFactory(name="中央公民館", address="テスト市中央1-1（架空）")
    with tenancy.using(facility.municipality):
        ShelterFactory(municipality=facility.municipality, area__municipality=facility.municipality, name="中央小学校",
                       hazard_earthquake=True, hazard_large_fire=True, is_designated_shelter=True, capacity=300)  # fmt: skip
        ShelterFactory(municipality=facility.municipality, area__municipality=facility.municipality, name="河川敷広場", hazard_earthquake=True)
        ProcedureFactory(section=facility.section, name="住民票の写しの交付", online=True)
    return facility.municipality


def test_every_generated_column_is_allowed(city_data):
    assert {"public_facilities", "evacuation_spaces", "designated_shelters", "procedures"} <= set(datasets.keys())
    for key, plugin in datasets.items():
        assert set(plugin.columns) <= ALLOWED, f"{key}: {set(plugin.columns) - ALLOWED}"
        with tenancy.using(city_data):
            for row in plugin.rows(city_data):
                assert set(row) <= set(plugin.columns), f"{key}: row has {set(row) - set(plugin.columns)}"
                assert row["全国地方公共団体コード"] == city_data.code
                assert not any(row.get(c) not in ("", None) for c in plugin.missing), key


def test_opendata_refresh_builds_the_standard_layouts(city_data):
    call_command("opendata_refresh", verbosity=0)
    with tenancy.using(city_data):
        shelters = Dataset.objects.get(generator="evacuation_spaces")
        resource = shelters.resources.get()
        version = resource.versions.get()
        assert version.columns[:3] == ["全国地方公共団体コード", "ID", "名称"] and len(version.columns) == 39
        row = DatastoreRow.objects.get(version=version, number=1).data
        assert row["名称"] == "中央小学校" and row["地方公共団体名"].endswith(city_data.name) and row["災害種別_地震"] == "1"
        assert row["災害種別_津波"] == "" and row["災害種別_大規模な火事"] == "1" and row["指定避難所との重複"] == "1" and row["想定収容人数"] == "300"
        assert DatastoreRow.objects.get(version=version, number=2).data["指定避難所との重複"] == ""
        designated = DatastoreRow.objects.filter(version__resource__dataset__generator="designated_shelters")
        assert [r.data["名称"] for r in designated] == ["中央小学校"] and designated[0].data["指定緊急避難場所との重複"] == "1"
        assert version.file.open("rb").read().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM, as publishers ship
        procedures = DatastoreRow.objects.get(version__resource__dataset__generator="procedures").data
        assert procedures["オンライン申請"] == "有"
    call_command("opendata_refresh", verbosity=0)  # nothing changed: no new version
    with tenancy.using(city_data):
        assert resource.versions.count() == 1


def test_changes_queue_one_refresh_per_interval(city_data, settings, run_tasks):
    settings.OPENDATA_REFRESH_INTERVAL = 300
    with tenancy.using(city_data):
        Task.objects.filter(name="opendata.refresh").delete()
        for i in range(5):
            FacilityFactory(section__municipality=city_data, name=f"施設{i}")
        pending = Task.objects.filter(name="opendata.refresh", payload__key="public_facilities")
        assert pending.count() == 1  # five saves, one refresh
        first = queue_refresh("public_facilities", city_data.pk, now=999_900.0)
        again = queue_refresh("public_facilities", city_data.pk, now=1_000_199.0)
        later = queue_refresh("public_facilities", city_data.pk, now=1_000_200.0)
        assert first.pk == again.pk and later.pk != first.pk
