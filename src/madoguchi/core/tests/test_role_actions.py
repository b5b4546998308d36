"""Issue #12 item 7: staff see only the actions their role allows, decided by the one
permission check (core.permissions.can, ``{% if_can %}`` in templates); a refused action says
why in the page instead of a bare 403; the 休館期間 form shows no errors when the page opens."""

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.core import permissions
from madoguchi.core.factories import InformationPolicySectionFactory, SectionFactory, StaffFactory
from madoguchi.core.models import StaffRole

pytestmark = pytest.mark.django_db


def _tiles(client):
    html = client.get(reverse("web:staff_home")).content.decode()
    return {name: name in html for name in ("職員の管理", "監査ログ", "自治体の設定", "申請の受付箱", "分野・地域の設定")}


def test_section_clerk_sees_no_admin_tiles(client):
    login_staff(client, StaffFactory(section=SectionFactory(name="市民課")))
    assert _tiles(client) == {"職員の管理": False, "監査ログ": False, "自治体の設定": False, "申請の受付箱": True, "分野・地域の設定": False}


def test_section_manager_manages_staff_but_not_the_platform(client):
    login_staff(client, StaffFactory(section=SectionFactory(name="市民課"), role=StaffRole.Role.MANAGER))
    assert _tiles(client) == {"職員の管理": True, "監査ログ": False, "自治体の設定": False, "申請の受付箱": True, "分野・地域の設定": True}


def test_platform_admin_sees_every_tile(client):
    login_staff(client, StaffFactory(section=InformationPolicySectionFactory(), role=StaffRole.Role.MANAGER, admin=True))
    assert all(_tiles(client).values())


def test_if_can_tag_uses_the_one_check():
    clerk = StaffFactory(section=SectionFactory(name="市民課"))
    request = RequestFactory().get("/")
    request.user = clerk
    tpl = Template(
        '{% load permissions %}{% if_can "change" %}C{% endif_can %}{% if_can "manage" %}M{% else %}-{% endif_can %}{% if_can "audit_log" %}A{% endif_can %}{% if_can "" %}E{% endif_can %}'
    )
    assert tpl.render(Context({"request": request})) == "C-E"
    assert permissions.can(clerk, "manage_staff") is False


@pytest.fixture
def lottery():
    from madoguchi.reservations.factories import LotteryFactory

    return LotteryFactory()


def test_clerk_is_not_offered_the_draw_and_a_refused_draw_explains_itself(client, lottery):
    clerk = StaffFactory(section=lottery.facility.section)
    login_staff(client, clerk)
    home = client.get(reverse("reservations:staff_home")).content.decode()
    assert str(lottery) in home and "今すぐ抽選する" not in home
    resp = client.post(reverse("reservations:staff_draw", args=[lottery.pk]), follow=True)
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "抽選の実行は施設を所管する課の管理者が行います" in html and "notice--error" in html
    lottery.refresh_from_db()
    assert lottery.status == "open"


def test_manager_is_offered_the_draw(client, lottery):
    login_staff(client, StaffFactory(section=lottery.facility.section, role=StaffRole.Role.MANAGER))
    assert "今すぐ抽選する" in client.get(reverse("reservations:staff_home")).content.decode()


def test_closure_form_has_no_errors_on_first_load(client, lottery):
    login_staff(client, StaffFactory(section=lottery.facility.section))
    html = client.get(reverse("reservations:staff_facility", args=[lottery.facility.pk])).content.decode()
    assert "休館期間の登録" in html
    assert 'aria-invalid="true"' not in html and "field__error" not in html and "入力してください" not in html
