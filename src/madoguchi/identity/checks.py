"""System checks of the identity app."""

from django.conf import settings
from django.core import checks

from . import conf


@checks.register("madoguchi")
def check_demo_provider(app_configs=None, **kwargs):
    """The demo OpenID provider hands out identities to anyone: refused in production."""
    if getattr(settings, "PRODUCTION", False) and conf.demo_provider_enabled():
        return [checks.Error("IDENTITY_DEMO_PROVIDER is on in production", hint="Unset IDENTITY_DEMO_PROVIDER.", id="madoguchi.identity.E003")]
    return []
