"""The demo OpenID provider's state (デモ用の本人確認サービス): its signing keys, registered
clients, issued codes and access tokens — kept in this process's memory, because the demo OP
is a demo-only part of the same Django process (``make demo`` starts no other server) and the
test suite drives it in-process. Never enabled in production (``identity.conf``).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from cryptography.hazmat.primitives import serialization
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from . import ca

CODE_TTL = 60
TOKEN_TTL = 300
ID_TOKEN_TTL = 300

_lock = threading.Lock()


@dataclass(frozen=True)
class DemoPerson:
    """A fictional resident (or business) the demo resident may pick. All data is made up."""

    key: str
    name: str
    address: str
    birthdate: str
    gender: str
    corporate_number: str = ""
    corporate_name: str = ""


PEOPLE = [
    DemoPerson("aoba-taro", "青葉 太郎", "東京都青葉台市本町一丁目2番3号", "1985-04-12", "male"),
    DemoPerson("aoba-hanako", "青葉 花子", "東京都青葉台市緑町四丁目5番6号", "1952-11-03", "female"),
]
BUSINESSES = [
    # 法人番号 with a valid check digit (core.codes): 7 + 000012050002 is 国税庁's own example.
    DemoPerson("aoba-shoji", "緑川 一郎", "東京都青葉台市本町二丁目1番1号", "", "", corporate_number="7000012050002", corporate_name="株式会社あおば商事"),
]


# The signing page also offers a fictional resident whose card was reported lost: its demo
# certificate is on the demo CA's CRL (the platform then refuses the signature as 失効).
SIGNERS = [*PEOPLE, DemoPerson("aoba-jiro", "青葉 次郎", "東京都青葉台市本町一丁目2番3号", "1990-01-20", "male")]


@dataclass
class Client:
    client_id: str
    public_jwk: dict
    kind: str  # "card" (デジタル認証アプリ) or "business" (gBizID)
    redirect_uris: set = field(default_factory=set)


@dataclass
class _State:
    keys: list = field(default_factory=list)  # signing keys, newest last (JWKS publishes all)
    clients: dict = field(default_factory=dict)
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    assertions: set = field(default_factory=set)  # jti of client assertions already used
    sign_transactions: dict = field(default_factory=dict)  # 署名トランザクション by id


STATE = _State()

# The demo RP keys: the platform's own client keys for the demo OP, made once per process (the
# RP and OP are one process). RS256 for the card client, ES256 for the business one.
DEMO_RP_KEYS = {
    "card": RSAKey.generate_key(2048, parameters={"kid": "madoguchi-demo-rp-rsa"}, private=True),
    "business": ECKey.generate_key("P-256", parameters={"kid": "madoguchi-demo-rp-ec"}, private=True),
}
DEMO_CLIENT_IDS = {"card": "madoguchi-demo-card", "business": "madoguchi-demo-business"}


def rotate_keys(*, keep_old: bool = True) -> str:
    """Make a new signing key current (a test hook for key rotation); returns its kid."""
    kid = "demo-op-" + secrets.token_hex(4)
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)
    with _lock:
        STATE.keys = ([*STATE.keys] if keep_old else []) + [key]
    return kid


def signing_key() -> RSAKey:
    with _lock:
        if not STATE.keys:
            STATE.keys.append(RSAKey.generate_key(2048, parameters={"kid": "demo-op-1", "use": "sig", "alg": "RS256"}, private=True))
        return STATE.keys[-1]


def jwks() -> dict:
    signing_key()
    with _lock:
        return KeySet(list(STATE.keys)).as_dict(private=False)


def register_client(client_id: str, public_jwk: dict, kind: str, redirect_uri: str = "") -> Client:
    with _lock:
        client = STATE.clients.get(client_id)
        if client is None or client.public_jwk != public_jwk:
            client = STATE.clients[client_id] = Client(client_id, public_jwk, kind)
        if redirect_uri:
            client.redirect_uris.add(redirect_uri)
        return client


def client(client_id: str) -> Client | None:
    with _lock:
        return STATE.clients.get(client_id)


def person(key: str, kind: str) -> DemoPerson | None:
    return next((p for p in (BUSINESSES if kind == "business" else PEOPLE) if p.key == key), None)


def subject(person_key: str, client_id: str) -> str:
    """A pairwise subject: the same person has a different ``sub`` for each client (city)."""
    return hashlib.sha256(f"{person_key}|{client_id}".encode()).hexdigest()[:32]


def issue_code(**grant) -> str:
    code = secrets.token_urlsafe(24)
    with _lock:
        STATE.codes[code] = {**grant, "expires": time.time() + CODE_TTL, "used": False}
    return code


def redeem_code(code: str) -> dict | None:
    """The grant of a code, once: a second use returns the grant marked ``replayed``."""
    with _lock:
        grant = STATE.codes.get(code)
        if grant is None:
            return None
        if grant["used"]:
            return {**grant, "replayed": True}
        grant["used"] = True
        return dict(grant)


def use_assertion(jti: str) -> bool:
    """False when this client assertion was already used (a replayed assertion)."""
    with _lock:
        if jti in STATE.assertions:
            return False
        STATE.assertions.add(jti)
        return True


def issue_access_token(**grant) -> str:
    token = secrets.token_urlsafe(24)
    with _lock:
        STATE.tokens[token] = {**grant, "expires": time.time() + TOKEN_TTL}
    return token


def access_grant(token: str) -> dict | None:
    with _lock:
        grant = STATE.tokens.get(token)
    if grant is None or grant["expires"] < time.time():
        return None
    return grant


def id_token_claims(*, issuer: str, client_id: str, person_key: str, nonce: str, kind: str) -> dict:
    """The ID token's claims (tests replace this to issue a wrong aud, an old exp …)."""
    now = int(time.time())
    claims = {"iss": issuer, "sub": subject(person_key, client_id), "aud": client_id, "exp": now + ID_TOKEN_TTL, "iat": now, "auth_time": now, "nonce": nonce}
    return claims


