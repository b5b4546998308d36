"""Verifying an electronic signature (電子署名の検証) made with a マイナンバーカード's
署名用電子証明書: the signature over the frozen document, the certificate's validity period, its
chain to a configured trust anchor (信頼する認証局), its key usage, and its revocation against a
configured CRL. Plain functions on the ``cryptography`` library; every refusal is a
``SignatureRefused`` with a precise Japanese message and a short code (logs and tests never see
the certificate's subject).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

MAX_CHAIN = 5
# JPKI's 署名用電子証明書 carries the 基本4情報 as subjectAltName otherNames (公的個人認証サービス
# 証明書プロファイル); 1.2.392.200149.8.5.5.1 is 氏名.
JPKI_NAME_OID = x509.ObjectIdentifier("1.2.392.200149.8.5.5.1")


class SignatureRefused(Exception):
    """A signature that must not be accepted. ``message`` is shown (Japanese); ``code`` is for
    logs and tests."""

    def __init__(self, code: str, message: str):
        super().__init__(code)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Trust:
    """What a signature is checked against: the trust anchors (root certificates), intermediate
    certificates that may sit between, and the CRLs (DER or PEM bytes; none → 失効確認: 未実施)."""

    anchors: tuple[x509.Certificate, ...]
    intermediates: tuple[x509.Certificate, ...] = ()
    crls: tuple[bytes, ...] | None = None  # None: no revocation source configured


@dataclass(frozen=True)
class Verified:
    signer_name: str
    revocation: str  # "good" (checked, not revoked) or "not_checked"
    not_before: dt.datetime
    not_after: dt.datetime


def load_certificate(data: bytes) -> x509.Certificate:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise SignatureRefused("bad_certificate", "署名用電子証明書を読み取れませんでした。") from exc


def load_certificates(items: Iterable[bytes | str]) -> tuple[x509.Certificate, ...]:
    """Certificates from PEM text (one or several per item) or DER bytes."""
    out: list[x509.Certificate] = []
    for item in items:
        data = item.encode() if isinstance(item, str) else item
        if b"-----BEGIN" in data:
            out.extend(x509.load_pem_x509_certificates(data))
        else:
            out.append(x509.load_der_x509_certificate(data))
    return tuple(out)


def _ja_date(value: dt.datetime) -> str:
    local = value.astimezone(dt.timezone(dt.timedelta(hours=9)))
    return f"{local.year}年{local.month}月{local.day}日"


def check_signature(certificate: x509.Certificate, document: bytes, signature: bytes) -> None:
    """The signature is the card's over these very bytes (RSA PKCS#1 v1.5 with SHA-256, as JPKI
    signs; ECDSA SHA-256 accepted for other keys)."""
    key = certificate.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, document, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, document, ec.ECDSA(hashes.SHA256()))
        else:
            raise SignatureRefused("unsupported_key", "署名用電子証明書の鍵の種類に対応していません。")
    except InvalidSignature as exc:
        raise SignatureRefused("document_mismatch", "署名が申請書の内容と一致しません。署名の後に申請書が変更されたか、別の文書への署名です。") from exc


def _check_period(certificate: x509.Certificate, at: dt.datetime, *, what: str) -> None:
    if at > certificate.not_valid_after_utc:
        raise SignatureRefused("expired", f"{what}の有効期限が切れています（有効期限: {_ja_date(certificate.not_valid_after_utc)}）。")
    if at < certificate.not_valid_before_utc:
        raise SignatureRefused("not_yet_valid", f"{what}の有効期間がまだ始まっていません（開始日: {_ja_date(certificate.not_valid_before_utc)}）。")


def _issued_by(child: x509.Certificate, parent: x509.Certificate) -> bool:
    if child.issuer != parent.subject:
        return False
    try:
        child.verify_directly_issued_by(parent)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def build_chain(leaf: x509.Certificate, trust: Trust, at: dt.datetime) -> list[x509.Certificate]:
    """Leaf → … → trust anchor, each link checked (issuer name and signature, CA flag, period)."""
    chain = [leaf]
    current = leaf
    for _ in range(MAX_CHAIN):
        anchor = next((a for a in trust.anchors if _issued_by(current, a)), None)
        if anchor is not None:
            _check_period(anchor, at, what="署名用電子証明書を発行した認証局の証明書")
            return [*chain, anchor]
        step = next((c for c in trust.intermediates if _is_ca(c) and c not in chain and _issued_by(current, c)), None)
        if step is None:
            break
        _check_period(step, at, what="中間認証局の証明書")
        chain.append(step)
        current = step
    raise SignatureRefused("untrusted", "署名用電子証明書の発行元を信頼できません（信頼する認証局として設定された認証局が発行した証明書ではありません）。")


def _check_key_usage(certificate: x509.Certificate) -> None:
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise SignatureRefused("key_usage", "この証明書は電子署名に使えない証明書です（署名用電子証明書ではありません）。")


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def check_revocation(leaf: x509.Certificate, issuer: x509.Certificate, crls: Iterable[bytes], at: dt.datetime) -> None:
    """The leaf's serial is not on its issuer's CRL; the CRL itself must be signed by the issuer
    and current (a stale or missing CRL is a refusal, not a pass)."""
    found = False
    for data in crls:
        try:
            crl = _load_crl(data)
        except ValueError:
            continue
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):
            continue
        if crl.next_update_utc is not None and crl.next_update_utc < at:
            raise SignatureRefused("crl_stale", "失効情報（CRL）の有効期限が切れているため、失効確認ができませんでした。時間をおいてお試しください。")
        found = True
        revoked = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
        if revoked is not None:
            raise SignatureRefused("revoked", f"署名用電子証明書は失効しています（失効日: {_ja_date(revoked.revocation_date_utc)}）。")
    if not found:
        raise SignatureRefused("crl_missing", "署名用電子証明書の失効情報（CRL）を確認できませんでした。時間をおいてお試しください。")


def signer_name(certificate: x509.Certificate) -> str:
    """The signer's 氏名: JPKI's subjectAltName otherName, else the subject's common name."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for other in san.get_values_for_type(x509.OtherName):
            if other.type_id == JPKI_NAME_OID:
                text = _der_string(other.value)
                if text:
                    return text
    except x509.ExtensionNotFound:
        pass
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


