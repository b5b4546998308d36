"""The one permission check. Views, API handlers and exports all ask here.

A staff member acts within the sections (課) they hold a role in; the platform administrator
(情報政策課's 管理者, or ``User.is_platform_admin``) acts everywhere. Domain objects tell which
section owns them through an ``audit_section`` attribute (e.g. a submission → its procedure's
section).

Besides the four actions on a section's objects, a few named permissions cover what is not an
action on one object (``RULES``: the platform's pages, managing staff). Templates show a link or
a button only when the same check passes (``{% load permissions %}{% if_can "manage" obj %}``),
and a view that refuses an action says why in the page (``refuse``), not with a bare 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from .models import StaffRole

ROLE_RANK = {StaffRole.Role.CLERK: 1, StaffRole.Role.APPROVER: 2, StaffRole.Role.MANAGER: 3}
# Which role an action needs at least.
ACTION_ROLE = {
    "view": StaffRole.Role.CLERK,
    "change": StaffRole.Role.CLERK,
    "approve": StaffRole.Role.APPROVER,
    "manage": StaffRole.Role.MANAGER,
}


def is_staff_member(user) -> bool:
    """Staff of the active city: a role in one of its sections (StaffRole is scoped to the
    active city), or its platform administrator."""
    if not (user and user.is_authenticated):
        return False
    if is_platform_admin(user):
        return True
    known = role_here_known(user)
    return known if known is not None else user.staff_roles.exists()


def role_here_known(user) -> bool | None:
    """Whether the account holds a role in the active city, as its per-request read already
    said (``accounts.backends.read_user``: ``staff_role_here``); None when not read for this city."""
    from . import tenancy

    known = getattr(user, "staff_role_here", None)
    return known[1] if known is not None and known[0] == tenancy.current_id() else None


def is_platform_admin(user) -> bool:
    """情報政策課's administrator of the active city. ``User.is_platform_admin`` counts in the city
    where the user holds a role; a user with no role anywhere counts only while the deployment
    serves one city (a 共同運営 never lets one city's administrator into another)."""
    if not (user and user.is_authenticated and user.is_platform_admin):
        return False
    from . import tenancy

    if tenancy.current_id() is None:
        return True
    known = role_here_known(user)
    if known if known is not None else user.staff_roles.exists():  # scoped to the active city
        return True
    with tenancy.unscoped():
        has_roles_elsewhere = user.staff_roles.exists()
    return not has_roles_elsewhere and tenancy.single_city()


def section_ids(user, action: str = "view") -> set[int] | None:
    """Sections in which ``user`` may do ``action``; None means every section."""
    if is_platform_admin(user):
        return None
    if not (user and user.is_authenticated):
        return set()
    need = ROLE_RANK[ACTION_ROLE[action]]
    return {r.section_id for r in user.staff_roles.all() if ROLE_RANK[r.role] >= need}


def _platform_admin(user, obj=None) -> bool:
    return is_platform_admin(user)


def _manage_staff(user, obj=None) -> bool:
    return is_platform_admin(user) or bool(section_ids(user, "manage"))


# Named permissions (besides view/change/approve/manage): who may open the platform's pages.
RULES = {
    "platform_admin": _platform_admin,  # 情報政策課 (プラットフォーム管理者)
    "audit_log": _platform_admin,  # 監査ログ
    "city_settings": _platform_admin,  # 自治体の設定
    "manage_staff": _manage_staff,  # 職員の管理: 情報政策課 or a section's 管理者
}


def can(user, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` (view/change/approve/manage, or a name in ``RULES``) on
    ``obj`` (or in general)? An empty action is always allowed (a menu entry with no rule)."""
    if not action:
        return True
    rule = RULES.get(action)
    if rule is not None:
        return rule(user, obj)
    allowed = section_ids(user, action)
    if allowed is None:
        return True
    if obj is None:
        return bool(allowed)
    section = getattr(obj, "audit_section", obj)
    section_id = getattr(section, "pk", section)
    return section_id in allowed


def require(user, action: str, obj=None) -> None:
    if not can(user, action, obj):
        raise PermissionDenied("この操作を行う権限がありません。")


def refuse(request, message: str, fallback: str = "web:staff_home"):
    """Answer a refused action in the page: ``message`` (Japanese: what is not allowed and who
    can do it) shown by the layout, back on the page the request came from (or ``fallback``)."""
    from django.contrib import messages
    from django.shortcuts import redirect, resolve_url

    from .links import same_site_url

    messages.error(request, message)
    return redirect(same_site_url(request, request.headers.get("referer", "")) or resolve_url(fallback))


def scope(user, queryset, section_field: str = "section", action: str = "view"):
    """Limit ``queryset`` to rows owned by sections the user may act in."""
    allowed = section_ids(user, action)
    if allowed is None:
        return queryset
    return queryset.filter(**{f"{section_field}__in": allowed})
