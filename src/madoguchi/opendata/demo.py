"""Demo open data of the fictional cities: a few uploaded datasets (population by 町丁目 with
two versions, AED locations in Shift_JIS, a budget PDF link) and the generated ones
(公共施設一覧, 指定緊急避難場所一覧, 手続一覧) built from the other apps' demo rows."""

from __future__ import annotations

from madoguchi.core.models import Section
from madoguchi.core.registry import datasets as generated

from . import services
from .models import Dataset, Frequency, Licence, Resource, Theme

POPULATION_V1 = "町丁目,世帯数,男,女,計\n中央一丁目,812,901,955,1856\n中央二丁目,640,702,731,1433\n北町,455,498,520,1018\n南町,390,420,447,867\n"
POPULATION_V2 = (
    "町丁目,世帯数,男,女,計\n中央一丁目,820,905,960,1865\n中央二丁目,638,700,729,1429\n北町,455,498,520,1018\n南町,391,421,447,868\n西町,120,130,128,258\n"
)


def _aed(city) -> str:
    head = "全国地方公共団体コード,ID,地方公共団体名,名称,所在地_連結表記,緯度,経度,設置位置,小児対応設備の有無\n"
    rows = [
        ("AED001", "市役所本庁舎", "中央一丁目1番1号（架空）", "35.680000", "139.300000", "1階 総合案内横", "有"),
        ("AED002", "中央公民館", "中央二丁目3番5号（架空）", "35.682100", "139.302300", "1階 事務室前", "有"),
        ("AED003", "市民体育館", "北町4番2号（架空）", "35.690400", "139.296800", "2階 アリーナ入口", "無"),
    ]
    body = "".join(f"{city.code},{r[0]},{city.prefecture}{city.name},{r[1]},{city.prefecture}{city.name}{r[2]},{r[3]},{r[4]},{r[5]},{r[6]}\n" for r in rows)
    return head + body


# 避難所 (fictional): the three alerts' demo lists by name (updated with what the standard adds)
# and two more; capacities and coordinates are made up for the fictional city.
# 名称, 名称_カナ, 町字, 番地以下, 緯度, 経度, 災害種別 (洪水 崖 高潮 地震 津波 火事 内水 火山), 指定避難所との重複, 想定収容人数, 町会
SHELTERS = [
    (
        "みどり野市立中央小学校 体育館",
        "ミドリノシリツチュウオウショウガッコウ タイイクカン",
        "中央一丁目",
        "5番1号",
        "35.681200",
        "139.301500",
        "10010110",
        "1",
        "450",
        "中央一丁目町会",
    ),
    (
        "みどり野市立緑町中学校 体育館",
        "ミドリノシリツミドリチョウチュウガッコウ タイイクカン",
        "緑町二丁目",
        "2番2号",
        "35.686900",
        "139.309200",
        "11010100",
        "1",
        "600",
        "緑町二丁目自治会",
    ),
    ("川辺地区センター", "カワベチクセンター", "川辺町", "3番3号", "35.675400", "139.292800", "00010100", "1", "120", "川辺町会"),
    ("中央公園", "チュウオウコウエン", "中央二丁目", "8番", "35.683300", "139.304100", "00010100", "", "2000", "中央二丁目町会"),
    ("北町グラウンド", "キタマチグラウンド", "北町", "6番1号", "35.691800", "139.297700", "00010100", "", "1500", "北町町会"),
]


