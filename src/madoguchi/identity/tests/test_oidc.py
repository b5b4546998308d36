"""The OIDC relying party (Authlib + joserfc) against the demo OP, through the test client:
the whole flow, and every refusal (state, nonce, exp, aud, signature, kid, code replay,
redirect URI, PKCE, client assertion)."""

from __future__ import annotations

import logging
import time

import pytest
from django.core.management import call_command
from django.test import RequestFactory
from joserfc.jwk import RSAKey

from madoguchi.core.codes import corporate_number_check_digit, is_valid_corporate_number
from madoguchi.core.registry import identity_providers
from madoguchi.identity import oidc, session
from madoguchi.identity.demo_provider import op
from madoguchi.identity.oidc import IdentityError
from madoguchi.identity.testing import local, query

pytestmark = pytest.mark.django_db

TARO = op.PEOPLE[0]


def authorize(client, provider="digital_auth_app", person=None, next_url="/"):
    """Consent page → demo OP (pick a person, agree) → the callback URL with code and state."""
    response = client.post(f"/identity/verify/{provider}/", {"next": next_url})
    assert response.status_code == 302, response.content[:500]
    auth_url = response["Location"]
    params = query(auth_url)
    assert params["code_challenge_method"] == "S256" and params["code_challenge"] and params["nonce"] and params["state"]
    page = client.get(local(auth_url))
    assert page.status_code == 200
    kind = "business" if provider == "gbizid" else "card"
    chosen = person or (op.BUSINESSES[0] if kind == "business" else TARO)
    answer = client.post("/identity/demo-op/authorize", {**params, "person": chosen.key, "decision": "allow"})
    assert answer.status_code == 302
    return answer["Location"]


def sign_in(client, provider="digital_auth_app", next_url="/", **kwargs):
    callback = authorize(client, provider, next_url=next_url, **kwargs)
    return client.get(local(callback))


def test_full_sign_in_reads_the_basic_four(client):
    response = sign_in(client, next_url="/procedures/")
    assert response.status_code == 302 and response["Location"] == "/procedures/"
    verified = session.VerifiedIdentity.from_session(client.session[session.KEY])
    assert verified.assurance == "my_number_card" and verified.provider == "digital_auth_app"
    assert (verified.name, verified.address, verified.birthdate, verified.gender) == (TARO.name, TARO.address, TARO.birthdate, TARO.gender)
    assert verified.subject == op.subject(TARO.key, op.DEMO_CLIENT_IDS["card"])
    assert TARO.name not in repr(verified)


def test_gbizid_attaches_a_checked_corporate_number(client):
    response = sign_in(client, "gbizid")
    assert response.status_code == 302
    verified = session.VerifiedIdentity.from_session(client.session[session.KEY])
    assert verified.assurance == "gbizid" and verified.corporate_number == "7000012050002" and verified.corporate_name == "株式会社あおば商事"


def test_gbizid_refuses_a_corporate_number_with_a_wrong_check_digit(client, monkeypatch):
    bad = op.DemoPerson("bad", "x", "", "", "", corporate_number="8000012050002", corporate_name="x")
    monkeypatch.setattr(op, "BUSINESSES", [bad])
    response = sign_in(client, "gbizid", person=bad)
    assert response.status_code == 400 and "チェックディジット" in response.content.decode()


def test_corporate_number_check_digit():
    # 9 − (Σ digits × 1,2,1,2… from the right over the 12 base digits) mod 9. Worked by hand:
    # 000012050002 → 2·1 + 5·1 + 2·1 + 1·2 = 11 → 9 − 11 mod 9 = 7 (国税庁's example 7000012050002).
    assert corporate_number_check_digit("000012050002") == 7
    # 100000000000: the 1 is the 12th digit from the right (weight 2) → 9 − 2 = 7.
    assert corporate_number_check_digit("100000000000") == 7
    # all zeros → 9 − 0 = 9; 000000000009 → 9 mod 9 = 0 → 9.
    assert corporate_number_check_digit("000000000000") == 9 and corporate_number_check_digit("000000000009") == 9
    assert is_valid_corporate_number("7000012050002")
    assert not is_valid_corporate_number("8000012050002")
    assert not is_valid_corporate_number("700001205000")  # 12 digits
    assert not is_valid_corporate_number("700001205000A")


