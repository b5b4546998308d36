"""The OpenID Connect identity providers (plugins of ``core.registry.identity_providers``).

Each city registers its own client with each provider: city data in
``Municipality.provider_settings["identity"][<key>]`` (``issuer``, ``client_id``,
``private_key`` as a JWK or PEM, ``alg``), merged over the deployment's single-city defaults in
``settings.MADOGUCHI_PROVIDERS["identity"][<key>]`` (``core.tenancy.provider_settings``).
A city registered as ``{"demo": true}`` speaks to the local demo OP (``identity/demo_provider``)
with the demo RP key, while the demo provider is enabled (development and test, never production).
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.urls import reverse

from madoguchi.core import tenancy
from madoguchi.core.codes import is_valid_corporate_number
from madoguchi.core.registry import IdentityProvider

from . import conf, oidc
from .oidc import ClientConfig, IdentityError, VerifiedIdentity


class OidcProvider(IdentityProvider):
    scopes: tuple[str, ...] = ("openid",)
    demo_kind = "card"  # which demo OP client stands in for this provider

    # --- configuration ----------------------------------------------------------------------
    def settings_for(self, municipality=None) -> dict:
        return tenancy.provider_settings("identity", self.key, municipality)

    def _registered(self, municipality=None) -> ClientConfig | None:
        s = self.settings_for(municipality)
        key = oidc.parse_private_key(s.get("private_key"))
        if not (s.get("issuer") and s.get("client_id") and key):
            return None
        return ClientConfig(issuer=s["issuer"], client_id=s["client_id"], private_key=key, alg=s.get("alg") or _alg_for(key), scopes=self.scopes)

    def client_config(self, request, municipality=None) -> ClientConfig | None:
        registered = self._registered(municipality)
        if registered is not None:
            return registered
        if not self._uses_demo(municipality) or request is None:
            return None
        from .demo_provider import op
        from .demo_provider.views import issuer

        kind = self.demo_kind
        key = op.DEMO_RP_KEYS[kind]
        client_id = op.DEMO_CLIENT_IDS[kind]
        # The demo registration: the OP learns the RP's public key and its callback URL.
        op.register_client(client_id, key.as_dict(private=False), kind, redirect_uri=self.redirect_uri(request))
        return ClientConfig(issuer=issuer(request), client_id=client_id, private_key=key.as_dict(private=True), alg=_alg_for(key.as_dict()), scopes=self.scopes)

    def _uses_demo(self, municipality=None) -> bool:
        """The city registered with the demo OP (``{"demo": true}``), which is enabled."""
        return bool(self.settings_for(municipality).get("demo")) and conf.demo_provider_enabled()

    def configured(self, municipality=None) -> bool:
        return self._registered(municipality) is not None or self._uses_demo(municipality)

    def redirect_uri(self, request) -> str:
        return request.build_absolute_uri(reverse("identity:callback", args=[self.key]))

    # --- the flow ---------------------------------------------------------------------------
    def _config(self, request) -> ClientConfig:
        config = self.client_config(request)
        if config is None:
            raise IdentityError("not_configured", "この自治体では、この方法による本人確認はまだ利用できません。")
        return config

    def authorization_url(self, request, *, redirect_uri, state, nonce, code_verifier) -> str:
        return oidc.authorization_url(self._config(request), redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=code_verifier)

    def exchange_code(self, request, *, code, redirect_uri, code_verifier, nonce) -> dict:
        return oidc.exchange_code(self._config(request), code=code, redirect_uri=redirect_uri, code_verifier=code_verifier, nonce=nonce)

    # --- checks -----------------------------------------------------------------------------
    def check(self) -> list[checks.CheckMessage]:
        problems = super().check()
        if not getattr(settings, "PRODUCTION", False):
            return problems
        base = ((getattr(settings, "MADOGUCHI_PROVIDERS", {}) or {}).get("identity") or {}).get(self.key)
        if base is None:
            return problems  # not offered by this deployment; each city may still register its own client
        if base.get("demo"):
            return [
                *problems,
                checks.Error(f"identity provider {self.key!r} points at the demo provider in production", obj=type(self), id="madoguchi.identity.E005"),
            ]
        missing = [name for name in ("issuer", "client_id", "private_key") if not base.get(name)]
        if missing:
            problems.append(
                checks.Error(
                    f"identity provider {self.key!r}: MADOGUCHI_PROVIDERS['identity'][{self.key!r}] lacks {', '.join(missing)}",
                    hint="Register the city's client with the provider (identity/README.md) or remove the entry.",
                    obj=type(self),
                    id="madoguchi.identity.E001",
                )
            )
        elif not oidc.parse_private_key(base.get("private_key")):
            problems.append(
                checks.Error(f"identity provider {self.key!r}: private_key is neither a JWK nor a PEM key", obj=type(self), id="madoguchi.identity.E002")
            )
        elif not str(base.get("issuer", "")).startswith("https://"):
            problems.append(
                checks.Error(f"identity provider {self.key!r}: the issuer must be an https URL in production", obj=type(self), id="madoguchi.identity.E004")
            )
        return problems


def _alg_for(jwk: dict) -> str:
    return "ES256" if jwk.get("kty") == "EC" else "RS256"


def _text(value) -> str:
    if isinstance(value, dict):  # OIDC's address claim is an object; "formatted" is the whole address
        value = value.get("formatted") or " ".join(str(v) for k, v in value.items() if k != "country")
    return str(value or "").strip()


class DigitalAuthApp(OidcProvider):
    """デジタル認証アプリ (Digital Agency): マイナンバーカード sign-in and the 基本4情報."""

    label = "マイナンバーカード（デジタル認証アプリ）"
    assurance = "my_number_card"
    scopes = ("openid", "name", "address", "birthdate", "gender")
    demo_kind = "card"

    def identity(self, claims: dict) -> VerifiedIdentity:
        return VerifiedIdentity(
            provider=self.key,
            assurance=self.assurance,
            subject=str(claims["sub"]),
            name=_text(claims.get("name")),
            address=_text(claims.get("address")),
            birthdate=_text(claims.get("birthdate")),
            gender=_text(claims.get("gender")),
        )


class GBizID(OidcProvider):
    """gBizID (デジタル庁の法人共通認証基盤): a business's sign-in with its 法人番号."""

    label = "gBizID（法人・個人事業主）"
    assurance = "gbizid"
    scopes = ("openid", "profile")
    demo_kind = "business"

    def identity(self, claims: dict) -> VerifiedIdentity:
        s = self.settings_for()
        number = _text(claims.get(s.get("corporate_number_claim") or "corporate_number"))
        if not is_valid_corporate_number(number):
            raise IdentityError("bad_corporate_number", "法人番号を確認できませんでした（桁数またはチェックディジットが正しくありません）。")
        return VerifiedIdentity(
            provider=self.key,
            assurance=self.assurance,
            subject=str(claims["sub"]),
            name=_text(claims.get("name")),
            corporate_number=number,
            corporate_name=_text(claims.get(s.get("corporate_name_claim") or "corporate_name")),
        )
