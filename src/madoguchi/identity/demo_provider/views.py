"""The demo OpenID provider's endpoints: discovery, authorize (pick a fictional person and
consent), token (private_key_jwt, PKCE, single-use codes, exact redirect URI), userinfo, JWKS.
Every endpoint answers 404 unless the demo provider is enabled (never in production)."""

from __future__ import annotations

import base64
import hashlib
import json
import time

from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey
from joserfc.jwt import JWTClaimsRegistry

from .. import conf
from . import op

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCOPES = {"openid", "name", "address", "birthdate", "gender", "profile", "sign"}
MAX_SIGN_DOCS = 10


def _enabled():
    if not conf.demo_provider_enabled():
        raise Http404


def issuer(request) -> str:
    return request.build_absolute_uri(reverse("identity:demo_op:discovery")).removesuffix("/.well-known/openid-configuration")


def _url(request, name: str) -> str:
    return request.build_absolute_uri(reverse(f"identity:demo_op:{name}"))


def discovery(request):
    _enabled()
    return JsonResponse(
        {
            "issuer": issuer(request),
            "authorization_endpoint": _url(request, "authorize"),
            "token_endpoint": _url(request, "token"),
            "userinfo_endpoint": _url(request, "userinfo"),
            "jwks_uri": _url(request, "jwks"),
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            # The signing API (署名トランザクション), as the デジタル認証アプリ offers it.
            "sign_transactions_endpoint": _url(request, "sign_transactions"),
            "crl_uri": _url(request, "crl"),
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
            "scopes_supported": sorted(SCOPES),
        }
    )


def jwks(request):
    _enabled()
    return JsonResponse(op.jwks())


@never_cache
def authorize(request):
    """The resident picks a fictional person and consents. A request naming an unknown client or
    a redirect URI not registered is refused here, never redirected (an open redirect)."""
    _enabled()
    params = request.POST if request.method == "POST" else request.GET
    client = op.client(params.get("client_id", ""))
    redirect_uri = params.get("redirect_uri", "")
    if client is None or redirect_uri not in client.redirect_uris:
        return render(request, "identity/demo_op/error.html", {"message": "登録されていない利用者（クライアント）か、戻り先のURLが違います。"}, status=400)
    error = ""
    scope = params.get("scope", "")
    if params.get("response_type") != "code":
        error = "unsupported_response_type"
    elif "openid" not in scope.split():
        error = "invalid_scope"
    elif params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        error = "invalid_request"  # PKCE S256 is required
    elif not params.get("nonce") or not params.get("state"):
        error = "invalid_request"
    if error:
        return redirect(redirect_uri + "?" + urlencode({"error": error, "state": params.get("state", "")}))
    signing = "sign" in scope.split()
    tx = op.sign_transaction(params.get("sign_tx", "")) if signing else None
    if signing and (client.kind != "card" or tx is None or tx["client_id"] != client.client_id or tx["result"] is not None):
        return redirect(redirect_uri + "?" + urlencode({"error": "invalid_request", "state": params["state"]}))
    people = op.BUSINESSES if client.kind == "business" else (op.SIGNERS if signing else op.PEOPLE)
    if request.method == "POST":
        if request.POST.get("decision") != "allow":
            return redirect(redirect_uri + "?" + urlencode({"error": "access_denied", "state": params["state"]}))
        chosen = next((p for p in people if p.key == request.POST.get("person", "")), None)
        if chosen is not None and signing:
            op.complete_sign_transaction(params["sign_tx"], chosen.key)  # the card signs in the app
        if chosen is not None:
            code = op.issue_code(
                sign_tx=params.get("sign_tx", "") if signing else "",
                client_id=client.client_id,
                redirect_uri=redirect_uri,
                code_challenge=params["code_challenge"],
                nonce=params["nonce"],
                scope=scope,
                person=chosen.key,
                kind=client.kind,
                issuer=issuer(request),
            )
            return redirect(redirect_uri + "?" + urlencode({"code": code, "state": params["state"]}))
        error = "本人を選んでください。"
    hidden = {
        k: params.get(k, "")
        for k in ("client_id", "redirect_uri", "response_type", "scope", "state", "nonce", "code_challenge", "code_challenge_method", "sign_tx")
    }
    return render(
        request,
        "identity/demo_op/authorize.html",
        {
            "people": people,
            "hidden": hidden,
            "business": client.kind == "business",
            "scopes": scope.split(),
            "error": error,
            "sign_docs": [{"title": d["title"], "hash": base64.b64decode(d["hash"]).hex()} for d in tx["docs"]] if tx else [],
        },
        status=400 if error else 200,
    )


def _token_error(error: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error}, status=status)
    response["Cache-Control"] = "no-store"
    return response


def _verify_assertion(request, client) -> bool:
    """private_key_jwt: signed by the client's registered key; iss = sub = client_id; aud the
    token endpoint; not expired; each assertion used once."""
    if request.POST.get("client_assertion_type") != ASSERTION_TYPE:
        return False
    key_type = ECKey if client.public_jwk.get("kty") == "EC" else RSAKey
    try:
        token = jwt.decode(request.POST.get("client_assertion", ""), key_type.import_key(client.public_jwk), algorithms=["RS256", "ES256"])
        JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": client.client_id},
            sub={"essential": True, "value": client.client_id},
            aud={"essential": True, "values": [_url(request, "token"), issuer(request)]},
            exp={"essential": True},
            jti={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError):
        return False
    return op.use_assertion(token.claims["jti"])


