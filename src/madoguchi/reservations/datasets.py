"""公共施設一覧 for the open data catalogue (``datasets`` registry): every public facility in the
layout of 自治体標準オープンデータセット 01 公共施設一覧. The current layout's order is not
confirmed (shared/reference/opendata-standard.md §3.3); the columns follow the expected order
given there, and the dataset page says so."""

from __future__ import annotations

from madoguchi.core.registry import GeneratedDataset, datasets

from .models import Facility

COLUMNS = (
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "POIコード",
    "所在地_全国地方公共団体コード", "町字ID", "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)",
    "緯度", "経度", "電話番号", "内線番号", "連絡先メールアドレス", "連絡先FormURL", "連絡先備考（その他、SNSなど）", "郵便番号",
    "法人番号", "団体名", "利用可能曜日", "開始時間", "終了時間", "利用可能日時特記事項", "説明", "バリアフリー情報", "URL", "画像", "画像_ライセンス", "備考",
)  # fmt: skip
KEPT = {"全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "所在地_全国地方公共団体コード", "所在地_連結表記",
        "所在地_都道府県", "所在地_市区町村", "緯度", "経度", "電話番号", "郵便番号", "団体名", "利用可能日時特記事項", "説明", "バリアフリー情報", "URL", "画像", "備考"}  # fmt: skip


@datasets.register("public_facilities")
class PublicFacilities(GeneratedDataset):
    label = "公共施設一覧"
    name = "public_facility"
    standard = "公共施設一覧"
    theme = "facilities"
    description = "予約できる公共施設（公民館・体育館・会議室など）の一覧です。施設予約システムの情報から自動で作成しています。"
    columns = COLUMNS
    missing = tuple(c for c in COLUMNS if c not in KEPT)

    def models(self) -> list[type]:
        return [Facility]

    def rows(self, municipality):
        city = f"{municipality.prefecture}{municipality.name}"
        for f in Facility.objects.filter(municipality=municipality, is_public=True).select_related("section").order_by("code", "pk"):
            yield {
                "全国地方公共団体コード": municipality.code,
                "ID": f.code,
                "地方公共団体名": city,
                "名称": f.name,
                "名称_カナ": f.name_kana,
                "名称_英語": f.name_en,
                "所在地_全国地方公共団体コード": municipality.code,
                "所在地_連結表記": f.address,
                "所在地_都道府県": municipality.prefecture,
                "所在地_市区町村": municipality.name,
                "緯度": f.latitude,
                "経度": f.longitude,
                "電話番号": f.phone,
                "郵便番号": f.postal_code,
                "団体名": f.section.name,
                "利用可能日時特記事項": f.hours_note,
                "説明": f.get_kind_display() + (f"。{f.description}" if f.description else ""),
                "バリアフリー情報": ";".join(line.strip() for line in f.accessibility.splitlines() if line.strip()),
                "URL": f.url,
                "画像": f.photo_url,
                "備考": f"利用目的: {f.purposes}" if f.purposes else "",
            }
