"""指定緊急避難場所一覧 and 指定避難所一覧 for the open data catalogue (``datasets`` registry), from
the shelters notices list. 指定緊急避難場所一覧: the 39-column layout of 自治体標準オープンデータセット
03 (order confirmed, see shared/reference/opendata-standard.md §3.2), with the 災害種別 flags,
指定避難所との重複 (``1`` or blank, as the standard) and 想定収容人数 from the Shelter model.
指定避難所一覧 is not a dataset of the current standard (the reference found none): it is
published in a layout of our own built from 03's column names, and the page says so."""

from __future__ import annotations

from madoguchi.core.registry import GeneratedDataset, datasets

from .models import Shelter

COLUMNS = (
    "全国地方公共団体コード", "ID", "名称", "名称_カナ", "名称_英字", "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記",
    "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)", "緯度", "経度", "標高", "電話番号", "内線番号",
    "連絡先メールアドレス", "連絡先FormURL", "連絡先備考（その他、SNSなど）", "郵便番号", "市区町村コード", "地方公共団体名",
    "災害種別_洪水", "災害種別_崖崩れ、土石流及び地滑り", "災害種別_高潮", "災害種別_地震", "災害種別_津波", "災害種別_大規模な火事",
    "災害種別_内水氾濫", "災害種別_火山現象", "指定避難所との重複", "想定収容人数", "対象となる町会・自治会", "URL", "画像", "画像_ライセンス", "備考",
)  # fmt: skip
HAZARD_COLUMNS = tuple(f"災害種別_{label}" for _field, label in Shelter.HAZARDS)
KEPT = {"全国地方公共団体コード", "ID", "名称", "所在地_全国地方公共団体コード", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村",
        "緯度", "経度", "市区町村コード", "地方公共団体名", "対象となる町会・自治会", *HAZARD_COLUMNS, "指定避難所との重複", "想定収容人数"}  # fmt: skip


def _flag(value: bool) -> str:
    return "1" if value else ""


def _common(s: Shelter, municipality) -> dict:
    return {
        "全国地方公共団体コード": municipality.code,
        "ID": f"{municipality.code}-S{s.pk:05d}",
        "名称": s.name,
        "所在地_全国地方公共団体コード": municipality.code,
        "所在地_連結表記": s.address,
        "所在地_都道府県": municipality.prefecture,
        "所在地_市区町村": municipality.name,
        "緯度": s.latitude,
        "経度": s.longitude,
        "地方公共団体名": f"{municipality.prefecture}{municipality.name}",
        "想定収容人数": s.capacity if s.capacity is not None else "",
        "対象となる町会・自治会": s.area.name if s.area_id else "",
    }


@datasets.register("evacuation_spaces")
class EvacuationSpaces(GeneratedDataset):
    label = "指定緊急避難場所一覧"
    name = "evacuation_space"
    standard = "指定緊急避難場所一覧"
    theme = "disaster"
    description = "お知らせ・緊急情報で案内する避難所の一覧です。市のシステムの情報から自動で作成しています。"
    columns = COLUMNS
    missing = tuple(c for c in COLUMNS if c not in KEPT)

    def models(self) -> list[type]:
        return [Shelter]

    def rows(self, municipality):
        shelters = Shelter.objects.filter(municipality=municipality, is_evacuation_site=True).select_related("area").order_by("pk")
        for s in shelters:
            row = _common(s, municipality)
            row["市区町村コード"] = municipality.code
            row.update({column: _flag(getattr(s, field)) for (field, _label), column in zip(Shelter.HAZARDS, HAZARD_COLUMNS, strict=True)})
            row["指定避難所との重複"] = _flag(s.is_designated_shelter)
            yield row


SHELTER_COLUMNS = (
    "全国地方公共団体コード", "ID", "名称", "所在地_全国地方公共団体コード", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村",
    "緯度", "経度", "地方公共団体名", "想定収容人数", "指定緊急避難場所との重複", "対象となる町会・自治会",
)  # fmt: skip


@datasets.register("designated_shelters")
class DesignatedShelters(GeneratedDataset):
    label = "指定避難所一覧"
    name = "designated_shelter"
    standard = ""  # not a dataset of the current 自治体標準 (see the module's docstring)
    theme = "disaster"
    description = (
        "お知らせ・緊急情報で案内する指定避難所の一覧です。市のシステムの情報から自動で作成しています。"
        "指定避難所一覧は現行の自治体標準オープンデータセットにないため、指定緊急避難場所一覧の列名にそろえた独自の列構成です。"
    )
    columns = SHELTER_COLUMNS

    def models(self) -> list[type]:
        return [Shelter]

    def rows(self, municipality):
        for s in Shelter.objects.filter(municipality=municipality, is_designated_shelter=True).select_related("area").order_by("pk"):
            row = _common(s, municipality)
            row["指定緊急避難場所との重複"] = _flag(s.is_evacuation_site)
            yield row