def _refused(client, reason: str):
    response = client.get(local(authorize(client)))
    assert response.status_code == 400
    assert session.KEY not in client.session
    return response


def test_bad_state_is_refused(client, caplog):
    callback = authorize(client)
    params = query(callback)
    with caplog.at_level(logging.WARNING):
        response = client.get(f"/identity/callback/digital_auth_app/?code={params['code']}&state=forged")
    assert response.status_code == 400 and "bad_state" in caplog.text
    assert session.KEY not in client.session


def test_state_is_single_use(client):
    callback = authorize(client)
    assert client.get(local(callback)).status_code == 302
    assert client.get(local(callback)).status_code == 400  # the state was consumed


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"nonce": "someone-elses"}, "nonce"),
        ({"aud": "another-client"}, "aud"),
        ({"iss": "https://evil.example"}, "iss"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 4000}, "exp"),
        ({"iat": int(time.time()) + 3600}, "iat"),
    ],
)
def test_bad_id_token_claims_are_refused(client, monkeypatch, caplog, change, reason):
    original = op.id_token_claims
    monkeypatch.setattr(op, "id_token_claims", lambda **kw: {**original(**kw), **change})
    with caplog.at_level(logging.WARNING):
        _refused(client, reason)
    assert f"bad_claims:{reason}" in caplog.text


def test_tampered_signature_is_refused(client, monkeypatch, caplog):
    original = op.sign_id_token

    def tampered(claims):
        header, payload, signature = original(claims).split(".")
        forged = original({**claims, "sub": "someone-else"}).split(".")[1]
        return ".".join([header, forged, signature])

    monkeypatch.setattr(op, "sign_id_token", tampered)
    with caplog.at_level(logging.WARNING):
        _refused(client, "signature")
    assert "bad_signature" in caplog.text


def test_key_rotation_refetches_the_jwks_once(client, oidc_transport):
    assert sign_in(client).status_code == 302
    jwks_fetches = sum(1 for _m, path in oidc_transport.calls if path.endswith("/jwks"))
    op.rotate_keys()  # the OP signs with a key the RP has not seen
    assert sign_in(client).status_code == 302
    assert sum(1 for _m, path in oidc_transport.calls if path.endswith("/jwks")) == jwks_fetches + 1
    assert sign_in(client).status_code == 302  # cached again: no further fetch
    assert sum(1 for _m, path in oidc_transport.calls if path.endswith("/jwks")) == jwks_fetches + 1


def test_unknown_kid_is_refused_after_one_refetch(client, monkeypatch, caplog):
    stranger = RSAKey.generate_key(2048, parameters={"kid": "not-published"}, private=True)
    from joserfc import jwt

    monkeypatch.setattr(op, "sign_id_token", lambda claims: jwt.encode({"alg": "RS256", "kid": "not-published"}, claims, stranger))
    with caplog.at_level(logging.WARNING):
        _refused(client, "kid")
    assert "unknown_kid" in caplog.text


# --- the token endpoint, with the real Authlib client ---------------------------------------
def _flow(client):
    """Authorize, and return what the RP needs to redeem the code itself."""
    callback = authorize(client)
    params = query(callback)
    flow = client.session["identity_flows"][params["state"]]
    request = RequestFactory().get("/")
    config = identity_providers["digital_auth_app"].client_config(request)
    return config, params["code"], flow


