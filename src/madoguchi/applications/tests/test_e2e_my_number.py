"""In real Chromium at 360 px (issue #12 item 2): back on the page of a マイナンバー field, the page
says the number is stored (「登録済み（下4桁 …）」, never the number), is axe-clean and fits, and
次へ進む goes on without retyping it."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission
from madoguchi.core.factories import MunicipalityFactory
from madoguchi.forms.factories import FormFactory

from .test_my_number_return import NUMBER, SCHEMA

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_stored_my_number_is_shown_masked_and_not_asked_again(live_server, page, axe_check):
    MunicipalityFactory()
    form = FormFactory(schema=SCHEMA, allows_my_number=True)
    procedure = ProcedureFactory(form=form, section=form.section, slug="mn-e2e", identity_assurance=Procedure.Assurance.NONE)
    client = Client()
    response = client.post(reverse("applications:start", args=[procedure.slug]))
    submission = Submission.objects.get(uuid=response["Location"].split("/")[3])
    fill = reverse("applications:fill", args=[submission.uuid, 0])
    assert client.post(fill, {"action": "next", "name": "窓口 太郎", "mn": NUMBER}).status_code == 302
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(live_server.url + fill)
    stored = page.locator("#f-mn-stored")
    assert "登録済み（下4桁 9018）" in stored.inner_text()
    assert page.locator("#f-mn").input_value() == "" and NUMBER not in page.content()
    assert "f-mn-stored" in page.locator("#f-mn").get_attribute("aria-describedby")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "fill page with a stored マイナンバー")

    page.get_by_role("button", name="次へ進む").click()
    page.wait_for_url("**/fill/1/")
    submission.refresh_from_db()
    assert submission.answers["mn"] == NUMBER