def sign_id_token(claims: dict) -> str:
    """Sign with the current key (tests replace this to tamper with the signature)."""
    key = signing_key()
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, claims, key)


def userinfo(person_key: str, client_id: str, kind: str, scope: str) -> dict:
    p = person(person_key, kind)
    if p is None:
        return {}
    scopes = set(scope.split())
    info: dict = {"sub": subject(person_key, client_id)}
    if kind == "business":
        info.update(corporate_number=p.corporate_number, corporate_name=p.corporate_name, name=p.name)
        return info
    if "name" in scopes:
        info["name"] = p.name
    if "address" in scopes:
        info["address"] = {"formatted": p.address}
    if "birthdate" in scopes:
        info["birthdate"] = p.birthdate
    if "gender" in scopes:
        info["gender"] = p.gender
    return info


def start_sign_transaction(client_id: str, docs: list[dict]) -> str:
    """A signing request (署名トランザクション): the documents' titles and SHA-256 hashes."""
    tx = secrets.token_urlsafe(16)
    with _lock:
        STATE.sign_transactions[tx] = {"client_id": client_id, "docs": docs, "expires": time.time() + TOKEN_TTL, "result": None}
    return tx


def sign_transaction(tx: str) -> dict | None:
    with _lock:
        found = STATE.sign_transactions.get(tx)
    if found is None or found["expires"] < time.time():
        return None
    return found


def complete_sign_transaction(tx: str, person_key: str) -> bool:
    """The resident approved in the app: the demo card signs each hash."""
    found = sign_transaction(tx)
    signer = next((p for p in SIGNERS if p.key == person_key), None)
    if found is None or signer is None or found["result"] is not None:
        return False
    cert, key = ca.card(signer.key, signer.name)
    signatures = [{**doc, "signature": base64.b64encode(ca.sign_digest(key, base64.b64decode(doc["hash"]))).decode()} for doc in found["docs"]]
    with _lock:
        found["result"] = {
            "person": signer.key,
            "signatures": signatures,
            "certificate": base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode(),
        }
    return True


def reset() -> None:
    """Forget codes, tokens, assertions and keys (tests)."""
    with _lock:
        STATE.sign_transactions.clear()
        STATE.codes.clear()
        STATE.tokens.clear()
        STATE.assertions.clear()
        STATE.keys = []
