"""The figures applications contributes to plan indicators (core.registry.metrics), computed
from real rows: per municipality (through the procedure) and per fiscal year (April–March)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from madoguchi.applications.models import Procedure, Submission
from madoguchi.core.models import Municipality, Section
from madoguchi.core.registry import compute_metric, metrics
from madoguchi.core.wareki import fiscal_year
from madoguchi.forms.models import Form, FormVersion

JST = ZoneInfo("Asia/Tokyo")


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=JST)


@pytest.fixture
def cities(db):
    result = {}
    for key, name, code in [("a", "みどり野市", "139998"), ("b", "別市", "139980")]:
        muni = Municipality.objects.create(name=name, code=code)
        section = Section.objects.create(municipality=muni, name="市民課")
        form = Form.objects.create(name=f"{name}の申請フォーム", section=section)
        result[key] = {"muni": muni, "section": section, "form": form, "version": FormVersion.objects.create(form=form, number=1)}
    return result


def _procedure(city, slug, **kw) -> Procedure:
    kw.setdefault("form", city["form"])
    return Procedure.objects.create(municipality=city["muni"], section=city["section"], slug=slug, name=slug, summary="-", **kw)


def _submission(city, procedure, channel, submitted_at, status=Submission.Status.RECEIVED) -> Submission:
    return Submission.objects.create(
        procedure=procedure, section=city["section"], form_version=city["version"], channel=channel, status=status, submitted_at=submitted_at
    )


def test_online_applications_counts_every_channel_but_the_counter(cities):
    a, b = cities["a"], cities["b"]
    pa, pb = _procedure(a, "juminhyo"), _procedure(b, "juminhyo-b")
    C = Submission.Channel
    for channel, when in [
        (C.ONLINE, at(2026, 4, 1, 0, 30)),  # first minutes of FY2026 in Japan (still 3/31 in UTC)
        (C.ONLINE, at(2026, 10, 1, 9)),
        (C.API, at(2027, 3, 31, 23, 30)),  # last minutes of FY2026
        (C.COUNTER, at(2026, 6, 1, 10)),  # 書かない窓口: not online
        (C.ONLINE, at(2026, 3, 31, 23, 30)),  # FY2025
    ]:
        _submission(a, pa, channel, when)
    _submission(a, pa, C.ONLINE, None, status=Submission.Status.DRAFT)  # never submitted
    _submission(a, pa, C.ONLINE, at(2026, 5, 1, 9), status=Submission.Status.WITHDRAWN)
    _submission(b, pb, C.ONLINE, at(2026, 5, 1, 9))  # another municipality

    assert compute_metric("online_applications", a["muni"], 2026) == Decimal(3)
    assert compute_metric("online_applications", a["muni"], 2025) == Decimal(1)
    assert compute_metric("online_applications", b["muni"], 2026) == Decimal(1)
    assert compute_metric("online_applications", a["muni"], 2024) == Decimal(0)
    metric = metrics["online_applications"]
    assert (metric.label, metric.unit) == ("オンライン申請の受付件数", "件")


def test_online_procedures_counts_like_can_apply_online_for_the_current_year_only(cities):
    a, b = cities["a"], cities["b"]
    kinds = [
        ("ok", {}),
        ("no-form", {"form": None}),
        ("offline", {"online": False}),
        ("portal", {"external_url": "https://myna.go.jp/x"}),
        ("jpki", {"identity_assurance": Procedure.Assurance.MY_NUMBER_CARD}),
        ("hidden", {"is_published": False}),
    ]
    procedures = [_procedure(a, slug, **{"online": True, **kw}) for slug, kw in kinds]
    _procedure(b, "b-ok")
    _procedure(b, "b-ok2")
    assert sum(1 for p in procedures if p.can_apply_online and p.is_published) == 1
    this_year = fiscal_year(timezone.localdate())
    assert compute_metric("online_procedures", a["muni"], this_year) == Decimal(1)
    assert compute_metric("online_procedures", b["muni"], this_year) == Decimal(2)
    assert compute_metric("online_procedures", a["muni"], this_year - 1) is None  # the catalogue keeps no history
    metric = metrics["online_procedures"]
    assert (metric.label, metric.unit) == ("オンラインで申請できる手続の数", "手続")
