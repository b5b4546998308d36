"""手続一覧 for the open data catalogue (``datasets`` registry): every published procedure with
whether it can be done online (the DX plan's オンライン化 figures, published). Not one of the
自治体標準オープンデータセット; the header starts as those do (団体コード, ID, 地方公共団体名)."""

from __future__ import annotations

from madoguchi.core.registry import GeneratedDataset, datasets

from .models import Procedure

COLUMNS = (
    "全国地方公共団体コード",
    "ID",
    "地方公共団体名",
    "手続名",
    "手続名_カナ",
    "担当課",
    "オンライン申請",
    "外部の申請先URL",
    "手数料（円）",
    "必要な本人確認",
    "URL",
)


@datasets.register("procedures")
class Procedures(GeneratedDataset):
    label = "手続一覧"
    name = "procedures"
    standard = ""
    theme = "administration"
    description = "市の手続の一覧と、オンラインで申請できるかどうかです。手続案内の情報から自動で作成しています。"
    columns = COLUMNS

    def models(self) -> list[type]:
        return [Procedure]

    def rows(self, municipality):
        from madoguchi.core.links import absolute_url

        city = f"{municipality.prefecture}{municipality.name}"
        for p in Procedure.objects.filter(municipality=municipality, is_published=True).select_related("section").order_by("order", "slug"):
            yield {
                "全国地方公共団体コード": municipality.code,
                "ID": p.slug,
                "地方公共団体名": city,
                "手続名": p.name,
                "手続名_カナ": p.name_kana,
                "担当課": p.section.name,
                "オンライン申請": "有" if (p.online or p.external_url) else "無",
                "外部の申請先URL": p.external_url,
                "手数料（円）": p.fee,
                "必要な本人確認": p.get_identity_assurance_display(),
                "URL": absolute_url("applications:procedure", p.slug, municipality=municipality),
            }
