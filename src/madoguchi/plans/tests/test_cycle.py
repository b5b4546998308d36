"""The yearly cycle: sections file reports on their items, 情報政策課 returns or accepts;
overdue reports; bound indicators; the evaluation table and its exports."""

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from madoguchi.core import registry
from madoguchi.core.models import AuditLog
from madoguchi.plans import metrics, services
from madoguchi.plans.demo import load_demo_plan
from madoguchi.plans.exports import evaluation_csv, evaluation_pdf, evaluation_xlsx
from madoguchi.plans.models import Indicator, Item, ProgressReport


@pytest.fixture
def plan(org):
    return load_demo_plan(org["muni"])


def test_sections_see_and_file_only_their_items(org, plan):
    shimin, sports, ip = org["users"]["shimin"], org["users"]["sports"], org["users"]["ip"]
    item1 = Item.objects.get(plan=plan, number="1")  # 情報政策課 lead, 市民課 related
    item3 = Item.objects.get(plan=plan, number="3")  # 生涯学習スポーツ課 lead
    assert set(services.visible_items(shimin, plan.items.all()).values_list("number", flat=True)) == {"1", "2"}
    assert services.visible_items(ip, plan.items.all()).count() == plan.items.count()
    assert services.is_reviewer(ip) and not services.is_reviewer(shimin)
    with pytest.raises(PermissionDenied):
        services.save_report(item3, plan.start_year, shimin, services.ReportInput(done="x"), submit=False)
    assert services.can_file(sports, item3) and not services.can_file(sports, item1)


def test_report_return_and_accept(org, plan):
    sports, ip = org["users"]["sports"], org["users"]["ip"]
    item = Item.objects.get(plan=plan, number="3")
    year = plan.start_year + 1
    with pytest.raises(ValidationError) as exc:
        services.save_report(item, year, sports, services.ReportInput(), submit=True)
    assert "rating" in exc.value.message_dict and "done" in exc.value.message_dict
    ind = Indicator.objects.create(item=item, name="利用者アンケートの回答数", unit="件", target=Decimal(100))
    report = services.save_report(
        item, year, sports, services.ReportInput(rating="partly", done="予約システムを調達した。", actuals={ind.pk: Decimal(40)}), submit=True
    )
    assert report.status == ProgressReport.Status.SUBMITTED and ind.actual(year) == Decimal(40)
    with pytest.raises(ValidationError):  # locked while 情報政策課 reviews
        services.save_report(item, year, sports, services.ReportInput(rating="partly", done="変更"), submit=True)
    with pytest.raises(PermissionDenied):
        services.review_report(report, sports, accept=True)
    with pytest.raises(ValidationError):
        services.review_report(report, ip, accept=False, comment="")
    report = services.review_report(report, ip, accept=False, comment="課題欄を書いてください。")
    assert report.status == ProgressReport.Status.RETURNED
    report = services.save_report(
        item, year, sports, services.ReportInput(rating="partly", direction="continue", done="予約システムを調達した。", problems="周知が不足。"), submit=True
    )
    report = services.review_report(report, ip, accept=True)
    assert report.status == ProgressReport.Status.ACCEPTED
    assert AuditLog.objects.filter(target_type="plans.progressreport", target_id=str(report.pk)).count() == 4  # submit, return, resubmit, accept
    row = next(r for r in services.evaluation_rows(plan) if r[0] == "3")
    assert row[2] == "生涯学習スポーツ課" and row[3] == "情報政策課" and row[4] == "一部のみ達成" and row[5] == "継続"


def test_overdue_reports(org, plan):
    far = dt.date(plan.start_year + 3, 1, 1)
    overdue = services.overdue_reports([plan], today=far)
    keys = {(o.item.number, o.fiscal_year) for o in overdue}
    assert ("1", plan.start_year) not in keys  # accepted in the demo
    assert ("2", plan.start_year) in keys  # returned and not resubmitted
    assert ("3", plan.start_year) in keys and ("3", plan.start_year + 1) in keys
    assert not services.overdue_reports([plan], today=dt.date(plan.start_year, 4, 1))


