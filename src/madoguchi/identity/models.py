"""A resident account's linked identities (連携した本人確認)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, TenantManager
from madoguchi.core.validation import TranscribedCharField


class IdentityLink(CityOwned):
    """One provider identity (the provider's ``sub`` for this city's client) linked to one
    account. The subject is pairwise per client, so the municipality is part of every key: one
    card identity can never be linked to two accounts of the same city."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_links", verbose_name=_("利用者"))
    provider = models.CharField(_("本人確認の方法"), max_length=40)
    subject = models.CharField(_("識別子（sub）"), max_length=255)
    created_at = models.DateTimeField(_("連携日時"), auto_now_add=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("連携した本人確認")
        verbose_name_plural = _("連携した本人確認")
        ordering = ["provider", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "provider", "subject"], name="identity_link_unique_subject"),
            models.UniqueConstraint(fields=["municipality", "provider", "user"], name="identity_link_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.subject[:8]}…"

    @property
    def provider_label(self) -> str:
        from madoguchi.core.registry import identity_providers

        plugin = identity_providers.get(self.provider)
        return getattr(plugin, "label", self.provider)


class Signature(CityOwned):
    """電子署名: the resident's signature with the マイナンバーカード's 署名用電子証明書 over the
    application document as it was frozen at signing time. The document's bytes are stored and
    never changed (a later status or 「支払済」 is shown beside it, never written into it); the
    signature and the certificate are stored with it, and the verification's outcome."""

    tenant_parent = "submission"

    class Status(models.TextChoices):
        PENDING = "pending", _("署名待ち")
        VALID = "valid", _("有効")
        INVALID = "invalid", _("無効")

    class Revocation(models.TextChoices):
        NOT_CHECKED = "not_checked", _("未実施")
        GOOD = "good", _("失効していない")

    uuid = models.UUIDField(default=uuid.uuid4, editable=False)
    submission = models.ForeignKey("applications.Submission", on_delete=models.CASCADE, related_name="signatures", verbose_name=_("申請"))
    provider = models.SlugField(_("署名サービス"), max_length=40)
    title = TranscribedCharField(_("文書名"), max_length=200)
    document = models.BinaryField(_("署名した文書"), editable=False)
    document_type = models.CharField(_("文書の形式"), max_length=40, choices=[("application/json", "JSON")], default="application/json")
    document_digest = models.BinaryField(_("文書のハッシュ値（SHA-256）"), max_length=32, editable=False)
    signature = models.BinaryField(_("署名値"), blank=True, default=b"", editable=False)
    certificate = models.BinaryField(_("署名用電子証明書"), blank=True, default=b"", editable=False)
    signer_name = TranscribedCharField(_("署名者"), max_length=200, blank=True)
    status = models.CharField(_("署名検証"), max_length=10, choices=Status.choices, default=Status.PENDING)
    revocation = models.CharField(_("失効確認"), max_length=12, choices=Revocation.choices, default=Revocation.NOT_CHECKED)
    failure = TranscribedCharField(_("検証できなかった理由"), max_length=300, blank=True)
    certificate_not_after = models.DateTimeField(_("証明書の有効期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("文書を確定した日時"), auto_now_add=True)
    signed_at = models.DateTimeField(_("署名日時"), null=True, blank=True)

    objects = TenantManager()

    class Meta:
        verbose_name = _("電子署名")
        verbose_name_plural = _("電子署名")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["municipality", "uuid"], name="identity_signature_unique_uuid")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} {self.get_status_display()}"

    @property
    def audit_section(self):
        return self.submission.section

    @property
    def digest_hex(self) -> str:
        return bytes(self.document_digest).hex()

    def save(self, *args, **kwargs):
        # The frozen document never changes once stored: a new document is a new signature.
        if self.pk is not None and not kwargs.get("force_insert"):
            stored = type(self).objects.filter(pk=self.pk).values_list("document", flat=True).first()
            if stored is not None and bytes(stored) != bytes(self.document):
                raise ValueError("a signed document is immutable")
        super().save(*args, **kwargs)
