"""The two abstract models of ひな形の共有 (issue #10): the shared row a city offers to the others
(``SharedTemplateBase``) and the origin a copy records (``SharedCopy``). Each shareable kind
(forms' ``SharedTemplate``, guide's ``SharedGuide``) is a concrete subclass in its own app; the
rules that read and write them are one service, ``core.sharing``.

Kept apart from ``core/sharing.py`` so that an app's ``models.py`` can inherit them without
importing the service (which reads the audit log and the tenancy walls).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CityOwned
from .validation import ResidentCharField, ResidentTextField


class SharedTemplateBase(CityOwned):
    """ひな形: a city's published item offered to the other cities of the deployment to copy.

    It holds a copy of the shared version's definition, so other cities read only this row
    (never the item, its drafts or anything residents sent). Withdrawn rows stay
    (``withdrawn_at``) so copies can still say where they came from.

    A subclass declares the foreign key to the shared item and names it in ``tenant_parent``
    (the row's city is the item's), plus a unique constraint on (municipality, that key)."""

    name = ResidentCharField(_("ひな形の名前"), max_length=200)
    description = ResidentTextField(_("説明"), max_length=1000, blank=True)
    version_number = models.PositiveIntegerField(_("公開している版"))
    definition = models.JSONField(_("定義"), default=dict)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("公開した職員"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    shared_at = models.DateTimeField(_("公開日時"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    withdrawn_at = models.DateTimeField(_("公開をやめた日時"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-updated_at", "pk"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def source_field(cls) -> str:
        """The foreign key to the shared item (``form``, ``guide``)."""
        return cls.tenant_parent

    @property
    def source_id(self) -> int:
        return getattr(self, f"{self.source_field()}_id")

    @property
    def is_shared(self) -> bool:
        return self.withdrawn_at is None

    @property
    def audit_section(self):
        return getattr(self, self.source_field()).section


class SharedCopy(models.Model):
    """コピー元: what an item copied from another city's ひな形 records of its origin, as plain
    values, never a foreign key into the other city's rows. The subclass adds
    ``origin_<item>_id`` (``origin_form_id``, ``origin_guide_id``)."""

    origin_template_id = models.PositiveBigIntegerField(_("コピー元のひな形"), null=True, blank=True)
    origin_version = models.PositiveIntegerField(_("コピー元の版"), null=True, blank=True)
    origin_municipality = models.ForeignKey(
        "core.Municipality", verbose_name=_("コピー元の自治体"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin_dismissed_version = models.PositiveIntegerField(_("更新のお知らせを閉じた版"), null=True, blank=True)

    class Meta:
        abstract = True
