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


@checks.register("madoguchi")
def check_signature_trust(app_configs=None, **kwargs):
    """Electronic signatures need readable trust anchors; in production a missing CRL source is
    reported (signatures are then accepted with 「失効確認: 未実施」)."""
    from pathlib import Path

    from .verification import load_certificates

    problems = []
    anchors = conf.signature_trust_anchors()
    for name, items in (("IDENTITY_SIGNATURE_TRUST_ANCHORS", anchors), ("IDENTITY_SIGNATURE_INTERMEDIATES", conf.signature_intermediates())):
        try:
            load_certificates(item.encode() if "-----BEGIN" in item else Path(item).read_bytes() for item in items)
        except (OSError, ValueError) as exc:
            problems.append(
                checks.Error(
                    f"{name}: a certificate cannot be read ({type(exc).__name__})", hint="PEM text, or paths to PEM/DER files.", id="madoguchi.identity.E006"
                )
            )
    for source in conf.signature_crl_sources():
        if not source.startswith(("http://", "https://")) and not Path(source).exists():
            problems.append(checks.Warning(f"IDENTITY_SIGNATURE_CRL_URLS: no file at {source}", id="madoguchi.identity.W011"))
    if getattr(settings, "PRODUCTION", False):
        if not anchors:
            problems.append(
                checks.Warning(
                    "IDENTITY_SIGNATURE_TRUST_ANCHORS is empty: procedures that require an electronic signature cannot be applied for online",
                    hint="Set the J-LIS 署名用 CA certificates (identity/README.md).",
                    id="madoguchi.identity.W010",
                )
            )
        elif not conf.signature_crl_sources():
            problems.append(
                checks.Warning(
                    "IDENTITY_SIGNATURE_CRL_URLS is empty: signatures are accepted without a revocation check (失効確認: 未実施)",
                    id="madoguchi.identity.W012",
                )
            )
    return problems
