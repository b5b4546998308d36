"""Email addresses as people type them and as SMTP carries them (one place for both).

``normalize("ｔａｒｏ＠Ｅｘａｍｐｌｅ．ｊｐ ")`` → ``"taro@example.jp"``: NFKC turns full-width
letters, digits, ＠ and ． into ASCII, so a phone's full-width input is read as meant instead of
being refused (or refused twice with different messages). ``EmailField`` is a Django form field
that normalises before it validates; forms taking an address use it.

``smtp_address(addr)`` is the address as an SMTP envelope and a To: header can carry it, or
None: a domain in Japanese (市.example.jp) is sent as its punycode, but a local part outside
ASCII needs SMTPUTF8, which Django's SMTP backend does not speak — Python would write an RFC 2047
encoded word into the address and produce an invalid To: header. ``core.notify`` leaves such a
recipient out (and logs it) rather than sending a broken message. Forms never let such an
address in (Django's email validator accepts only an ASCII local part); it arrives through data
(imports, the shell).
"""

from __future__ import annotations

import logging
import unicodedata

from django import forms

log = logging.getLogger(__name__)


def normalize(value: str | None) -> str:
    """NFKC, trimmed, domain lower-cased (the local part is kept as typed: it may be case-sensitive)."""
    text = unicodedata.normalize("NFKC", value or "").strip()
    if "@" in text:
        local, _sep, domain = text.rpartition("@")
        text = f"{local.strip()}@{domain.strip().lower()}"
    return text


def smtp_address(address: str) -> str | None:
    """``address`` for SMTP (IDN domain → punycode), or None when its local part is not ASCII."""
    text = normalize(address)
    local, sep, domain = text.rpartition("@")
    if not sep or not local or not domain:
        return None
    if not local.isascii():
        return None
    if not domain.isascii():
        try:
            domain = domain.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    return f"{local}@{domain}"


def deliverable(recipients: list[str]) -> list[str]:
    """The recipients SMTP can carry, in order; the others are logged (domain only) and left out."""
    out = []
    for address in recipients:
        smtp = smtp_address(address)
        if smtp is None:
            log.error("email not sent to an address SMTP cannot carry (non-ASCII local part or malformed) at %s", address.rpartition("@")[2] or "?")
            continue
        out.append(smtp)
    return out


class EmailField(forms.EmailField):
    """``forms.EmailField`` that reads full-width input (normalises before validating)."""

    def to_python(self, value):
        return normalize(super().to_python(value))
