import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog, StaffRole

User = get_user_model()


@pytest.mark.django_db
def test_clerk_and_resident_cannot_manage_staff(client, clerk, resident):
    login_staff(client, clerk)
    assert client.get(reverse("accounts:staff_list")).status_code == 403
    assert client.post(reverse("accounts:staff_create"), {}).status_code == 403
    client.force_login(resident)
    assert client.get(reverse("accounts:staff_list")).status_code == 403


@pytest.mark.django_db
def test_staff_pages_need_verified_otp(client, admin_user):
    client.force_login(admin_user)
    assert client.get(reverse("accounts:staff_list")).url == reverse("accounts:otp_verify")


@pytest.mark.django_db
def test_admin_creates_staff_who_sets_password_via_mailed_link(client, admin_user, sections, smtp_email, run_tasks):
    login_staff(client, admin_user)
    response = client.post(
        reverse("accounts:staff_create"),
        {"email": "new@city.test", "family_name": "新人", "given_name": "一郎", "section": sections["hoiku"].pk, "role": "clerk"},
    )
    assert response.status_code == 302
    new = User.objects.get(email="new@city.test")
    assert new.is_staff and not new.has_usable_password()
    assert StaffRole.objects.get(user=new).section == sections["hoiku"]
    entry = AuditLog.objects.get(action=AuditLog.Action.CREATE, target_id=str(new.pk))
    assert entry.actor == admin_user and entry.section == sections["hoiku"]
    run_tasks()
    (message,) = smtp_email.wait_for(1)
    link = re.search(r"https?://\S+", message["message"].get_body(preferencelist=("plain",)).get_content()).group(0)
    other = client.__class__()
    response = other.get("/" + link.split("/", 3)[3], follow=True)
    assert 'name="new_password1"' in response.content.decode()
    password = "brand-new-staff-pass-77"
    response = other.post(response.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})
    assert response.status_code == 302
    response = other.post(reverse("accounts:login"), {"username": "new@city.test", "password": password})
    assert response.url == reverse("accounts:otp_enrol")
    # duplicate address: error on the field
    html = client.post(
        reverse("accounts:staff_create"), {"email": "new@city.test", "family_name": "x", "given_name": "y", "section": sections["hoiku"].pk, "role": "clerk"}
    ).content.decode()
    assert "すでに登録されています" in html and 'id="id_email_error"' in html


@pytest.mark.django_db
def test_manager_manages_roles_only_in_own_section(client, manager, clerk, sections):
    login_staff(client, manager)
    assert client.get(reverse("accounts:staff_list")).status_code == 200
    url = reverse("accounts:staff_role_set", args=[clerk.pk])
    assert client.post(url, {"section": sections["shimin"].pk, "role": "approver"}).status_code == 302
    assert StaffRole.objects.get(user=clerk, section=sections["shimin"]).role == "approver"
    response = client.post(url, {"section": sections["hoiku"].pk, "role": "clerk"})
    assert response.status_code == 400 and "課を一覧から選んでください" in response.content.decode()
    assert not StaffRole.objects.filter(user=clerk, section=sections["hoiku"]).exists()
    # cannot remove a role held in another section, nor use admin-only actions
    other = StaffRole.objects.create(user=clerk, section=sections["hoiku"], role="clerk")
    assert client.post(reverse("accounts:staff_role_remove", args=[clerk.pk, other.pk])).status_code == 403
    assert client.post(reverse("accounts:staff_reset_2fa", args=[clerk.pk])).status_code == 403
    assert client.post(reverse("accounts:staff_toggle_active", args=[clerk.pk])).status_code == 403
    own = StaffRole.objects.get(user=clerk, section=sections["shimin"])
    assert client.post(reverse("accounts:staff_role_remove", args=[clerk.pk, own.pk])).status_code == 302
    assert AuditLog.objects.filter(action=AuditLog.Action.DELETE, target_id=str(clerk.pk), section=sections["shimin"]).exists()
    assert AuditLog.objects.filter(action=AuditLog.Action.UPDATE, target_id=str(clerk.pk), detail__role="approver").exists()


@pytest.mark.django_db
def test_admin_deactivates_and_resets_two_factor(client, admin_user, clerk):
    login_staff(client, admin_user)
    TOTPDevice.objects.create(user=clerk, name="phone", confirmed=True)
    assert client.post(reverse("accounts:staff_reset_2fa", args=[clerk.pk])).status_code == 302
    assert not TOTPDevice.objects.filter(user=clerk).exists()
    assert client.post(reverse("accounts:staff_toggle_active", args=[clerk.pk])).status_code == 302
    clerk.refresh_from_db()
    assert not clerk.is_active
    client.post(reverse("accounts:staff_toggle_active", args=[admin_user.pk]))
    admin_user.refresh_from_db()
    assert admin_user.is_active  # never yourself
    details = list(AuditLog.objects.filter(target_id=str(clerk.pk), action=AuditLog.Action.UPDATE).values_list("detail", flat=True))
    assert any(d.get("two_factor") == "reset" for d in details) and any(d.get("is_active") is False for d in details)
    page = client.get(reverse("accounts:staff_detail", args=[clerk.pk])).content.decode()
    assert "停止中" in page
    assert client.get(reverse("accounts:staff_detail", args=[999999])).status_code == 404
