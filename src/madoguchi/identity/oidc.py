"""The OpenID Connect relying party (RP) every identity provider plugin uses.

Authorization-code flow only (no implicit or password flow), on Authlib's OAuth2 client:
PKCE (S256), ``state`` and ``nonce`` checked, client authentication by ``private_key_jwt``
(a JWT client assertion signed with the city's RP key, RS256 or ES256), the ID token's
signature checked against the provider's JWKS (fetched from discovery and fetched again once
when a token names an unknown ``kid``: key rotation) and its claims (iss, aud, exp, iat, nonce).

Nothing here logs a claim value: the 基本4情報 never reach a log line (tests check).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from . import conf

ALGORITHMS = ["RS256", "ES256"]
# Clock skew allowed on exp/iat (seconds); the providers' clocks are NTP-synchronised.
LEEWAY = 60


class IdentityError(Exception):
    """A sign-in that must be refused. ``message`` is shown to the resident (Japanese); ``code``
    is a short reason for logs and tests (never a claim value)."""

    def __init__(self, code: str, message: str = "本人確認を完了できませんでした。もう一度お試しください。"):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ClientConfig:
    """One city's registration with one provider (city data: ``Municipality.provider_settings
    ["identity"][<provider>]`` over ``settings.MADOGUCHI_PROVIDERS["identity"][<provider>]``)."""

    issuer: str
    client_id: str
    private_key: dict = field(repr=False)  # the RP's private JWK; never logged or shown
    alg: str = "RS256"
    scopes: tuple[str, ...] = ("openid",)

    def signing_key(self):
        key_type = ECKey if self.private_key.get("kty") == "EC" else RSAKey
        return key_type.import_key(self.private_key)


@dataclass(frozen=True)
class VerifiedIdentity:
    """Who the provider vouched for. ``subject`` is the provider's ``sub`` for the city's client;
    the 基本4情報 (name, address, birthdate, gender) or the business's 法人番号 and name."""

    provider: str
    assurance: str
    subject: str
    name: str = ""
    address: str = ""
    birthdate: str = ""
    gender: str = ""
    corporate_number: str = ""
    corporate_name: str = ""
    verified_at: float = 0.0

    def as_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict | None) -> VerifiedIdentity | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None

    def __repr__(self) -> str:  # never print the 基本4情報 (a traceback or a debugger)
        return f"VerifiedIdentity(provider={self.provider!r}, assurance={self.assurance!r})"


# --- HTTP -------------------------------------------------------------------------------------
#: Tests mount a requests adapter here that calls into Django's test client (no sockets).
transport_adapter: requests.adapters.BaseAdapter | None = None


def _mount(session: requests.Session) -> requests.Session:
    if transport_adapter is not None:
        session.mount("http://", transport_adapter)
        session.mount("https://", transport_adapter)
    return session


def _get_json(url: str, **kwargs) -> dict:
    with _mount(requests.Session()) as session:
        try:
            response = session.get(url, timeout=conf.http_timeout(), **kwargs)
        except requests.RequestException as exc:
            raise IdentityError("unreachable", "本人確認サービスに接続できませんでした。時間をおいてお試しください。") from exc
    if response.status_code != 200:
        raise IdentityError(f"http_{response.status_code}", "本人確認サービスに接続できませんでした。時間をおいてお試しください。")
    try:
        return response.json()
    except ValueError as exc:
        raise IdentityError("bad_json") from exc


# --- discovery and keys (cached per process) ------------------------------------------------
_lock = threading.Lock()
_discovery: dict[str, tuple[float, dict]] = {}
_jwks: dict[str, KeySet] = {}
DISCOVERY_TTL = 3600


def discover(issuer: str) -> dict:
    """The provider's metadata (``/.well-known/openid-configuration``), cached an hour."""
    now = time.monotonic()
    with _lock:
        cached = _discovery.get(issuer)
    if cached and now - cached[0] < DISCOVERY_TTL:
        return cached[1]
    metadata = _get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
    if metadata.get("issuer") != issuer:
        raise IdentityError("issuer_mismatch")
    with _lock:
        _discovery[issuer] = (now, metadata)
    return metadata


