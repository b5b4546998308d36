"""Issue #16 item 4: verifying a card signature — the document, the certificate's period, the
chain to the configured trust anchors, key usage, and revocation against a CRL. Every
certificate and key is made here with ``cryptography`` (a CA, a valid signer, an expired one, one
from an untrusted CA, a revoked one with its CRL)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from madoguchi.identity import verification
from madoguchi.identity.verification import JPKI_NAME_OID, SignatureRefused, Trust

NOW = dt.datetime(2026, 12, 4, 3, 0, tzinfo=dt.UTC)
DOC = '{"title":"住民票の写し交付申請書","groups":[]}'.encode()


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _ca(cn: str, key, *, issuer=None, issuer_key=None):
    return (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(issuer.subject if issuer else _name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=365))
        .not_valid_after(NOW + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(issuer_key or key, hashes.SHA256())
    )


def _leaf(ca, ca_key, key, *, name="青葉 太郎", before=None, after=None, signing=True):
    usage = (
        x509.KeyUsage(False, True, False, False, False, False, False, False, False)
        if signing
        else x509.KeyUsage(False, False, True, False, False, False, False, False, False)
    )
    body = name.encode()
    return (
        x509.CertificateBuilder()
        .subject_name(_name("jpki-signer"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(before or NOW - dt.timedelta(days=30))
        .not_valid_after(after or NOW + dt.timedelta(days=1000))
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(JPKI_NAME_OID, bytes([0x0C, len(body)]) + body)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def _der(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def _sign(key, data: bytes = DOC) -> bytes:
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def _crl(ca, ca_key, revoked=(), *, next_update=None) -> bytes:
    builder = x509.CertificateRevocationListBuilder().issuer_name(ca.subject).last_update(NOW - dt.timedelta(hours=1))
    builder = builder.next_update(next_update or NOW + dt.timedelta(days=1))
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(dt.datetime(2026, 11, 30, tzinfo=dt.UTC)).build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


@dataclass
class PKI:
    ca: x509.Certificate
    ca_key: object
    key: object  # one signer key reused by every leaf (keys are slow to make)
    valid: x509.Certificate
    expired: x509.Certificate
    revoked: x509.Certificate
    untrusted: x509.Certificate
    other_ca: x509.Certificate
    not_signing: x509.Certificate


@pytest.fixture(scope="module")
def pki() -> PKI:
    ca_key, other_key, key = _key(), _key(), _key()
    ca = _ca("Test JPKI Signature CA", ca_key)
    other_ca = _ca("Someone Else CA", other_key)
    return PKI(
        ca=ca,
        ca_key=ca_key,
        key=key,
        valid=_leaf(ca, ca_key, key),
        expired=_leaf(ca, ca_key, key, before=NOW - dt.timedelta(days=2000), after=dt.datetime(2026, 3, 31, 14, 59, tzinfo=dt.UTC)),
        revoked=_leaf(ca, ca_key, key),
        untrusted=_leaf(other_ca, other_key, key),
        other_ca=other_ca,
        not_signing=_leaf(ca, ca_key, key, signing=False),
    )


def _verify(pki, cert, *, document=DOC, signature=None, crls=None, trust=None):
    return verification.verify(document, signature or _sign(pki.key), _der(cert), trust=trust or Trust(anchors=(pki.ca,), crls=crls), at=NOW)


def test_a_valid_signature_names_its_signer_and_says_revocation_was_not_checked(pki):
    result = _verify(pki, pki.valid)
    assert result.signer_name == "青葉 太郎"
    assert result.revocation == "not_checked"  # no CRL configured → 失効確認: 未実施


def test_a_valid_signature_checked_against_the_crl(pki):
    result = _verify(pki, pki.valid, crls=(_crl(pki.ca, pki.ca_key, [pki.revoked]),))
    assert result.revocation == "good"


def test_a_tampered_document_fails(pki):
    tampered = DOC.replace("住民票".encode(), "戸籍謄本".encode())
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.valid, document=tampered, signature=_sign(pki.key, DOC))
    assert exc.value.code == "document_mismatch" and "申請書の内容と一致しません" in exc.value.message


def test_an_expired_certificate_fails_with_its_date(pki):
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.expired)
    assert exc.value.code == "expired"
    assert exc.value.message == "署名用電子証明書の有効期限が切れています（有効期限: 2026年3月31日）。"


def test_a_certificate_from_an_untrusted_ca_fails(pki):
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.untrusted)
    assert exc.value.code == "untrusted" and "発行元を信頼できません" in exc.value.message


def test_a_revoked_certificate_fails_with_its_revocation_date(pki):
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.revoked, crls=(_crl(pki.ca, pki.ca_key, [pki.revoked]),))
    assert exc.value.code == "revoked"
    assert exc.value.message == "署名用電子証明書は失効しています（失効日: 2026年11月30日）。"


def test_a_crl_not_signed_by_the_issuer_or_stale_is_no_proof(pki):
    forged = _crl(pki.ca, _key())  # right issuer name, wrong key
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.valid, crls=(forged,))
    assert exc.value.code == "crl_missing"
    stale = _crl(pki.ca, pki.ca_key, next_update=NOW - dt.timedelta(minutes=1))
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.valid, crls=(stale,))
    assert exc.value.code == "crl_stale"
    with pytest.raises(SignatureRefused) as exc:  # configured, but nothing could be fetched
        _verify(pki, pki.valid, crls=())
    assert exc.value.code == "crl_missing"


def test_an_intermediate_ca_leads_to_the_anchor(pki):
    mid_key = _key()
    mid = _ca("Test Intermediate CA", mid_key, issuer=pki.ca, issuer_key=pki.ca_key)
    leaf = _leaf(mid, mid_key, pki.key)
    with pytest.raises(SignatureRefused):
        _verify(pki, leaf)  # the intermediate is unknown
    result = _verify(pki, leaf, trust=Trust(anchors=(pki.ca,), intermediates=(mid,)))
    assert result.signer_name == "青葉 太郎"


def test_a_certificate_not_for_signing_and_garbage_fail(pki):
    with pytest.raises(SignatureRefused) as exc:
        _verify(pki, pki.not_signing)
    assert exc.value.code == "key_usage"
    with pytest.raises(SignatureRefused) as exc:
        verification.verify(DOC, b"x", b"not a certificate", trust=Trust(anchors=(pki.ca,)), at=NOW)
    assert exc.value.code == "bad_certificate" and exc.value.message == "署名用電子証明書を読み取れませんでした。"


def test_anchors_load_from_pem_text(pki):
    pem = pki.ca.public_bytes(serialization.Encoding.PEM) + pki.other_ca.public_bytes(serialization.Encoding.PEM)
    assert verification.load_certificates([pem.decode()]) == (pki.ca, pki.other_ca)


def test_system_checks_for_the_trust_configuration(settings, tmp_path, pki):
    from madoguchi.identity.checks import check_signature_trust

    settings.PRODUCTION = True
    settings.IDENTITY_SIGNATURE_TRUST_ANCHORS = []
    settings.IDENTITY_SIGNATURE_CRL_URLS = []
    assert [m.id for m in check_signature_trust()] == ["madoguchi.identity.W010"]
    anchor = tmp_path / "ca.der"
    anchor.write_bytes(_der(pki.ca))
    settings.IDENTITY_SIGNATURE_TRUST_ANCHORS = [str(anchor)]
    assert [m.id for m in check_signature_trust()] == ["madoguchi.identity.W012"]
    settings.IDENTITY_SIGNATURE_CRL_URLS = ["https://crl.example.jp/jpki.crl"]
    assert check_signature_trust() == []
    settings.IDENTITY_SIGNATURE_TRUST_ANCHORS = ["-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----"]
    assert "madoguchi.identity.E006" in [m.id for m in check_signature_trust()]
