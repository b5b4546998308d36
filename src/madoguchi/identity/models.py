"""A resident account's linked identities (連携した本人確認)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import CityOwned, TenantManager


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
