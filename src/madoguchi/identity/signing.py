"""電子署名 through the デジタル認証アプリ's signing flow (the ``sign`` scope), as the relying party.

1. ``prepare``: the caller (applications) hands over the document's bytes, frozen now; they are
   stored with their SHA-256 digest as a pending ``Signature``.
2. ``begin``: a client-credentials token (private_key_jwt, scope ``sign``) starts a signing
   request (署名トランザクション) with the digest; the resident is sent to the provider's
   authorization endpoint (``openid sign``, PKCE, state, nonce, ``sign_tx``) and approves in the
   app with the card's 署名用パスワード.
3. ``complete`` (the callback): the code is exchanged (ID token verified as for a sign-in), the
   signature and the 署名用電子証明書 are fetched with the resident's access token, and verified
   (``verification``: document, period, chain to the configured trust anchors, key usage, CRL).

Nothing here logs a certificate's subject or a claim: refusals log ``reason=<code>`` only.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import logging
import secrets
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import conf, oidc, services, verification
from .models import Signature
from .oidc import IdentityError

log = logging.getLogger(__name__)

PROVIDER = "digital_auth_app"
SESSION_KEY = "identity_signatures"  # signatures this browser prepared: {uuid: next_url}
MAX_OPEN = 5
SIGN_SCOPES = ("openid", "sign")


def digest(document: bytes) -> bytes:
    return hashlib.sha256(document).digest()


def _plugin(municipality=None):
    return services.provider(PROVIDER, municipality)


def available(municipality=None) -> bool:
    """The city can take signatures: the デジタル認証アプリ is registered and trust anchors are
    configured (or the city uses the demo OP, whose demo CA is the anchor)."""
    plugin = _plugin(municipality)
    if plugin is None:
        return False
    return bool(conf.signature_trust_anchors()) or plugin._uses_demo(municipality)


# --- 1. freeze -------------------------------------------------------------------------------
def prepare(request, submission, *, document: bytes, title: str, next_url: str) -> Signature:
    """Freeze the document's bytes for signing (a pending signature of this browser session);
    an earlier unfinished one for the same submission is dropped."""
    with transaction.atomic():
        Signature.objects.filter(submission=submission, status=Signature.Status.PENDING).delete()
        row = Signature.objects.create(submission=submission, provider=PROVIDER, title=title[:200], document=document, document_digest=digest(document))
    opened = dict(request.session.get(SESSION_KEY) or {})
    while len(opened) >= MAX_OPEN:
        opened.pop(next(iter(opened)))
    opened[str(row.uuid)] = next_url
    request.session[SESSION_KEY] = opened
    return row


def pending_for(request, uuid) -> tuple[Signature, str] | None:
    """A pending signature this browser prepared, with where to go back."""
    next_url = (request.session.get(SESSION_KEY) or {}).get(str(uuid))
    if next_url is None:
        return None
    row = Signature.objects.filter(uuid=uuid, status=Signature.Status.PENDING).select_related("submission").first()
    return (row, next_url) if row is not None else None


def valid_for(submission, document: bytes) -> Signature | None:
    """The valid signature over exactly this document (None when the answers changed since)."""
    wanted = digest(document)
    for row in Signature.objects.filter(submission=submission, status=Signature.Status.VALID):
        if bytes(row.document_digest) == wanted:
            return row
    return None


def latest(submission) -> Signature | None:
    """The signature staff see: the valid one, else the last finished attempt."""
    rows = Signature.objects.filter(submission=submission).exclude(status=Signature.Status.PENDING)
    return rows.filter(status=Signature.Status.VALID).first() or rows.first()


# --- 2. the signing request ----------------------------------------------------------------
def _config(request, plugin):
    return dataclasses.replace(plugin._config(request), scopes=SIGN_SCOPES)


def _endpoint(config) -> str:
    metadata = oidc.discover(config.issuer)
    return metadata.get("sign_transactions_endpoint") or config.issuer.rstrip("/") + "/api/sign-transactions"


def begin(request, row: Signature, next_url: str) -> str:
    """Start the signing request and return the provider's authorization URL."""
    plugin = _plugin()
    if plugin is None:
        raise IdentityError("not_configured", "この自治体では、電子署名はまだ利用できません。")
    config = _config(request, plugin)
    token = oidc.client_credentials_token(config, scope="sign")
    status, body = oidc.bearer_request(
        "POST", _endpoint(config), token, json_body={"sign_docs": [{"title": row.title, "hash": base64.b64encode(bytes(row.document_digest)).decode()}]}
    )
    if status not in (200, 201) or not body.get("id"):
        raise IdentityError(f"sign_tx_{status}", "署名の準備ができませんでした。時間をおいてお試しください。")
    state, nonce, verifier = secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48)
    redirect_uri = plugin.redirect_uri(request)
    url = oidc.authorization_url(config, redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier, sign_tx=body["id"])
    services.remember_flow(
        request,
        state,
        {"provider": plugin.key, "nonce": nonce, "verifier": verifier, "next": next_url, "redirect_uri": redirect_uri, "sign": str(row.uuid), "tx": body["id"]},
    )
    return url


