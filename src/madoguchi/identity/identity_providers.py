"""The identity app's contributions to ``core.registry.identity_providers``."""

from madoguchi.core.registry import identity_providers

from .providers import DigitalAuthApp, GBizID

identity_providers.register("digital_auth_app", DigitalAuthApp)
identity_providers.register("gbizid", GBizID)