def _assertion_subject(assertion: str) -> str:
    """The client an assertion claims to be (RFC 7523: client_id may be left out of the body);
    the signature is checked afterwards with that client's registered key."""
    try:
        return str(jws.extract_compact(assertion.encode()).payload and json.loads(jws.extract_compact(assertion.encode()).payload).get("sub", ""))
    except (JoseError, ValueError, AttributeError):
        return ""


@csrf_exempt  # server-to-server; the client authenticates with its signed assertion
def token(request):
    _enabled()
    if request.method != "POST":
        return _token_error("invalid_request", 405)
    client = op.client(request.POST.get("client_id") or _assertion_subject(request.POST.get("client_assertion", "")))
    if client is None:
        return _token_error("invalid_client", 401)
    if not _verify_assertion(request, client):
        return _token_error("invalid_client", 401)
    if request.POST.get("grant_type") == "client_credentials":
        # The signing API's token: the RP itself, no resident (scope "sign" only, card clients).
        if client.kind != "card" or request.POST.get("scope", "").split() != ["sign"]:
            return _token_error("invalid_scope")
        access_token = op.issue_access_token(client_id=client.client_id, person="", kind="client", scope="sign", sign_tx="")
        response = JsonResponse({"access_token": access_token, "token_type": "Bearer", "expires_in": op.TOKEN_TTL, "scope": "sign"})
        response["Cache-Control"] = "no-store"
        return response
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    grant = op.redeem_code(request.POST.get("code", ""))
    if grant is None or grant.get("replayed") or grant["expires"] < time.time() or grant["client_id"] != client.client_id:
        return _token_error("invalid_grant")
    if request.POST.get("redirect_uri") != grant["redirect_uri"]:
        return _token_error("invalid_grant")
    verifier = request.POST.get("code_verifier", "")
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    if not verifier or challenge != grant["code_challenge"]:
        return _token_error("invalid_grant")
    claims = op.id_token_claims(issuer=grant["issuer"], client_id=client.client_id, person_key=grant["person"], nonce=grant["nonce"], kind=grant["kind"])
    access_token = op.issue_access_token(
        client_id=client.client_id, person=grant["person"], kind=grant["kind"], scope=grant["scope"], sign_tx=grant.get("sign_tx", "")
    )
    response = JsonResponse(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": op.TOKEN_TTL, "id_token": op.sign_id_token(claims), "scope": grant["scope"]}
    )
    response["Cache-Control"] = "no-store"
    return response


def userinfo(request):
    _enabled()
    auth = request.headers.get("Authorization", "")
    grant = op.access_grant(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None
    if grant is None:
        response = _token_error("invalid_token", 401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    response = JsonResponse(op.userinfo(grant["person"], grant["client_id"], grant["kind"], grant["scope"]))
    response["Cache-Control"] = "no-store"
    return response


def _bearer(request) -> dict | None:
    auth = request.headers.get("Authorization", "")
    return op.access_grant(auth.removeprefix("Bearer ").strip()) if auth.startswith("Bearer ") else None


@csrf_exempt  # server-to-server; the RP authenticates with its client-credentials token
def sign_transactions(request):
    """Start a signing request: ``{"sign_docs": [{"title": …, "hash": base64(SHA-256)}]}`` with
    the client-credentials token; answers the transaction id the authorize request names."""
    _enabled()
    if request.method != "POST":
        return _token_error("invalid_request", 405)
    grant = _bearer(request)
    if grant is None or grant["kind"] != "client" or grant["scope"] != "sign":
        return _token_error("invalid_token", 401)
    try:
        docs = json.loads(request.body or b"{}").get("sign_docs") or []
        docs = [{"title": str(d["title"])[:200], "hash": str(d["hash"])} for d in docs]
        if not (1 <= len(docs) <= MAX_SIGN_DOCS) or any(len(base64.b64decode(d["hash"], validate=True)) != 32 for d in docs):
            raise ValueError
    except (ValueError, TypeError, KeyError, AttributeError):
        return _token_error("invalid_request")
    return JsonResponse({"id": op.start_sign_transaction(grant["client_id"], docs)}, status=201)


def sign_transaction_result(request, tx):
    """The signature and the 署名用電子証明書, for the resident's access token of this transaction."""
    _enabled()
    grant = _bearer(request)
    found = op.sign_transaction(tx)
    if grant is None or found is None or grant.get("sign_tx") != tx or grant["client_id"] != found["client_id"]:
        return _token_error("invalid_token", 401)
    if found["result"] is None:
        return _token_error("not_signed", 409)
    response = JsonResponse({"id": tx, "signatures": found["result"]["signatures"], "certificate": found["result"]["certificate"]})
    response["Cache-Control"] = "no-store"
    return response


def crl(request):
    """The demo CA's certificate revocation list (DER)."""
    _enabled()
    from django.http import HttpResponse

    from . import ca

    return HttpResponse(ca.crl_der(), content_type="application/pkix-crl")