def shelter_csv(city, rows=SHELTERS) -> str:
    """The demo shelter list in the 03 (指定緊急避難場所一覧) layout, every column present."""
    from . import shelter_import, standards

    columns = standards.get(shelter_import.STANDARD).names
    hazards = [c for _f, c in shelter_import.HAZARD_COLUMNS]
    lines = [",".join(columns)]
    for n, (name, kana, town, number, lat, lon, flags, shelter, capacity, area) in enumerate(rows, start=1):
        row = dict.fromkeys(columns, "")
        row.update({
            "全国地方公共団体コード": city.code, "ID": f"{city.code}-H{n:03d}", "名称": name, "名称_カナ": kana,
            "所在地_全国地方公共団体コード": city.code, "所在地_連結表記": f"{city.prefecture}{city.name}{town}{number}（架空）",
            "所在地_都道府県": city.prefecture, "所在地_市区町村": city.name, "所在地_町字": town, "所在地_番地以下": number,
            "緯度": lat, "経度": lon, "市区町村コード": city.code, "地方公共団体名": f"{city.prefecture}{city.name}",
            "指定避難所との重複": shelter, "想定収容人数": capacity, "対象となる町会・自治会": area, "備考": "架空のデータです",
        })  # fmt: skip
        row.update({column: ("1" if flag == "1" else "") for column, flag in zip(hazards, flags, strict=True)})
        lines.append(",".join(row[c] for c in columns))
    return "\n".join(lines) + "\n"


def _shelters(city) -> None:
    """The shelter list through the staff import (applied), and one held import with errors to
    show what staff see: latitude and longitude swapped, a 和暦-looking capacity."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from . import shelter_import
    from .models import ShelterImport

    if ShelterImport.objects.filter(municipality=city).exists():
        return
    done = shelter_import.upload(SimpleUploadedFile(f"{city.code}_evacuation_space.csv", shelter_csv(city).encode("utf-8-sig")))
    shelter_import.apply(done)
    wrong = [SHELTERS[3][:4] + ("139.304100", "35.683300") + SHELTERS[3][6:8] + ("約2000",) + SHELTERS[3][9:]]
    shelter_import.upload(SimpleUploadedFile(f"{city.code}_evacuation_space_draft.csv", shelter_csv(city, wrong).encode("cp932")))


def load(city) -> None:
    _shelters(city)
    if Dataset.objects.filter(municipality=city, name="population-by-area").exists():
        return
    section = Section.objects.filter(municipality=city, name="市民課").first() or services.publisher_section(city)
    disaster = Section.objects.filter(municipality=city, name__contains="防災").first() or section
    if section is None:
        return
    population = services.save_dataset(
        Dataset(municipality=city, name="population-by-area", section=section, title="町丁目別人口・世帯数", theme=Theme.STATISTICS,
                notes="毎月1日現在の住民基本台帳による町丁目別の人口と世帯数です（架空のデータ）。", frequency=Frequency.MONTHLY),
        tags=["人口", "世帯", "統計"], created=True,
    )  # fmt: skip
    resource = services.add_resource(population, name="町丁目別人口（CSV）", fmt=Resource.Format.CSV)
    services.add_version(resource, content=POPULATION_V1.encode(), filename=f"{city.code}_population_20261101.csv")
    services.add_version(resource, content=POPULATION_V2.encode(), filename=f"{city.code}_population_20261201.csv", note="西町を追加")
    aed = services.save_dataset(
        Dataset(municipality=city, name="aed", section=disaster, title="AED設置箇所一覧", theme=Theme.DISASTER, standard="AED設置箇所一覧",
                notes="市の施設に設置している AED の場所です（架空のデータ）。", frequency=Frequency.IRREGULAR),
        tags=["AED", "防災"], created=True,
    )  # fmt: skip
    resource = services.add_resource(aed, name="AED設置箇所一覧（CSV）", fmt=Resource.Format.CSV)
    services.add_version(resource, content=_aed(city).encode("cp932"), filename=f"{city.code}_aed.csv", convert=True)
    budget = services.save_dataset(
        Dataset(municipality=city, name="budget", section=services.publisher_section(city), title="当初予算の概要", theme=Theme.ADMINISTRATION,
                licence=Licence.GOV_STANDARD, notes="当初予算の概要資料へのリンクです（架空）。", frequency=Frequency.ANNUAL),
        tags=["予算", "財政"], created=True,
    )  # fmt: skip
    services.add_resource(budget, name="予算の概要（ウェブページ）", fmt=Resource.Format.LINK, link_url="https://example.jp/budget/")
    for key in generated.keys():
        services.refresh_generated(key, city)
