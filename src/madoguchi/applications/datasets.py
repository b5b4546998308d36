"""Open data of online applications (``datasets`` registry):

- 手続一覧: every published procedure with whether it can be done online. Not one of the
  自治体標準オープンデータセット; the header starts as those do (団体コード, ID, 地方公共団体名).
- 申請件数（月別・手続別）and オンライン化率（年度別）: the DX plan's own figures, published as
  statistics. Counted as the statistics page counts (``statistics.received_in``: submitted, not
  withdrawn, on the day in Asia/Tokyo), whole months only (up to the end of last month, so a
  file does not change every day). Counts of people are ``small_counts``: the opendata app
  publishes 1 … OPENDATA_SUPPRESS_BELOW − 1 as ``X``; no total sits beside its parts (a total
  would give a suppressed part away), a lone ``X`` in a fiscal year hides a second cell of that
  year (``suppression_groups``: オンライン化率 publishes the year's totals), and a rate is hidden
  in a row where a count was suppressed (``derived``). Refreshed periodically, not on every
  submission."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from madoguchi.core.registry import GeneratedDataset, datasets
from madoguchi.core.wareki import fiscal_year

from .models import Procedure, Submission

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


ONLINE = (Submission.Channel.ONLINE, Submission.Channel.API)
PROCESSED = (Submission.Status.COMPLETED, Submission.Status.REJECTED)


def _counted_until() -> dt.date:
    """The first day not counted: the first of this month (whole months only)."""
    return timezone.localdate().replace(day=1)


def _received(municipality, until: dt.date):
    qs = Submission.objects.filter(municipality=municipality, submitted_at__isnull=False, submitted_at__date__lt=until)
    return qs.exclude(status__in=[Submission.Status.DRAFT, Submission.Status.WITHDRAWN])


def _month(value) -> dt.date:
    return timezone.localtime(value).date() if isinstance(value, dt.datetime) else value


@datasets.register("application_counts")
class ApplicationCounts(GeneratedDataset):
    label = "申請件数（月別・手続別）"
    name = "application_counts"
    theme = "statistics"
    periodic = True
    description = (
        "手続ごと・月ごとの申請の受付件数（オンライン・窓口等）と処理件数です。前月末までの確定した月を集計しています。"
        "個人が特定されるおそれのある少ない件数は「X」（秘匿）としています。件数のない月は行がありません。"
    )
    columns = ("全国地方公共団体コード", "地方公共団体名", "年月", "年度", "手続ID", "手続名", "担当課", "オンライン受付件数", "窓口等受付件数", "処理件数")
    small_counts = ("オンライン受付件数", "窓口等受付件数", "処理件数")
    suppression_groups = ("年度",)  # online_rate publishes each fiscal year's totals

    def rows(self, municipality):
        until = _counted_until()
        procedures = {p.pk: p for p in Procedure.objects.filter(municipality=municipality, is_published=True).select_related("section")}
        cells: dict[tuple, Counter] = {}
        received = _received(municipality, until).filter(procedure_id__in=procedures).annotate(m=TruncMonth("submitted_at"))
        for row in received.values("m", "procedure_id", "channel").annotate(n=Count("id")).order_by():
            kind = "online" if row["channel"] in ONLINE else "counter"
            cells.setdefault((_month(row["m"]), row["procedure_id"]), Counter())[kind] += row["n"]
        closed = Submission.objects.filter(municipality=municipality, procedure_id__in=procedures, status__in=PROCESSED, closed_at__date__lt=until)
        for row in closed.annotate(m=TruncMonth("closed_at")).values("m", "procedure_id").annotate(n=Count("id")).order_by():
            cells.setdefault((_month(row["m"]), row["procedure_id"]), Counter())["processed"] += row["n"]
        city = f"{municipality.prefecture}{municipality.name}"
        for (month, pid), n in sorted(cells.items(), key=lambda item: (item[0][0], procedures[item[0][1]].order, procedures[item[0][1]].slug)):
            p = procedures[pid]
            yield {
                "全国地方公共団体コード": municipality.code,
                "地方公共団体名": city,
                "年月": month.strftime("%Y-%m"),
                "年度": fiscal_year(month),
                "手続ID": p.slug,
                "手続名": p.name,
                "担当課": p.section.name,
                "オンライン受付件数": n["online"],
                "窓口等受付件数": n["counter"],
                "処理件数": n["processed"],
            }


@datasets.register("online_rate")
class OnlineRate(GeneratedDataset):
    label = "オンライン化率（年度別）"
    name = "online_rate"
    theme = "statistics"
    periodic = True
    description = (
        "年度ごとの申請のオンライン利用率（オンライン受付件数 ÷ 受付件数）と、手続のオンライン化率（オンラインで申請できる手続 ÷ 公開している手続）です。"
        "申請は前月末までを集計しています。手続の数は履歴を持たないため、今年度の行にだけ現在の数を載せています。"
        "少ない件数は「X」（秘匿）とし、その行の利用率も「X」にしています。"
    )
    columns = (
        "全国地方公共団体コード", "地方公共団体名", "年度", "オンライン受付件数", "窓口等受付件数", "オンライン利用率（%）",
        "公開手続数", "オンライン申請できる手続数", "手続のオンライン化率（%）",
    )  # fmt: skip
    small_counts = ("オンライン受付件数", "窓口等受付件数")
    derived = ("オンライン利用率（%）",)

    def rows(self, municipality):
        until = _counted_until()
        years: dict[int, Counter] = {}
        for row in _received(municipality, until).annotate(m=TruncMonth("submitted_at")).values("m", "channel").annotate(n=Count("id")).order_by():
            kind = "online" if row["channel"] in ONLINE else "counter"
            years.setdefault(fiscal_year(_month(row["m"])), Counter())[kind] += row["n"]
        this_year = fiscal_year(timezone.localdate())
        years.setdefault(this_year, Counter())
        published = Procedure.objects.filter(municipality=municipality, is_published=True)
        total_procedures = published.count()
        online_procedures = sum(1 for online, url in published.values_list("online", "external_url") if online or url)  # as 手続一覧's 有
        city = f"{municipality.prefecture}{municipality.name}"
        for year in sorted(years):
            n = years[year]
            received = n["online"] + n["counter"]
            row = {
                "全国地方公共団体コード": municipality.code,
                "地方公共団体名": city,
                "年度": year,
                "オンライン受付件数": n["online"],
                "窓口等受付件数": n["counter"],
                "オンライン利用率（%）": f"{100 * n['online'] / received:.1f}" if received else "",
            }
            if year == this_year:
                row["公開手続数"] = total_procedures
                row["オンライン申請できる手続数"] = online_procedures
                row["手続のオンライン化率（%）"] = f"{100 * online_procedures / total_procedures:.1f}" if total_procedures else ""
            yield row
