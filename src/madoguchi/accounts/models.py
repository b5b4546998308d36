"""Accounts (アカウント): residents and staff share one user model; staff are users with
``StaffRole`` rows (core) and a TOTP device. The profile fields feed "once-only" prefill."""

from __future__ import annotations

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create(self, email, password, **extra):
        if not email:
            raise ValueError("メールアドレスは必須です。")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_superuser", False)
        return self._create(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_superuser=True, is_staff=True, is_platform_admin=True, email_verified=True)
        return self._create(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """利用者 (resident or staff)."""

    email = models.EmailField(_("メールアドレス"), unique=True)
    email_verified = models.BooleanField(_("メール確認済み"), default=False)
    family_name = models.CharField(_("氏"), max_length=50, blank=True)
    given_name = models.CharField(_("名"), max_length=50, blank=True)
    family_name_kana = models.CharField(_("氏（ふりがな）"), max_length=50, blank=True)
    given_name_kana = models.CharField(_("名（ふりがな）"), max_length=50, blank=True)
    birth_date = models.DateField(_("生年月日"), null=True, blank=True)
    postal_code = models.CharField(_("郵便番号"), max_length=8, blank=True)
    address = models.CharField(_("住所"), max_length=200, blank=True)
    address_building = models.CharField(_("方書（建物名・部屋番号）"), max_length=100, blank=True)
    phone = models.CharField(_("電話番号"), max_length=20, blank=True)
    is_staff = models.BooleanField(_("職員"), default=False, help_text=_("職員用画面にログインできます。"))
    is_platform_admin = models.BooleanField(_("プラットフォーム管理者（情報政策課）"), default=False)
    # 共同運営事業者: above the cities — creates cities, sees health and usage per city, never a
    # resident's personal data (no section roles, not a platform admin of any city).
    is_operator = models.BooleanField(_("共同運営の運営者"), default=False)
    is_active = models.BooleanField(_("有効"), default=True)
    date_joined = models.DateTimeField(_("登録日時"), default=timezone.now)

    objects = UserManager()

    # One account across cities (共同運営): a resident moves, a staff member belongs to one city
    # through their section roles. Each city sees only its own records of the person.
    tenant_exempt = True

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("利用者")
        verbose_name_plural = _("利用者")

    def __str__(self) -> str:
        return self.full_name or self.email

    def save(self, *args, **kwargs):
        # Every password change goes to the audit log, whichever way it is made (change page,
        # reset link, staff's first-password link, manage.py): set_password() leaves the raw
        # password in _password until save. A new account's first password is not a change.
        changed = self._password is not None and not self._state.adding
        super().save(*args, **kwargs)
        if changed:
            _audit_password_change(self)

    @property
    def full_name(self) -> str:
        return f"{self.family_name} {self.given_name}".strip()

    @property
    def full_name_kana(self) -> str:
        return f"{self.family_name_kana} {self.given_name_kana}".strip()

    def profile_for_prefill(self) -> dict:
        """The facts a form may prefill (氏名, ふりがな, 生年月日, 住所, 電話, メール)."""
        return {
            "full_name": self.full_name,
            "full_name_kana": self.full_name_kana,
            "family_name": self.family_name,
            "given_name": self.given_name,
            "family_name_kana": self.family_name_kana,
            "given_name_kana": self.given_name_kana,
            "birth_date": self.birth_date.isoformat() if self.birth_date else "",
            "postal_code": self.postal_code,
            "address": self.address,
            "address_building": self.address_building,
            "phone": self.phone,
            "email": self.email,
        }


def _audit_password_change(user) -> None:
    from madoguchi.core import audit
    from madoguchi.core.middleware import current_request
    from madoguchi.core.models import AuditLog

    request = current_request()
    signed_in = getattr(getattr(request, "user", None), "is_authenticated", False)
    # Signed in: the person at the keyboard; through a reset link: the holder of the link (the user).
    actor = request.user if signed_in else user
    audit.record(AuditLog.Action.UPDATE, user, request=request, actor=actor, detail={"password": "changed"})