def _der_string(value: bytes) -> str:
    """A DER string (UTF8String, PrintableString, BMPString …) as text ('' if not one)."""
    if len(value) < 2:
        return ""
    tag, length, offset = value[0], value[1], 2
    if length & 0x80:
        n = length & 0x7F
        length, offset = int.from_bytes(value[2 : 2 + n], "big"), 2 + n
    body = value[offset : offset + length]
    try:
        return body.decode("utf-16-be") if tag == 0x1E else body.decode("utf-8")
    except UnicodeDecodeError:
        return ""


def verify(
    document: bytes,
    signature: bytes,
    certificate_der: bytes,
    *,
    trust: Trust,
    at: dt.datetime | None = None,
    crls: Callable[[], Iterable[bytes]] | None = None,
) -> Verified:
    """Every check, in the order a resident can act on: the certificate, the signature over the
    document (tampering), the period, the chain, the key usage, then revocation."""
    at = at or dt.datetime.now(dt.UTC)
    certificate = load_certificate(certificate_der)
    check_signature(certificate, document, signature)
    _check_period(certificate, at, what="署名用電子証明書")
    chain = build_chain(certificate, trust, at)
    _check_key_usage(certificate)
    revocation = "not_checked"
    sources = crls() if crls is not None else trust.crls
    if sources is not None:
        check_revocation(certificate, chain[1], sources, at)
        revocation = "good"
    return Verified(
        signer_name=signer_name(certificate), revocation=revocation, not_before=certificate.not_valid_before_utc, not_after=certificate.not_valid_after_utc
    )
