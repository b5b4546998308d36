"""In real Chromium at 360 px: a resident signs the final application through the demo OP's
signing page (confirm page → the platform's signing consent page → the demo app's page → back to
the confirm page, 署名済み → submitted); every page axe-clean. The RP's calls (client-credentials
token, 署名トランザクション, token, result, CRL) go over HTTP to live_server."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Submission
from madoguchi.core.factories import ResidentFactory, SectionFactory
from madoguchi.forms.factories import FormFactory
from madoguchi.identity import oidc
from madoguchi.identity.demo_provider import op
from madoguchi.identity.models import Signature

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHEMA = {"pages": [{"key": "main", "title": "申請内容", "fields": [{"key": "purpose", "type": "text", "label": "使いみち", "max_length": 50}]}]}


def test_demo_signature_at_360px(live_server, page, axe_check, settings, monkeypatch):
    settings.IDENTITY_DEMO_PROVIDER = True
    settings.MADOGUCHI_PROVIDERS = {"identity": {"digital_auth_app": {"demo": True}}}
    monkeypatch.setattr(oidc, "transport_adapter", None)
    oidc.clear_caches()
    section = SectionFactory(name="市民課", with_email=True)
    procedure = ProcedureFactory(section=section, slug="koseki-e2e", requires_signature=True, form=FormFactory(section=section, schema=SCHEMA))
    client = Client()
    client.force_login(ResidentFactory())
    client.post(reverse("applications:start", args=[procedure.slug]))
    submission = Submission.objects.get()
    client.post(reverse("applications:fill", args=[submission.uuid, 0]), {"action": "next", "purpose": "相続の手続"})
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(live_server.url + reverse("applications:confirm", args=[submission.uuid]))
    axe_check(page, "confirm page asking for a signature")
    page.get_by_role("button", name="マイナンバーカードで署名へ進む").click()
    page.wait_for_url("**/identity/sign/**")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "signing consent page")
    page.get_by_role("button", name="デジタル認証アプリで署名する").click()
    page.wait_for_url("**/identity/demo-op/authorize**")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "demo app signing page")
    page.get_by_label(op.PEOPLE[0].name, exact=False).check()
    page.get_by_role("button", name="署名する").click()
    page.wait_for_url("**" + reverse("applications:confirm", args=[submission.uuid]))
    assert "電子署名済み" in page.content()
    axe_check(page, "confirm page after signing")
    page.get_by_role("button", name="申請する").click()
    page.wait_for_url("**" + reverse("applications:my_detail", args=[submission.uuid]))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert Signature.objects.get().status == Signature.Status.VALID
