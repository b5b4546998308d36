"""団体登録 verified by staff."""

from __future__ import annotations

from django.utils import timezone

from ..models import Group
from . import emails


def verify_group(group: Group, staff_user, approve: bool, note: str = "") -> Group:
    group.status = Group.Status.VERIFIED if approve else Group.Status.REJECTED
    group.staff_note = note
    group.verified_by = staff_user
    group.verified_at = timezone.now()
    group.save()
    emails.group_verified(group, note)
    return group
