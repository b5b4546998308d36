"""書かない窓口 from a まとめて来庁 booking: staff of a counter on the visit open it by either
code, read the procedures and (when the resident agreed) the answers, and start a counter case
prefilled from the account and the guide; every read and case audited; other sections 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.core import tenancy
from madoguchi.core.factories import ResidentFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.guide import itinerary

from . import test_plan
from .test_plan import HOST, _request

pytestmark = pytest.mark.django_db
city = test_plan.city  # the same city, counters and guide


def test_staff_open_the_visit_and_start_the_counter_form_prefilled_audited(client, city):
    from madoguchi.applications.models import Submission

    with tenancy.using(city["city"]):
        resident = ResidentFactory()
        plan = itinerary.book(resident, _request(city, share=True))
        second_code = plan.stops.get(order=2).visit.code
        kosodate_staff = StaffFactory(section=city["kosodate"])
        shimin_staff = StaffFactory(section=city["shimin"])
        outsider = StaffFactory(section=SectionFactory(municipality=city["city"], name="環境課"))

    # 子育て支援課 opens it by their own counter's 予約番号: the whole visit, the answers.
    login_staff(client, kosodate_staff)
    response = client.get(reverse("guide:staff_visits"), {"code": second_code.lower()}, **HOST)
    assert response.url == reverse("guide:staff_visit", args=[plan.code])
    page = client.get(response.url, **HOST).content.decode()
    assert "お子さんがいますか" in page and "緑野" in page and "転入届" in page
    assert "「転入届」を書かない窓口で入力する" not in page  # 市民課's form: not theirs to start
    with tenancy.using(city["city"]):
        read = AuditLog.objects.get(action=AuditLog.Action.VIEW, target_type="guide.visitplan")
    assert read.actor == kosodate_staff and read.detail["code"] == plan.code and read.detail["resident"] == resident.pk

    login_staff(client, shimin_staff)
    page = client.get(reverse("guide:staff_visit", args=[plan.code]), **HOST).content.decode()
    assert "「転入届」を書かない窓口で入力する" in page
    response = client.post(reverse("guide:staff_visit_start", args=[plan.code, "tennyu"]), **HOST)
    with tenancy.using(city["city"]):
        case = Submission.objects.get(channel=Submission.Channel.COUNTER)
        created = AuditLog.objects.get(action=AuditLog.Action.CREATE, target_type="applications.submission")
    assert response.url == reverse("applications:counter_fill", args=[case.uuid, 0])
    # From the account (the form's own prefill) and the guide (the step's "fill"; unknown keys ignored).
    assert case.answers["name"].startswith("緑野")
    assert case.answers["note"] == "no" and "nope" not in case.answers
    assert created.detail["visit_plan"] == plan.code and created.detail["prefilled"] == sorted(case.answers)
    # A step not on the visit, a procedure without a counter form: refused in Japanese.
    client.post(reverse("guide:staff_visit_start", args=[plan.code, "kokuho"]), **HOST)
    assert "窓口で入力する申請書がありません" in client.get(reverse("guide:staff_visit", args=[plan.code]), **HOST).content.decode()

    login_staff(client, outsider)
    assert client.get(reverse("guide:staff_visit", args=[plan.code]), **HOST).status_code == 404
    assert client.get(reverse("guide:staff_visits"), {"code": plan.code}, **HOST).status_code == 404
    assert client.post(reverse("guide:staff_visit_start", args=[plan.code, "tennyu"]), **HOST).status_code == 404


def test_without_consent_staff_see_procedures_only_and_start_an_empty_form(client, city):
    from madoguchi.applications.models import Submission

    with tenancy.using(city["city"]):
        plan = itinerary.book(ResidentFactory(), _request(city, share=False))
        staff = StaffFactory(section=city["shimin"])
    assert plan.answers == {} and plan.event_date is None
    login_staff(client, staff)
    page = client.get(reverse("guide:staff_visit", args=[plan.code]), **HOST).content.decode()
    assert "回答を窓口に伝えることを選んでいません" in page and "緑野" not in page and "転入届" in page
    client.post(reverse("guide:staff_visit_start", args=[plan.code, "tennyu"]), **HOST)
    with tenancy.using(city["city"]):
        assert Submission.objects.get(channel=Submission.Channel.COUNTER).answers == {}
