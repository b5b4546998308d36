"""The demo's 公的個人認証 stand-in: a demo CA (デモ認証局) that issues each fictional person a
demo 署名用電子証明書 (RSA 2048, name in the JPKI subjectAltName otherName) and publishes a CRL.
Made once per process, in memory, like the demo OP's keys (demo only; never production)."""

from __future__ import annotations

import datetime as dt
import functools
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
from cryptography.x509.oid import NameOID

from ..verification import JPKI_NAME_OID

_lock = threading.Lock()
CA_NAME = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, "Madoguchi Demo Signature CA")])
# A demo person whose card was reported lost: the CRL lists it (demonstrates 失効).
REVOKED = {"aoba-jiro"}


def _utf8(text: str) -> bytes:
    body = text.encode()
    return bytes([0x0C, len(body)]) + body  # DER UTF8String (names here are short)


@functools.cache
def authority() -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(CA_NAME)
        .issuer_name(CA_NAME)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


_cards: dict[str, tuple[x509.Certificate, rsa.RSAPrivateKey]] = {}


def card(person_key: str, name: str) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    """The demo person's 署名用電子証明書 and card key (made on first use)."""
    with _lock:
        if person_key in _cards:
            return _cards[person_key]
    ca_cert, ca_key = authority()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"), x509.NameAttribute(NameOID.COMMON_NAME, f"demo-{person_key}")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=5 * 365))
        .add_extension(x509.KeyUsage(False, True, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.OtherName(JPKI_NAME_OID, _utf8(name))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    with _lock:
        return _cards.setdefault(person_key, (cert, key))


def sign_digest(key: rsa.RSAPrivateKey, digest: bytes) -> bytes:
    """What the card does: RSA PKCS#1 v1.5 over the SHA-256 DigestInfo of the document."""
    return key.sign(digest, padding.PKCS1v15(), Prehashed(hashes.SHA256()))


def crl_der() -> bytes:
    ca_cert, ca_key = authority()
    now = dt.datetime.now(dt.UTC)
    builder = x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject).last_update(now).next_update(now + dt.timedelta(hours=1))
    with _lock:
        revoked = [cert for key, (cert, _k) in _cards.items() if key in REVOKED]
    for cert in revoked:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(cert.serial_number).revocation_date(now - dt.timedelta(minutes=1)).build()
        )
    return builder.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def anchor_pem() -> bytes:
    return authority()[0].public_bytes(serialization.Encoding.PEM)
