"""公共施設一覧 for the open data catalogue (``datasets`` registry): every public facility in the
layout of 自治体標準オープンデータセット 01 公共施設一覧. The current layout's order is not
confirmed (shared/reference/opendata-standard.md §3.3); the columns follow the expected order
given there, and the dataset page says so."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.utils import timezone

from madoguchi.core.registry import GeneratedDataset, datasets

from .models import Booking, Facility, Unit

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


USAGE_MONTHS = 12  # the last twelve whole months: the year a 施設稼働率 report covers


def _months_back(first_of_this_month: dt.date, n: int) -> list[dt.date]:
    months, day = [], first_of_this_month
    for _i in range(n):
        day = (day - dt.timedelta(days=1)).replace(day=1)
        months.append(day)
    return sorted(months)


@datasets.register("facility_usage")
class FacilityUsage(GeneratedDataset):
    """施設の利用率: per room (部屋・コート) and month, the frames that could be booked (opening
    hours, less closed days, as the booking calendar counts them) and the frames booked. No
    suppression: a room's count of booked frames says nothing of who booked (never published)."""

    label = "施設の利用率（月別・部屋別）"
    name = "facility_usage"
    theme = "statistics"
    periodic = True  # a month's figures, not a list: no refresh on every booking
    description = (
        "予約できる施設の部屋ごと・月ごとの利用率（予約済みの枠 ÷ 予約できた枠）です。直近12か月の確定した月を集計しています。"
        "予約できた枠は開館時間の枠から休館日を除いた数です。"
    )
    columns = ("全国地方公共団体コード", "地方公共団体名", "年月", "施設ID", "施設名", "部屋名", "予約できた枠数", "予約済みの枠数", "利用率（%）")

    def rows(self, municipality):
        from .services.calendar import closed_reason, frames_for, month_days

        months = _months_back(timezone.localdate().replace(day=1), USAGE_MONTHS)
        start, end = months[0], timezone.localdate().replace(day=1)
        units = Unit.objects.filter(municipality=municipality, facility__is_public=True).select_related("facility").order_by("facility__code", "order", "pk")
        booked = Counter()
        rows = Booking.objects.filter(municipality=municipality, status=Booking.Status.CONFIRMED, date__gte=start, date__lt=end)
        for unit_id, day, n in rows.values_list("unit_id", "date").annotate(n=Count("id")).order_by():
            booked[(unit_id, day.replace(day=1))] += n
        city = f"{municipality.prefecture}{municipality.name}"
        facilities: dict[int, tuple] = {}
        for unit in units:
            f = unit.facility
            if f.pk not in facilities:  # the facility's calendar, read once for its rooms
                facilities[f.pk] = ({h.weekday: h for h in f.opening_hours.all()}, list(f.closed_periods.all()), list(f.frames.all()))
            hours, periods, defs = facilities[f.pk]
            for month in months:
                offered = sum(
                    len(frames_for(unit, day, hours=hours, defs=defs))
                    for day in month_days(month.year, month.month)
                    if closed_reason(f, day, unit, periods=periods, hours=hours) is None
                )
                taken = booked[(unit.pk, month)]
                if not offered and not taken:
                    continue
                yield {
                    "全国地方公共団体コード": municipality.code,
                    "地方公共団体名": city,
                    "年月": month.strftime("%Y-%m"),
                    "施設ID": f.code,
                    "施設名": f.name,
                    "部屋名": unit.name,
                    "予約できた枠数": offered,
                    "予約済みの枠数": taken,
                    "利用率（%）": f"{100 * taken / offered:.1f}" if offered else "",
                }