def test_bound_indicators_fill_themselves(org, plan, monkeypatch):
    # Every contributed metric answers a Decimal or None (does not apply) on an empty platform.
    for code in registry.metrics:
        assert metrics.compute(code, org["muni"], plan.start_year) is None or isinstance(metrics.compute(code, org["muni"], plan.start_year), Decimal)
    monkeypatch.setattr(registry.metrics["online_procedures"], "compute", lambda m, y: Decimal(y - 2000))
    assert services.fill_bound_indicators(plan.start_year, plan=plan) >= 1  # more once sibling apps exist
    ind = Indicator.objects.get(item__plan=plan, metric="online_procedures")
    assert ind.actual(plan.start_year) == Decimal(plan.start_year - 2000)
    assert ind.values.get().source == "metric"


def test_dashboard_counts(org, plan):
    data = services.dashboard(plan, plan.start_year)
    assert data["item_count"] == 6
    assert dict(data["ratings"])["概ね達成"] == 1
    assert sum(n for _, n in data["phases"]) == 6


def test_evaluation_exports(org, plan):
    raw = evaluation_csv(plan)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["番号", "施策名", "主管課", "関係課", "達成状況", "方向性", "引継ぎ"]
    assert rows[1][:5] == ["1", "オンライン申請できる手続の拡大", "情報政策課", "市民課、子育て支援課", "概ね達成"] or rows[1][4] == "概ね達成"
    wb = openpyxl.load_workbook(io.BytesIO(evaluation_xlsx(plan)))
    assert wb.active["A2"].value == "番号" and wb.active.max_row == 2 + 6
    assert evaluation_pdf(plan).startswith(b"%PDF")


def test_metrics_read_sibling_apps_per_municipality(org):
    from madoguchi.applications.factories import ProcedureFactory
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory
    from madoguchi.forms.factories import FormFactory

    other = MunicipalityFactory(name="別市")
    other_section = SectionFactory(municipality=other, name="市民課")
    year = metrics.current_fiscal_year()
    form = FormFactory(name="申請フォーム", section=None, schema=None)
    for slug, section, online in [("a", org["shimin"], True), ("b", org["shimin"], False), ("c", other_section, True)]:
        ProcedureFactory(section=section, slug=slug, name=slug, online=online, form=form)
    assert metrics.compute("online_procedures", org["muni"], year) == Decimal(1)
    assert metrics.compute("online_procedures", other, year) == Decimal(1)
    assert metrics.available("online_procedures")


def test_metric_of_a_missing_app_is_not_available(org, plan):
    # No installed app contributes workshop participants: the code is simply not registered.
    assert not metrics.available("workshop_participants")
    item = Item.objects.get(plan=plan, number="6")
    Indicator.objects.create(item=item, name="ワークショップの参加者数", metric="workshop_participants")
    services.fill_bound_indicators(plan.start_year, plan=plan)  # does not fail
    data = services.dashboard(plan, plan.start_year)
    row = next(r for r in data["indicators"] if r["indicator"].metric == "workshop_participants")
    assert row["actual"] is None and row["unavailable"]
    assert "未導入" in dict(metrics.choices())["workshop_participants"]


def test_metrics_on_reservations_and_alerts_when_present(org):
    """Bookings taken at the counter are not online; subscriptions count once confirmed and
    until stopped."""
    from django.utils import timezone

    from madoguchi.alerts.models import Subscription

    now = timezone.now()
    year = __import__("madoguchi.core.wareki", fromlist=["fiscal_year"]).fiscal_year(timezone.localdate())
    for i, (status, confirmed, stopped) in enumerate([("active", now, None), ("pending", None, None), ("unsubscribed", now, now)]):
        Subscription.objects.create(
            municipality=org["muni"], channel="email", address=f"a{i}@example.jp", status=status, confirmed_at=confirmed, unsubscribed_at=stopped
        )
    assert metrics.compute("alert_subscribers", org["muni"], year) == Decimal(1)
    assert metrics.compute("alert_subscribers", org["muni"], year - 1) == Decimal(0)
