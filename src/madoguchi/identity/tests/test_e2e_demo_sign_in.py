"""In real Chromium at 360 px: a resident applies for a マイナンバーカード procedure through the
demo provider (consent page → the demo OP's page → back to the procedure → the form with the
基本4情報 verified and read-only); every page axe-clean. The RP's server-to-server calls go
over HTTP to live_server (threaded), not through the test-client transport."""

from __future__ import annotations

import pytest
from django.test import Client

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure
from madoguchi.core.factories import ResidentFactory, SectionFactory
from madoguchi.forms.factories import FormFactory
from madoguchi.identity import oidc
from madoguchi.identity.demo_provider import op

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHEMA = {
    "pages": [
        {
            "key": "applicant",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "max_length": 50, "prefill": "full_name"},
                {"key": "birth_date", "type": "date", "label": "生年月日", "prefill": "birth_date"},
            ],
        }
    ]
}


def test_demo_card_sign_in_at_360px(live_server, page, axe_check, settings, monkeypatch):
    settings.IDENTITY_DEMO_PROVIDER = True
    settings.MADOGUCHI_PROVIDERS = {"identity": {"digital_auth_app": {"demo": True}}}
    monkeypatch.setattr(oidc, "transport_adapter", None)
    oidc.clear_caches()
    section = SectionFactory(name="市民課", with_email=True)
    procedure = ProcedureFactory(
        section=section, slug="juminhyo-e2e", identity_assurance=Procedure.Assurance.MY_NUMBER_CARD, form=FormFactory(section=section, schema=SCHEMA)
    )
    client = Client()
    client.force_login(ResidentFactory())
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(live_server.url + procedure.get_absolute_url())
    page.get_by_role("button", name="オンラインで申請する").click()
    page.wait_for_url("**/identity/verify/digital_auth_app/**")
    axe_check(page, "consent page")
    page.get_by_role("button", name="同意して本人確認へ進む").click()
    page.wait_for_url("**/identity/demo-op/authorize**")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "demo OP authorize page")
    page.get_by_label(op.PEOPLE[0].name, exact=False).check()
    page.get_by_role("button", name="同意して続ける").click()
    page.wait_for_url("**" + procedure.get_absolute_url())
    page.get_by_role("button", name="オンラインで申請する").click()
    page.wait_for_url("**/fill/0/")
    name = page.locator("input[name=name]")
    assert name.input_value() == op.PEOPLE[0].name and name.get_attribute("readonly") is not None
    assert "本人確認済み" in page.content()
    axe_check(page, "fill page with verified answers")
