"""ひな形: the other cities' template page (preview, copy form) and the copy's editor with the
「元の様式が更新されました」 notice, in real Chromium: no WCAG A/AA violation, keyboard reachable."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, SectionFactory, StaffFactory
from madoguchi.core.models import MunicipalityDomain
from madoguchi.forms import services, sharing
from madoguchi.forms.factories import FormFactory, FormVersionFactory
from madoguchi.forms.models import FormVersion

from .conftest import staff_login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_template_page_and_update_notice_accessible(live_server, page, axe_check, client):
    host = urlsplit(live_server.url).hostname
    a = MunicipalityFactory(name="みどり野市")
    b = MunicipalityFactory(name="あおば台町")
    MunicipalityDomain.objects.create(municipality=a, domain="midorino.invalid")
    MunicipalityDomain.objects.create(municipality=b, domain=host)
    tenancy.clear_caches()
    origin = FormFactory(name="住民票の写しの交付申請", section=SectionFactory(municipality=a, name="市民課"))
    b_section = SectionFactory(municipality=b, name="住民課")
    staff = StaffFactory(section=b_section)
    with tenancy.using(a):
        template = sharing.share(origin, "住民票の写しの交付申請の様式です。")
    with tenancy.using(b):
        copy_form = sharing.copy_template(template, section=b_section)
    with tenancy.using(a):
        services.publish(FormVersionFactory(form=origin, number=2, status=FormVersion.Status.DRAFT))

    staff_login(client, staff)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/forms/staff/templates/")
    axe_check(page, "other cities' templates")
    page.goto(f"{live_server.url}/forms/staff/templates/{template.pk}/")
    axe_check(page, "template preview and copy form")
    page.goto(f"{live_server.url}/forms/staff/{copy_form.pk}/")
    assert page.get_by_role("heading", name="元の様式が更新されました（第2版）").is_visible()
    axe_check(page, "copy editor with the origin update notice")
    button = page.get_by_role("button", name="新しい下書きとして取り込む")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("元の様式の第2版を第1版の下書きに取り込みました。", exact=False)).to_be_visible()
    expect(page.get_by_role("heading", name="元の様式が更新されました（第2版）")).to_have_count(0)
