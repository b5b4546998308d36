"""職員管理: platform administrators (情報政策課) create staff accounts, assign roles, deactivate
and reset two-factor; section managers (管理者) manage roles in their own sections."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from madoguchi.core import audit
from madoguchi.core.models import AuditLog, Section, StaffRole
from madoguchi.core.permissions import is_platform_admin, section_ids
from madoguchi.core.staff import staff_required

from . import services
from .forms import RoleForm, StaffCreateForm

User = get_user_model()


def manageable_sections(user):
    """Sections whose roles ``user`` may change: all for platform admins, else where 管理者."""
    qs = Section.objects.filter(kind=Section.Kind.SECTION).select_related("parent").order_by("parent__name", "name")
    allowed = section_ids(user, "manage")
    return qs if allowed is None else qs.filter(pk__in=allowed)


def _require_staff_admin(user) -> None:
    if not (is_platform_admin(user) or section_ids(user, "manage")):
        raise PermissionDenied(_("職員の管理は情報政策課または各課の管理者が行います。"))


def _require_platform_admin(user) -> None:
    if not is_platform_admin(user):
        raise PermissionDenied(_("この操作は情報政策課（プラットフォーム管理者）だけが行えます。"))


def _staff_queryset():
    """Staff of the active city: a role in one of its sections. Users are shared by every city,
    so the city is filtered here through the roles (a join does not go through the roles'
    scoped manager); a roleless platform admin is listed only in a single-city deployment."""
    from madoguchi.core import tenancy

    city_id = tenancy.current_id()
    if city_id is None:
        return User.objects.filter(Q(is_staff=True) | Q(is_platform_admin=True) | Q(staff_roles__isnull=False)).distinct()
    mine = Q(staff_roles__municipality_id=city_id)
    if tenancy.single_city():
        mine |= Q(is_staff=True, staff_roles__isnull=True) | Q(is_platform_admin=True, staff_roles__isnull=True)
    return User.objects.filter(mine).distinct()


@staff_required
def staff_list(request):
    _require_staff_admin(request.user)
    qs = _staff_queryset().prefetch_related("staff_roles__section").order_by("family_name_kana", "family_name", "email")
    q = request.GET.get("q", "").strip()[:100]
    section_id = request.GET.get("section", "")
    if q:
        qs = qs.filter(Q(email__icontains=q) | Q(family_name__icontains=q) | Q(given_name__icontains=q))
    sections = Section.objects.filter(kind=Section.Kind.SECTION).order_by("name")
    if section_id.isascii() and section_id.isdigit():
        qs = qs.filter(staff_roles__section_id=int(section_id))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    querystring = params.urlencode()
    from django_otp.plugins.otp_totp.models import TOTPDevice

    with_device = set(TOTPDevice.objects.filter(user__in=[u.pk for u in page.object_list], confirmed=True).values_list("user_id", flat=True))
    return render(
        request,
        "accounts/staff_list.html",
        {
            "page": page,
            "querystring": querystring,
            "q": q,
            "sections": sections,
            "section_id": section_id,
            "with_device": with_device,
            "is_admin": is_platform_admin(request.user),
        },
    )


@staff_required
def staff_create(request):
    _require_platform_admin(request.user)
    form = StaffCreateForm(manageable_sections(request.user), data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with transaction.atomic():
            user = User.objects.create_user(
                email=data["email"], password=None, is_staff=True, email_verified=True, family_name=data["family_name"], given_name=data["given_name"]
            )
            StaffRole.objects.create(user=user, section=data["section"], role=data["role"])
            services.send_staff_welcome_email(user, request.user)
            audit.record(AuditLog.Action.CREATE, user, request=request, section=data["section"], detail={"kind": "staff", "role": data["role"]})
        messages.success(request, _("職員アカウントを作成し、パスワード設定用のリンクを %(email)s に送りました。") % {"email": user.email})
        return redirect("accounts:staff_detail", pk=user.pk)
    return render(request, "accounts/staff_create.html", {"form": form})


def _staff_user(pk):
    return get_object_or_404(_staff_queryset(), pk=pk)


@staff_required
def staff_detail(request, pk: int, role_form=None):
    _require_staff_admin(request.user)
    target = _staff_user(pk)
    sections = manageable_sections(request.user)
    manageable_ids = set(sections.values_list("pk", flat=True))
    roles = list(target.staff_roles.select_related("section", "section__parent").order_by("section__name"))
    from django_otp.plugins.otp_totp.models import TOTPDevice

    context = {
        "target": target,
        "roles": roles,
        "manageable_ids": manageable_ids,
        "role_form": role_form or RoleForm(sections),
        "has_device": TOTPDevice.objects.filter(user=target, confirmed=True).exists(),
        "is_admin": is_platform_admin(request.user),
        "is_self": target.pk == request.user.pk,
    }
    return render(request, "accounts/staff_detail.html", context, status=400 if role_form is not None else 200)


@require_POST
@staff_required
def staff_role_set(request, pk: int):
    _require_staff_admin(request.user)
    target = _staff_user(pk)
    form = RoleForm(manageable_sections(request.user), data=request.POST)
    if not form.is_valid():
        return staff_detail.__wrapped__(request, pk, role_form=form)
    section, role = form.cleaned_data["section"], form.cleaned_data["role"]
    with transaction.atomic():
        obj, created = StaffRole.objects.update_or_create(user=target, section=section, defaults={"role": role})
        if not target.is_staff:
            target.is_staff = True
            target.save(update_fields=["is_staff"])
        audit.record(
            AuditLog.Action.CREATE if created else AuditLog.Action.UPDATE, target, request=request, section=section, detail={"kind": "staff_role", "role": role}
        )
    messages.success(request, _("%(name)sさんを%(section)sの%(role)sにしました。") % {"name": target, "section": section, "role": obj.get_role_display()})
    return redirect("accounts:staff_detail", pk=target.pk)


@require_POST
@staff_required
def staff_role_remove(request, pk: int, role_pk: int):
    _require_staff_admin(request.user)
    target = _staff_user(pk)
    role = get_object_or_404(StaffRole, pk=role_pk, user=target)
    if not manageable_sections(request.user).filter(pk=role.section_id).exists():
        raise PermissionDenied(_("この課の役割を変更する権限がありません。"))
    with transaction.atomic():
        audit.record(AuditLog.Action.DELETE, target, request=request, section=role.section, detail={"kind": "staff_role", "role": role.role})
        role.delete()
    messages.success(request, _("%(section)sの役割を外しました。") % {"section": role.section})
    return redirect("accounts:staff_detail", pk=target.pk)


@require_POST
@staff_required
def staff_toggle_active(request, pk: int):
    _require_platform_admin(request.user)
    target = _staff_user(pk)
    if target.pk == request.user.pk:
        messages.error(request, _("自分自身のアカウントは停止できません。"))
        return redirect("accounts:staff_detail", pk=target.pk)
    target.is_active = not target.is_active
    with transaction.atomic():
        target.save(update_fields=["is_active"])
        audit.record(AuditLog.Action.UPDATE, target, request=request, detail={"kind": "staff", "is_active": target.is_active})
    messages.success(request, _("アカウントを有効にしました。") if target.is_active else _("アカウントを停止しました。このアカウントではログインできません。"))
    return redirect("accounts:staff_detail", pk=target.pk)


@require_POST
@staff_required
def staff_reset_2fa(request, pk: int):
    _require_platform_admin(request.user)
    target = _staff_user(pk)
    with transaction.atomic():
        count = services.reset_two_factor(target)
        audit.record(AuditLog.Action.UPDATE, target, request=request, detail={"kind": "staff", "two_factor": "reset", "devices": count})
    messages.success(request, _("二要素認証をリセットしました。次回ログイン時に認証アプリを設定し直します。"))
    return redirect("accounts:staff_detail", pk=target.pk)


@require_POST
@staff_required
def staff_send_link(request, pk: int):
    _require_platform_admin(request.user)
    target = _staff_user(pk)
    with transaction.atomic():
        services.send_staff_welcome_email(target, request.user)
        audit.record(AuditLog.Action.SEND, target, request=request, detail={"kind": "password_set_link"})
    messages.success(request, _("パスワード設定用のリンクを %(email)s に送りました。") % {"email": target.email})
    return redirect("accounts:staff_detail", pk=target.pk)