def test_replayed_code_is_refused(client):
    config, code, flow = _flow(client)
    claims = oidc.exchange_code(config, code=code, redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"], nonce=flow["nonce"])
    assert claims["sub"]
    with pytest.raises(IdentityError) as exc:
        oidc.exchange_code(config, code=code, redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"], nonce=flow["nonce"])
    assert exc.value.code == "token_refused:invalid_grant"


def test_wrong_redirect_uri_is_refused(client):
    config, code, flow = _flow(client)
    with pytest.raises(IdentityError) as exc:
        oidc.exchange_code(config, code=code, redirect_uri="http://testserver/elsewhere/", code_verifier=flow["verifier"], nonce=flow["nonce"])
    assert exc.value.code == "token_refused:invalid_grant"


def test_unregistered_redirect_uri_is_refused_at_authorize(client):
    response = client.post("/identity/verify/digital_auth_app/", {"next": "/"})
    params = query(response["Location"])
    page = client.get("/identity/demo-op/authorize", {**params, "redirect_uri": "https://evil.example/cb"})
    assert page.status_code == 400 and "戻り先" in page.content.decode()


def test_bad_pkce_verifier_is_refused(client):
    config, code, flow = _flow(client)
    with pytest.raises(IdentityError) as exc:
        oidc.exchange_code(config, code=code, redirect_uri=flow["redirect_uri"], code_verifier="x" * 48, nonce=flow["nonce"])
    assert exc.value.code == "token_refused:invalid_grant"


def test_bad_client_assertion_is_refused(client):
    config, code, flow = _flow(client)
    impostor = RSAKey.generate_key(2048, parameters={"kid": op.DEMO_RP_KEYS["card"].kid}, private=True)
    forged = oidc.ClientConfig(issuer=config.issuer, client_id=config.client_id, private_key=impostor.as_dict(private=True), scopes=config.scopes)
    with pytest.raises(IdentityError) as exc:
        oidc.exchange_code(forged, code=code, redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"], nonce=flow["nonce"])
    assert exc.value.code == "token_refused:invalid_client"
    # the code was not spent by the refused client: the real one still redeems it
    assert oidc.exchange_code(config, code=code, redirect_uri=flow["redirect_uri"], code_verifier=flow["verifier"], nonce=flow["nonce"])["sub"]


def test_userinfo_needs_a_valid_token(client):
    assert client.get("/identity/demo-op/userinfo", HTTP_AUTHORIZATION="Bearer nope").status_code == 401


def test_log_of_a_full_sign_in_holds_no_claim_value(client, caplog):
    with caplog.at_level(logging.DEBUG):
        sign_in(client)
        sign_in(client, "gbizid")
    text = caplog.text
    for value in (TARO.name, TARO.address, TARO.birthdate, "7000012050002", "株式会社あおば商事", op.subject(TARO.key, op.DEMO_CLIENT_IDS["card"])):
        assert value not in text


def test_demo_provider_is_off_when_disabled(client, settings):
    settings.IDENTITY_DEMO_PROVIDER = False
    assert client.get("/identity/demo-op/.well-known/openid-configuration").status_code == 404
    assert client.get("/identity/verify/digital_auth_app/").status_code == 404  # no city registration either


def test_production_refuses_the_demo_provider_and_half_registrations(settings):
    from madoguchi.identity.checks import check_demo_provider

    settings.PRODUCTION = True
    settings.IDENTITY_DEMO_PROVIDER = True
    assert [e.id for e in check_demo_provider()] == ["madoguchi.identity.E003"]
    settings.MADOGUCHI_PROVIDERS = {"identity": {"digital_auth_app": {"issuer": "https://x.example", "client_id": "c"}}}
    assert [e.id for e in identity_providers["digital_auth_app"].check()] == ["madoguchi.identity.E001"]
    settings.MADOGUCHI_PROVIDERS = {
        "identity": {"gbizid": {"issuer": "http://x.example", "client_id": "c", "private_key": op.DEMO_RP_KEYS["business"].as_dict(private=True)}}
    }
    assert [e.id for e in identity_providers["gbizid"].check()] == ["madoguchi.identity.E004"]
    settings.PRODUCTION = False
    call_command("check")


def test_a_city_registration_overrides_the_demo(rf, settings):
    from madoguchi.core.factories import MunicipalityFactory

    city = MunicipalityFactory(
        provider_settings={
            "identity": {
                "digital_auth_app": {"issuer": "https://auth.example", "client_id": "city-1", "private_key": op.DEMO_RP_KEYS["card"].as_dict(private=True)}
            }
        }
    )
    config = identity_providers["digital_auth_app"].client_config(rf.get("/"), municipality=city)
    assert (config.issuer, config.client_id, config.alg) == ("https://auth.example", "city-1", "RS256")