def _keys(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    with _lock:
        cached = _jwks.get(jwks_uri)
    if cached is not None and not refresh:
        return cached
    keys = KeySet.import_key_set(_get_json(jwks_uri))
    with _lock:
        _jwks[jwks_uri] = keys
    return keys


def clear_caches() -> None:
    with _lock:
        _discovery.clear()
        _jwks.clear()


def _has_kid(keys: KeySet, kid) -> bool:
    return any(k.kid == kid for k in keys.keys)


def verify_id_token(id_token: str, *, config: ClientConfig, metadata: dict, nonce: str) -> dict:
    """The ID token's claims after checking its signature and iss, aud, exp, iat, nonce."""
    try:
        header = jws.extract_compact(id_token.encode()).headers()
    except (JoseError, ValueError) as exc:
        raise IdentityError("malformed_id_token") from exc
    if header.get("alg") not in ALGORITHMS:
        raise IdentityError("bad_alg")
    keys = _keys(metadata["jwks_uri"])
    if not _has_kid(keys, header.get("kid")):
        keys = _keys(metadata["jwks_uri"], refresh=True)  # the provider rotated its keys
        if not _has_kid(keys, header.get("kid")):
            raise IdentityError("unknown_kid")
    try:
        token = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except JoseError as exc:
        raise IdentityError("bad_signature") from exc
    claims = dict(token.claims)
    registry = JWTClaimsRegistry(
        leeway=LEEWAY,
        iss={"essential": True, "value": config.issuer},
        aud={"essential": True, "value": config.client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except JoseError as exc:
        # joserfc names the claim (e.g. "invalid_claim: Invalid claim: 'aud'"), never its value.
        raise IdentityError("bad_claims:" + str(getattr(exc, "claim", "") or exc.error)) from exc
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 and claims.get("azp") != config.client_id:
        raise IdentityError("bad_claims:azp")
    if claims["iat"] > time.time() + LEEWAY:
        raise IdentityError("bad_claims:iat")
    return claims


# --- the flow ---------------------------------------------------------------------------------
def _session(config: ClientConfig, *, redirect_uri: str, token_endpoint: str = "") -> OAuth2Session:
    session = OAuth2Session(
        config.client_id,
        client_secret=config.signing_key(),
        token_endpoint_auth_method="private_key_jwt",
        redirect_uri=redirect_uri,
        scope=" ".join(config.scopes),
        code_challenge_method="S256",
    )
    kid = config.private_key.get("kid")
    session.register_client_auth_method(PrivateKeyJWT(token_endpoint or None, alg=config.alg, headers={"kid": kid} if kid else None))
    return _mount(session)


def authorization_url(config: ClientConfig, *, redirect_uri: str, state: str, nonce: str, code_verifier: str, **extra) -> str:
    metadata = discover(config.issuer)
    with _session(config, redirect_uri=redirect_uri) as session:
        url, _state = session.create_authorization_url(metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=code_verifier, **extra)
    return url


def exchange_code_for_tokens(config: ClientConfig, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> tuple[dict, dict, OAuth2Session]:
    """Trade the code for tokens (private_key_jwt, PKCE) and verify the ID token; the caller
    closes the returned session."""
    metadata = discover(config.issuer)
    token_endpoint = metadata["token_endpoint"]
    session = _session(config, redirect_uri=redirect_uri, token_endpoint=token_endpoint)
    session.timeout = conf.http_timeout()
    try:
        token = session.fetch_token(token_endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier)
    except Exception as exc:  # Authlib raises OAuthError and requests' errors
        session.close()
        raise IdentityError("token_refused:" + str(getattr(exc, "error", "") or type(exc).__name__)) from exc
    id_token = token.get("id_token")
    if not id_token:
        session.close()
        raise IdentityError("no_id_token")
    try:
        claims = verify_id_token(id_token, config=config, metadata=metadata, nonce=nonce)
    except IdentityError:
        session.close()
        raise
    return claims, token, session


def exchange_code(config: ClientConfig, *, code: str, redirect_uri: str, code_verifier: str, nonce: str) -> dict:
    """Trade the code for tokens, verify the ID token, then add the userinfo claims (the
    基本4情報 may come from either; the subjects must agree)."""
    metadata = discover(config.issuer)
    claims, token, session = exchange_code_for_tokens(config, code=code, redirect_uri=redirect_uri, code_verifier=code_verifier, nonce=nonce)
    with session:
        if metadata.get("userinfo_endpoint") and token.get("access_token"):
            response = session.get(metadata["userinfo_endpoint"], timeout=conf.http_timeout())
            if response.status_code != 200:
                raise IdentityError(f"userinfo_{response.status_code}")
            userinfo = response.json()
            if userinfo.get("sub") != claims["sub"]:
                raise IdentityError("userinfo_subject_mismatch")
            claims = {**userinfo, **claims}
    return claims


def client_credentials_token(config: ClientConfig, *, scope: str) -> str:
    """An access token for the RP itself (the signing API's 署名トランザクション), by the
    client-credentials grant with the same private_key_jwt client authentication."""
    metadata = discover(config.issuer)
    token_endpoint = metadata["token_endpoint"]
    with _session(config, redirect_uri="", token_endpoint=token_endpoint) as session:
        session.scope = scope
        try:
            token = session.fetch_token(token_endpoint, grant_type="client_credentials", scope=scope, timeout=conf.http_timeout())
        except Exception as exc:  # noqa: BLE001 - Authlib's and requests' errors alike
            raise IdentityError("cc_token_refused:" + str(getattr(exc, "error", "") or type(exc).__name__)) from exc
    if not token.get("access_token"):
        raise IdentityError("cc_no_token")
    return token["access_token"]


def bearer_request(method: str, url: str, access_token: str, *, json_body: dict | None = None) -> tuple[int, dict]:
    """A JSON call to a provider API with a Bearer token: (status, body)."""
    with _mount(requests.Session()) as session:
        try:
            response = session.request(method, url, json=json_body, headers={"Authorization": f"Bearer {access_token}"}, timeout=conf.http_timeout())
        except requests.RequestException as exc:
            raise IdentityError("unreachable", "本人確認サービスに接続できませんでした。時間をおいてお試しください。") from exc
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, {}


def get_bytes(url: str) -> bytes:
    """A provider's published file (a CRL), through the same transport."""
    with _mount(requests.Session()) as session:
        try:
            response = session.get(url, timeout=conf.http_timeout())
        except requests.RequestException as exc:
            raise IdentityError("unreachable") from exc
    if response.status_code != 200:
        raise IdentityError(f"http_{response.status_code}")
    return response.content


def parse_private_key(value) -> dict:
    """The RP key from settings: a JWK as a dict or JSON text (a PEM is converted)."""
    if isinstance(value, dict):
        return value
    text = (value or "").strip()
    if not text:
        return {}
    if text.startswith("{"):
        return json.loads(text)
    for key_type in (RSAKey, ECKey):
        try:
            return key_type.import_key(text).as_dict(private=True)
        except Exception:  # noqa: BLE001 - try the other key type
            continue
    return {}
