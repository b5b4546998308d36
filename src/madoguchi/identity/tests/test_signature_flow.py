"""Issue #16 item 4 end to end (in-process): a procedure that requires the resident's signature —
the confirm page freezes the application document, the デジタル認証アプリ's sign flow runs
against the demo OP (client-credentials token, 署名トランザクション, authorize with ``openid sign``,
result with the 署名用電子証明書), the platform verifies it, stores it with the submission, and
staff see 「署名検証: 有効」 and the signer (audited); revoked and untrusted cards are refused
with a precise message, and nothing is submitted."""

from __future__ import annotations

import json
import logging

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications import signature as app_signature
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission
from madoguchi.core.factories import ResidentFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog
from madoguchi.forms.factories import FormFactory
from madoguchi.identity import signing
from madoguchi.identity.demo_provider import op
from madoguchi.identity.models import Signature
from madoguchi.identity.testing import local, query

pytestmark = pytest.mark.django_db

TARO = op.PEOPLE[0]
JIRO = op.SIGNERS[-1]  # the demo card on the demo CA's CRL
SCHEMA = {
    "pages": [
        {"key": "main", "title": "申請内容", "fields": [{"key": "purpose", "type": "text", "label": "使いみち", "max_length": 50}]},
    ]
}


def draft(client, *, assurance=Procedure.Assurance.ACCOUNT):
    section = SectionFactory(name="市民課", with_email=True)
    p = ProcedureFactory(section=section, slug="inkan", identity_assurance=assurance, requires_signature=True, form=FormFactory(section=section, schema=SCHEMA))
    client.force_login(ResidentFactory())
    client.post(reverse("applications:start", args=[p.slug]))
    submission = Submission.objects.get()
    client.post(reverse("applications:fill", args=[submission.uuid, 0]), {"action": "next", "purpose": "銀行口座の開設"})
    submission.refresh_from_db()
    assert submission.answers["purpose"] == "銀行口座の開設"
    return submission


def sign(client, submission, person=TARO):
    """Confirm → signing consent page → demo OP (the app) → callback; returns the callback's answer."""
    confirm = reverse("applications:confirm", args=[submission.uuid])
    page = client.get(confirm).content.decode()
    assert "電子署名が必要" in page and "署名へ進む" in page
    to_sign = client.post(confirm)
    assert to_sign.status_code == 302 and to_sign["Location"].startswith("/identity/sign/"), to_sign.get("Location")
    consent = client.get(to_sign["Location"]).content.decode()
    assert "銀行口座の開設" in consent and "ハッシュ値" in consent  # the very document to be signed
    authorize = client.post(to_sign["Location"])
    assert authorize.status_code == 302, authorize.content.decode()[:500]
    params = query(authorize["Location"])
    assert set(params["scope"].split()) == {"openid", "sign"} and params["sign_tx"]
    assert "署名する文書" in client.get(local(authorize["Location"])).content.decode()
    back = client.post("/identity/demo-op/authorize", {**params, "person": person.key, "decision": "allow"})
    return client.get(local(back["Location"]))


def test_signing_then_submitting_stores_the_frozen_document_and_staff_see_it_valid(client, oidc_transport, caplog):
    submission = draft(client)
    caplog.set_level(logging.DEBUG)
    done = sign(client, submission)
    confirm = reverse("applications:confirm", args=[submission.uuid])
    assert done.status_code == 302 and done["Location"] == confirm
    row = Signature.objects.get()
    assert (row.status, row.revocation, row.signer_name) == ("valid", "good", TARO.name)
    assert bytes(row.document) == app_signature.document(submission) and "銀行口座の開設" in bytes(row.document).decode()
    # The RP took a client-credentials token, started the transaction, and fetched the result.
    paths = [path for _method, path in oidc_transport.calls]
    assert "/identity/demo-op/token" in paths and "/identity/demo-op/api/sign-transactions" in paths and "/identity/demo-op/crl" in paths
    assert TARO.name not in caplog.text  # never the certificate's subject or a claim

    assert "電子署名済み" in client.get(confirm).content.decode()
    client.post(confirm)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED

    # A later status is shown beside the signed document, never written into it.
    frozen = bytes(row.document)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.COMPLETED)
    row.refresh_from_db()
    assert bytes(row.document) == frozen
    row.document = frozen + b" "
    with pytest.raises(ValueError):
        row.save()

    staff = StaffFactory(section=submission.section)
    client.logout()
    login_staff(client, staff)
    detail = client.get(reverse("applications:staff_detail", args=[submission.uuid])).content.decode()
    assert "署名検証: 有効" in detail and TARO.name in detail and "失効していない" in detail
    page = client.get(reverse("identity:staff_signature", args=[row.uuid])).content.decode()
    assert "署名検証: 有効" in page and "完了" in page and "銀行口座の開設" in page
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW, target_id=str(submission.pk), detail__signature=str(row.uuid)).exists()
    document = client.get(reverse("identity:staff_signature_file", args=[row.uuid, "document"]))
    assert document.content == frozen and json.loads(frozen)["format"] == "madoguchi.application/1"
    assert AuditLog.objects.filter(action=AuditLog.Action.DOWNLOAD, detail__part="document").exists()

    # Another section's staff see nothing.
    client.logout()
    login_staff(client, StaffFactory(section=SectionFactory(name="税務課")))
    assert client.get(reverse("identity:staff_signature", args=[row.uuid])).status_code == 404


