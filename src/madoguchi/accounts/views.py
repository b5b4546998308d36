"""Citizen and staff sign-in pages: sign-up, email verification, login with rate limits,
staff TOTP (enrolment and verification), password reset, profile."""

from __future__ import annotations

from base64 import b32encode
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from madoguchi.core import audit, ratelimit
from madoguchi.core.links import same_site_url
from madoguchi.core.models import AuditLog

from . import conf, services
from .forms import (
    DeleteAccountForm,
    LoginForm,
    MadoguchiPasswordChangeForm,
    MadoguchiSetPasswordForm,
    OTPForm,
    OutboxPasswordResetForm,
    ProfileForm,
    ResendVerificationForm,
    SignupForm,
)

User = get_user_model()
BAD_LOGIN = gettext_noop("メールアドレスまたはパスワードが正しくありません。入力を確かめて、もう一度お試しください。")


def _client_ip(request) -> str:
    return audit.client_ip(request) or ""


def _safe_next(request, default: str = "") -> str:
    return same_site_url(request, request.POST.get("next") or request.GET.get("next") or "") or default


def _with_next(url_name: str, next_url: str) -> str:
    url = reverse(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


# --- login / logout -----------------------------------------------------------------------------
@ratelimit.exempt("its own failure limits per account, address and both (_login_keys)")
@sensitive_post_parameters("password")
@never_cache
def login_view(request):
    next_url = _safe_next(request)
    unverified_email = ""
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = User.objects.normalize_email(form.cleaned_data["username"]).lower()
        ip = _client_ip(request)
        block = _login_block(email, ip)
        if block:
            form.add_error(None, block.message(_("ログイン")))
            _audit_staff_failure(request, email, "rate_limited")
        else:
            user = form.authenticate()
            if user is None:
                for scope, ident in _login_keys(email, ip):
                    ratelimit.hit(scope, ident, conf.login_rate_window())
                form.add_error(None, _(BAD_LOGIN))
                _audit_staff_failure(request, email, "password")
            elif not user.email_verified:
                unverified_email = email
            else:
                ratelimit.reset("login-account-ip", f"{email}|{ip}")
                auth_login(request, user)
                if services.needs_two_factor(user):
                    audit.record(AuditLog.Action.LOGIN, user, request=request, actor=user, detail={"factor": "password"})
                    target = "accounts:otp_verify" if services.confirmed_device(user) else "accounts:otp_enrol"
                    return redirect(_with_next(target, next_url))
                return HttpResponseRedirect(next_url or reverse(settings.LOGIN_REDIRECT_URL))
    return render(request, "registration/login.html", {"form": form, "next": next_url, "unverified_email": unverified_email})


def _login_keys(email: str, ip: str):
    # account+address (settings.LOGIN_RATE_LIMIT): one person mistyping; account alone (4×):
    # guessing one account from many addresses; address alone (4×): one address trying many
    # accounts. The account-wide limit is looser so a stranger cannot easily lock a person out.
    return [("login-account-ip", f"{email}|{ip}"), ("login-account", email), ("login-ip", ip)]


def _login_block(email: str, ip: str):
    limits = {"login-account-ip": conf.login_rate_limit(), "login-account": conf.login_account_rate_limit(), "login-ip": conf.login_ip_rate_limit()}
    for scope, ident in _login_keys(email, ip):
        block = ratelimit.blocked(scope, ident, limits[scope])
        if block:
            return block
    return None


def _audit_staff_failure(request, email: str, reason: str) -> None:
    # Only staff accounts are audited; residents' failed logins only count toward the limit.
    user = User.objects.filter(email__iexact=email).first()
    if user is not None and services.needs_two_factor(user):
        audit.record(AuditLog.Action.LOGIN_FAILED, user, request=request, actor=None, detail={"reason": reason})


@require_POST
def logout_view(request):
    user = request.user
    if user.is_authenticated and services.needs_two_factor(user):
        audit.record(AuditLog.Action.LOGOUT, user, request=request, actor=user)
    auth_logout(request)
    messages.success(request, _("ログアウトしました。"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- staff second factor ------------------------------------------------------------------------
def _after_otp(request, next_url: str):
    return HttpResponseRedirect(next_url or reverse("web:staff_home"))


def _check_code(request, device, token: str) -> str | None:
    """None when ``token`` is right; otherwise the message to show. Counts failures in the shared
    cache (per user) on top of django_otp's own per-device back-off."""
    user = request.user
    block = ratelimit.blocked("otp", str(user.pk), conf.otp_rate_limit())
    if block:
        audit.record(AuditLog.Action.LOGIN_FAILED, user, request=request, actor=user, detail={"reason": "totp_rate_limited"})
        return block.message(_("確認コードの入力"))
    allowed, info = device.verify_is_allowed()
    if not allowed:
        wait = 1
        if info and info.get("locked_until"):
            wait = max(1, int((info["locked_until"] - timezone.now()).total_seconds() + 0.999))
        return _("確認コードの誤りが続いたため、%(seconds)s秒ほど待ってから、最新の6桁を入力してください。") % {"seconds": wait}
    if device.verify_token(token):
        ratelimit.reset("otp", str(user.pk))
        return None
    ratelimit.hit("otp", str(user.pk), conf.login_rate_window())
    audit.record(AuditLog.Action.LOGIN_FAILED, user, request=request, actor=user, detail={"reason": "totp"})
    return _("確認コードが正しくありません。認証アプリに表示されている最新の6桁を入力してください。")


@never_cache
@login_required
def otp_verify(request):
    user = request.user
    next_url = _safe_next(request)
    if not services.needs_two_factor(user):
        return HttpResponseRedirect(next_url or reverse("web:home"))
    if user.is_verified():
        return _after_otp(request, next_url)
    device = services.confirmed_device(user)
    if device is None:
        return redirect(_with_next("accounts:otp_enrol", next_url))
    form = OTPForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = _check_code(request, device, form.cleaned_data["token"])
        if error is None:
            otp_login(request, device)
            audit.record(AuditLog.Action.LOGIN, user, request=request, actor=user, detail={"factor": "totp"})
            return _after_otp(request, next_url)
        form.add_error("token", error)
    return render(request, "accounts/otp_verify.html", {"form": form, "next": next_url})


@never_cache
@login_required
def otp_enrol(request):
    user = request.user
    next_url = _safe_next(request)
    if not services.needs_two_factor(user):
        return HttpResponseRedirect(next_url or reverse("web:home"))
    if services.confirmed_device(user):
        return redirect(_with_next("accounts:otp_verify", next_url))
    device = services.enrolment_device(user)
    form = OTPForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        error = _check_code(request, device, form.cleaned_data["token"])
        if error is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record(AuditLog.Action.UPDATE, user, request=request, actor=user, detail={"two_factor": "enrolled"})
            audit.record(AuditLog.Action.LOGIN, user, request=request, actor=user, detail={"factor": "totp"})
            messages.success(request, _("二要素認証を設定しました。次回からログインのたびに確認コードを入力します。"))
            return _after_otp(request, next_url)
        form.add_error("token", error)
    import segno

    secret = b32encode(device.bin_key).decode()
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    context = {"form": form, "next": next_url, "qr": qr, "secret": secret, "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))}
    return render(request, "accounts/otp_enrol.html", context)


# --- sign-up and email verification -------------------------------------------------------------
@sensitive_post_parameters("password1", "password2")
@never_cache
@ratelimit.limit_mail("email")
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignupForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        _register(form.cleaned_data["email"], form.cleaned_data["password1"])
        request.session["signup_email"] = form.cleaned_data["email"]
        return redirect("accounts:signup_done")
    return render(request, "accounts/signup.html", {"form": form})


def _register(email: str, password: str) -> None:
    """Same outcome page whether or not the address is taken (no account enumeration), and the
    same work: a taken address still hashes the password (the new account's hashing is most of
    a sign-up's time, so skipping it would tell by timing)."""
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        make_password(password)
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(email=email, password=password, email_verified=False)
                services.send_verification_email(user)
            return
        except IntegrityError:  # a concurrent sign-up with the same address won
            existing = User.objects.get(email__iexact=email)
    if existing.email_verified or not existing.is_active:
        services.send_already_registered_email(existing)
    else:
        services.send_verification_email(existing)


def signup_done(request):
    return render(request, "accounts/signup_done.html", {"email": request.session.get("signup_email", "")})


@never_cache
def verify_email(request, token: str):
    user = services.read_verification_token(token)
    if user is None:
        return render(request, "accounts/verify_failed.html", status=400)
    first = not user.email_verified
    if first:
        user.email_verified = True
        user.save(update_fields=["email_verified"])
    # Opened in the browser session that signed up (it holds the address, set by signup): that
    # person has both the browser and the mailbox, so they are signed in instead of being asked
    # for the password they just chose. Only on the first verification, never for staff (TOTP).
    signed_up_here = (request.session.get("signup_email") or "").lower() == user.email.lower()
    if first and signed_up_here and not request.user.is_authenticated and user.is_active and not services.needs_two_factor(user):
        request.session.pop("signup_email", None)
        auth_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, _("メールアドレスを確認しました。ログインしています。続けてご利用ください。"))
        return redirect("accounts:profile")
    messages.success(request, _("メールアドレスを確認しました。ログインしてご利用ください。"))
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    return redirect("accounts:login")


@never_cache
@ratelimit.limit_mail("email")
def resend_verification(request):
    form = ResendVerificationForm(data=request.POST or None, initial={"email": request.GET.get("email", "")})
    if request.method == "POST" and form.is_valid():
        email = User.objects.normalize_email(form.cleaned_data["email"]).lower()
        user = User.objects.filter(email__iexact=email, email_verified=False, is_active=True).first()
        if user is not None:
            services.send_verification_email(user)
        messages.success(
            request, _("登録がまだ確認されていないアドレスであれば、確認のメールを送りました。メールが届かないときは迷惑メールフォルダもご確認ください。")
        )
        return redirect("accounts:login")
    return render(request, "accounts/resend_verification.html", {"form": form})


# --- password reset (Django's views, our templates and outbox mail) -----------------------------
class PasswordResetView(auth_views.PasswordResetView):
    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = MadoguchiSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:profile")

    form_class = MadoguchiPasswordChangeForm

    def form_valid(self, form):
        messages.success(self.request, _("パスワードを変更しました。"))
        return super().form_valid(form)


# --- profile ------------------------------------------------------------------------------------
@never_cache
@login_required
def profile(request):
    user = request.user
    if request.method == "POST" and "lookup" in request.POST:
        return _profile_lookup(request)
    form = ProfileForm(data=request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("登録情報を保存しました。申請フォームではこの内容があらかじめ入力されます。"))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


def _profile_lookup(request):
    """「住所を検索」: fill 住所 from 郵便番号 without saving (works without JavaScript)."""
    fields = list(ProfileForm.base_fields)
    initial = {name: request.POST.get(name, "") for name in fields}
    form = ProfileForm(instance=request.user, initial=initial)
    notice = None
    try:
        postal = services.normalise_postal_code(initial["postal_code"])
    except ValueError:
        postal = ""
    address = services.lookup_address(postal) if postal else None
    if address:
        form.initial.update(postal_code=postal, address=address)
        notice = (
            "success",
            _("郵便番号 %(postal)s の住所「%(address)s」を入力しました。続けて番地を入力し、保存してください。") % {"postal": postal, "address": address},
        )
    else:
        notice = ("error", _("郵便番号から住所が見つかりませんでした。7桁の郵便番号を確かめるか、住所を直接入力してください。"))
    return render(request, "accounts/profile.html", {"form": form, "lookup_notice": notice, "focus": "id_address" if address else "id_postal_code"})


@sensitive_post_parameters("password")
@never_cache
@login_required
def delete_account(request):
    """退会: residents deactivate their own account (data is kept for open applications)."""
    user = request.user
    if services.needs_two_factor(user):
        messages.error(request, _("職員アカウントは情報政策課が停止します。情報政策課に連絡してください。"))
        return redirect("accounts:profile")
    form = DeleteAccountForm(user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user.is_active = False
        user.save(update_fields=["is_active"])
        auth_logout(request)
        messages.success(request, _("アカウントを削除（利用停止）しました。ご利用ありがとうございました。"))
        return redirect("web:home")
    return render(request, "accounts/delete_account.html", {"form": form})


@login_required
def everywhere(request):
    """わたしの手続き（すべての自治体）: the resident's own records in every city of the joint
    deployment in one place — each city shows the details on its own host."""
    from madoguchi.core import registry, tenancy

    groups = []
    with tenancy.using(None, database=True), tenancy.unscoped():
        for key, source in registry.resident_records.items():
            rows = source.records(request.user)
            if rows:
                groups.append({"key": key, "label": source.label, "rows": rows})
    cities = sorted({r.municipality.name for g in groups for r in g["rows"]})
    return render(request, "accounts/everywhere.html", {"groups": groups, "cities": cities})