# --- 3. the result ---------------------------------------------------------------------------
def complete(request, plugin, flow: dict, params) -> Signature:
    """Fetch and verify the signature of a finished signing flow; a refused one is stored as
    無効 with its reason and raised as ``IdentityError`` (the resident sees the message)."""
    row = Signature.objects.filter(uuid=flow["sign"], status=Signature.Status.PENDING).select_related("submission").first()
    if row is None:
        raise IdentityError("sign_unknown", "署名の途中で画面が切り替わったため、完了できませんでした。もう一度お試しください。")
    if params.get("error"):
        message = "電子署名が取り消されました。" if params.get("error") == "access_denied" else "電子署名を完了できませんでした。もう一度お試しください。"
        raise IdentityError("provider_error", message)
    if not params.get("code"):
        raise IdentityError("no_code")
    config = _config(request, plugin)
    claims, token, session = oidc.exchange_code_for_tokens(
        config, code=params["code"], redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"], nonce=flow["nonce"]
    )
    session.close()
    status, body = oidc.bearer_request("GET", f"{_endpoint(config)}/{flow['tx']}", token.get("access_token", ""))
    if status != 200:
        raise IdentityError(f"sign_result_{status}", "署名の結果を受け取れませんでした。もう一度お試しください。")
    document = bytes(row.document)
    try:
        entry = next(s for s in body.get("signatures") or [] if base64.b64decode(s.get("hash", "")) == bytes(row.document_digest))
        signature = base64.b64decode(entry["signature"])
        certificate = base64.b64decode(body["certificate"])
    except (StopIteration, KeyError, TypeError, ValueError) as exc:
        raise IdentityError("sign_result_malformed", "署名の結果を読み取れませんでした（署名された文書が申請書と一致しません）。") from exc
    row.signature, row.certificate, row.signed_at = signature, certificate, timezone.now()
    try:
        result = verification.verify(document, signature, certificate, trust=trust(request), crls=lambda: crls(request))
        submission = row.submission
        if submission.identity_provider == plugin.key and submission.identity_subject and submission.identity_subject != claims.get("sub"):
            raise verification.SignatureRefused("other_card", "署名に使ったマイナンバーカードが、この申請の本人確認に使ったカードと異なります。")
    except verification.SignatureRefused as exc:
        row.status, row.failure = Signature.Status.INVALID, exc.message
        row.save()
        log.warning("identity signature refused: reason=%s", exc.code)  # never the subject
        raise IdentityError(exc.code, exc.message) from exc
    row.status, row.failure = Signature.Status.VALID, ""
    row.signer_name, row.revocation, row.certificate_not_after = result.signer_name[:200], result.revocation, result.not_after
    row.save()
    return row


def recheck(row: Signature) -> str:
    """Staff's check of what is stored: the document's digest and the signature over it with the
    stored certificate's key ('' when intact, else a Japanese message)."""
    document = bytes(row.document)
    if digest(document) != bytes(row.document_digest):
        return "保存された申請書が署名の後に変更されています（ハッシュ値が一致しません）。"
    try:
        verification.check_signature(verification.load_certificate(bytes(row.certificate)), document, bytes(row.signature))
    except verification.SignatureRefused as exc:
        return exc.message
    return ""


# --- trust configuration -----------------------------------------------------------------------
def _read(item: str) -> bytes:
    if "-----BEGIN" in item:
        return item.encode()
    return Path(item).read_bytes()


def _uses_demo(request) -> bool:
    plugin = _plugin()
    return plugin is not None and plugin._uses_demo() and not conf.signature_trust_anchors()


def trust(request) -> verification.Trust:
    """The configured 信頼する認証局 (the demo CA when the city signs with the demo OP)."""
    anchors = verification.load_certificates(_read(item) for item in conf.signature_trust_anchors())
    intermediates = verification.load_certificates(_read(item) for item in conf.signature_intermediates())
    if _uses_demo(request):
        from .demo_provider import ca

        anchors = (*anchors, ca.authority()[0])
    return verification.Trust(anchors=anchors, intermediates=intermediates)


def crl_sources(request) -> list[str]:
    sources = conf.signature_crl_sources()
    if _uses_demo(request) and not sources:
        sources = [request.build_absolute_uri(reverse("identity:demo_op:crl"))]
    return sources


def crls(request) -> list[bytes] | None:
    """The CRLs' bytes (None: no source configured → 失効確認: 未実施). Downloaded lists are kept
    in the shared cache for ``IDENTITY_SIGNATURE_CRL_CACHE_SECONDS``; a source that cannot be read
    is left out, so the check then refuses (never passes) for want of a current CRL."""
    sources = crl_sources(request)
    if not sources:
        return None
    out = []
    demo = _uses_demo(request)
    for source in sources:
        try:
            if source.startswith(("http://", "https://")):
                key = "identity:crl:" + hashlib.sha256(source.encode()).hexdigest()
                data = None if demo else cache.get(key)
                if data is None:
                    data = oidc.get_bytes(source)
                    if not demo:
                        cache.set(key, data, conf.signature_crl_cache_seconds())
            else:
                data = Path(source).read_bytes()
        except (IdentityError, OSError):
            log.warning("identity signature: CRL source unreadable")
            continue
        out.append(data)
    return out