def test_a_stored_document_changed_afterwards_shows_invalid(client):
    submission = draft(client)
    sign(client, submission)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    row = Signature.objects.get()
    tampered = bytes(row.document).replace("銀行口座の開設".encode(), "自動車の登録".encode())
    Signature.objects.filter(pk=row.pk).update(document=tampered)  # behind the model's back
    staff = StaffFactory(section=submission.section)
    client.logout()
    login_staff(client, staff)
    detail = client.get(reverse("applications:staff_detail", args=[submission.uuid])).content.decode()
    assert "署名検証: 無効" in detail and "署名の後に変更されています" in detail


def test_changing_an_answer_after_signing_needs_a_new_signature(client):
    submission = draft(client)
    sign(client, submission)
    client.post(reverse("applications:fill", args=[submission.uuid, 0]), {"action": "next", "purpose": "自動車の登録"})
    response = client.post(reverse("applications:confirm", args=[submission.uuid]))
    assert response["Location"].startswith("/identity/sign/")
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT


def test_a_revoked_card_is_refused_and_nothing_is_submitted(client, caplog):
    submission = draft(client)
    caplog.set_level(logging.DEBUG)
    response = sign(client, submission, person=JIRO)
    assert response.status_code == 400
    page = response.content.decode()
    assert "署名用電子証明書は失効しています" in page and "入力した内容はそのまま残っています" in page
    row = Signature.objects.get()
    assert row.status == "invalid" and "失効" in row.failure
    submission.refresh_from_db()
    assert submission.status == Submission.Status.DRAFT and submission.answers["purpose"] == "銀行口座の開設"
    assert JIRO.name not in caplog.text and "reason=revoked" in caplog.text


def test_an_untrusted_certificate_is_refused(client, settings):
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Production JPKI CA (stand-in)")])
    now = dt.datetime.now(dt.UTC)
    anchor = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    # The deployment trusts only this CA: the demo card's certificate does not lead to it.
    settings.IDENTITY_SIGNATURE_TRUST_ANCHORS = [anchor.public_bytes(serialization.Encoding.PEM).decode()]
    submission = draft(client)
    response = sign(client, submission)
    assert response.status_code == 400 and "発行元を信頼できません" in response.content.decode()
    assert Signature.objects.get().status == "invalid"


def test_without_a_crl_source_revocation_is_shown_as_not_checked(client, monkeypatch):
    monkeypatch.setattr(signing, "crl_sources", lambda request: [])
    submission = draft(client)
    sign(client, submission)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    assert Signature.objects.get().revocation == "not_checked"
    client.logout()
    login_staff(client, StaffFactory(section=submission.section))
    assert "失効確認: 未実施" in client.get(reverse("applications:staff_detail", args=[submission.uuid])).content.decode()


def test_the_card_must_be_the_one_used_for_the_sign_in(client):
    submission = draft(client)
    Submission.objects.filter(pk=submission.pk).update(identity_provider="digital_auth_app", identity_subject="someone-else")
    response = sign(client, submission)
    assert response.status_code == 400 and "本人確認に使ったカードと異なります" in response.content.decode()


def test_a_foreign_browser_cannot_sign_and_the_api_refuses(client):
    submission = draft(client)
    to_sign = client.post(reverse("applications:confirm", args=[submission.uuid]))
    other = client_class_new()
    assert other.get(to_sign["Location"]).status_code == 404
    response = client.post(f"/api/applications/procedures/{submission.procedure.slug}/submissions", {"answers": {}}, content_type="application/json")
    assert response.status_code == 403 and "電子署名" in response.json()["detail"]


def client_class_new():
    from django.test import Client

    return Client()


def test_the_demo_op_refuses_a_signing_request_without_its_token(client):
    response = client.post("/identity/demo-op/api/sign-transactions", {"sign_docs": []}, content_type="application/json")
    assert response.status_code == 401
    assert client.get("/identity/demo-op/api/sign-transactions/nope").status_code == 401


def test_without_signing_the_procedure_stays_at_the_counter(client, settings):
    section = SectionFactory(name="市民課", with_email=True)
    p = ProcedureFactory(section=section, slug="koseki", requires_signature=True, form=FormFactory(section=section, schema=SCHEMA))
    assert p.can_apply_online
    settings.MADOGUCHI_PROVIDERS = {}  # no デジタル認証アプリ registration: no signature possible
    assert not p.can_apply_online
    settings.MADOGUCHI_PROVIDERS = {"identity": {"digital_auth_app": {"demo": True}}}
    settings.IDENTITY_DEMO_PROVIDER = False
    assert not p.can_apply_online
