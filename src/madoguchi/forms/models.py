"""Forms as data (フォーム), their immutable published versions (版) and uploaded files (添付ファイル)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import tenancy
from madoguchi.core.models import CityOwned, Municipality
from madoguchi.core.sharing_models import SharedCopy, SharedTemplateBase
from madoguchi.core.validation import ResidentCharField, TranscribedCharField


def _active_or_default_city_id() -> int | None:
    """The city a row with no parent belongs to: the active one, else (commands, tests outside
    a request) the deployment's default city."""
    city_id = tenancy.current_id()
    if city_id is None:
        city_id = getattr(Municipality.current(), "pk", None)
    return city_id


class ImmutableVersionError(Exception):
    """A published version (公開済みの版) must never change: drafts in progress depend on it."""


class Form(SharedCopy, CityOwned):
    """フォーム. The definition lives in its versions; this row is the stable identity. It
    belongs to its section's city (the active city for a form without a section)."""

    tenant_parent = "section"

    name = ResidentCharField(_("フォーム名"), max_length=200)
    section = models.ForeignKey("core.Section", verbose_name=_("担当課"), null=True, blank=True, on_delete=models.PROTECT, related_name="forms")
    allows_my_number = models.BooleanField(
        _("個人番号利用事務"), default=False, help_text=_("番号法の個人番号利用事務に当たる手続だけ、個人番号（マイナンバー）欄を置けます。")
    )
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    # コピー元 (the rest from SharedCopy): plain values, never a key into another city's rows.
    origin_form_id = models.PositiveBigIntegerField(_("コピー元のフォーム"), null=True, blank=True)

    class Meta:
        verbose_name = _("フォーム")
        verbose_name_plural = _("フォーム")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.municipality_id is None and self.section_id is None:
            self.municipality_id = _active_or_default_city_id()
        super().save(*args, **kwargs)

    @property
    def audit_section(self):
        return self.section

    def published_version(self) -> FormVersion | None:
        """The latest published version (what new submissions use)."""
        return self.versions.filter(status=FormVersion.Status.PUBLISHED).order_by("-number").first()

    def draft_version(self) -> FormVersion | None:
        return self.versions.filter(status=FormVersion.Status.DRAFT).order_by("-number").first()

    def latest_version(self) -> FormVersion | None:
        return self.versions.order_by("-number").first()


class FormVersion(CityOwned):
    """フォームの版. Published versions are immutable; editing happens in a new draft."""

    tenant_parent = "form"

    class Status(models.TextChoices):
        DRAFT = "draft", _("下書き")
        PUBLISHED = "published", _("公開済み")

    form = models.ForeignKey(Form, verbose_name=_("フォーム"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版"))
    schema = models.JSONField(_("定義"), default=dict)
    status = models.CharField(_("状態"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("作成者"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)

    class Meta:
        verbose_name = _("フォームの版")
        verbose_name_plural = _("フォームの版")
        ordering = ["form", "-number"]
        constraints = [models.UniqueConstraint(fields=["form", "number"], name="forms_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.form.name} 第{self.number}版"

    def save(self, *args, **kwargs):
        if self.pk:
            stored = FormVersion.objects.filter(pk=self.pk).values("status", "schema", "number").first()
            if (
                stored
                and stored["status"] == self.Status.PUBLISHED
                and (self.status != self.Status.PUBLISHED or self.schema != stored["schema"] or self.number != stored["number"])
            ):
                raise ImmutableVersionError("公開済みの版は変更できません。新しい下書きを作ってください。")
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **kwargs)

    @property
    def allows_my_number(self) -> bool:
        return self.form.allows_my_number

    @property
    def audit_section(self):
        return self.form.section

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class SharedTemplate(SharedTemplateBase):
    """ひな形 of a form: its published version offered to the other cities to copy (fields and
    rules: ``core.sharing_models.SharedTemplateBase``; the mechanism: ``core.sharing``)."""

    tenant_parent = "form"

    form = models.ForeignKey(Form, verbose_name=_("フォーム"), on_delete=models.CASCADE, related_name="shares")
    definition = models.JSONField(_("定義"), default=dict, db_column="schema")  # the column's name before the shared base

    class Meta(SharedTemplateBase.Meta):
        verbose_name = _("ひな形")
        verbose_name_plural = _("ひな形")
        constraints = [models.UniqueConstraint(fields=["municipality", "form"], name="forms_sharedtemplate_unique_form")]


def _upload_path(instance: Upload, filename: str) -> str:
    # Never reuse the uploader's file name on disk: it can contain anything. Each city's files
    # under its own 全国地方公共団体コード.
    now = timezone.now()
    if instance.municipality_id is None:
        instance.municipality_id = _active_or_default_city_id()
    city = tenancy.municipality_by_id(instance.municipality_id) if instance.municipality_id else None
    return f"uploads/{getattr(city, 'code', '') or 'common'}/{now:%Y/%m}/{uuid.uuid4().hex}"


class Upload(CityOwned):
    """添付ファイル. Stored outside the web root; type decided by content, not by name. It
    belongs to the city active when it was uploaded (before any case exists). Files uploaded
    before the cities were told apart may have none (see migration forms 0002): they are seen
    only outside any city (the retention purge)."""

    municipality = models.ForeignKey(Municipality, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("自治体"))

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("所有者"), null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads")
    session_key = models.CharField(_("セッション"), max_length=64, blank=True, db_index=True)
    file = models.FileField(_("ファイル"), upload_to=_upload_path, max_length=255)
    original_name = TranscribedCharField(_("元のファイル名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大きさ（バイト）"))
    content_type = models.CharField(_("種類"), max_length=100)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("アップロード日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("添付ファイル")
        verbose_name_plural = _("添付ファイル")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.original_name

    def save(self, *args, **kwargs):
        if self.municipality_id is None:
            self.municipality_id = _active_or_default_city_id()
        super().save(*args, **kwargs)

    def as_answer(self) -> dict:
        return {"upload_id": self.pk, "name": self.original_name, "size": self.size, "content_type": self.content_type}

    def is_owned_by(self, request) -> bool:
        user = getattr(request, "user", None)
        if self.owner_id and user is not None and user.is_authenticated and user.pk == self.owner_id:
            return True
        session = getattr(request, "session", None)
        key = getattr(session, "session_key", None)
        return bool(self.session_key and key and key == self.session_key)


@receiver(post_delete, sender=Upload)
def _delete_upload_file(sender, instance: Upload, **kwargs):
    if instance.file:
        instance.file.delete(save=False)
