"""The 共同運営 operator's console (運営者画面): cities, their health and usage, adding a city.
An operator sees aggregates only — no resident's personal data, no section's work."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from . import audit, cities, tenancy, validation
from .models import AuditLog


def is_operator(user) -> bool:
    return bool(user and user.is_authenticated and getattr(user, "is_operator", False))


def operator_required(view):
    """An operator signed in with a verified second factor."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
        if not is_operator(user):
            raise PermissionDenied("共同運営の運営者用の画面です。")
        if not user.is_verified():
            return redirect("accounts:otp_verify")
        # The operator works above the cities: no city is active, in the ORM or in PostgreSQL.
        with tenancy.using(None, database=True):
            return view(request, *args, **kwargs)

    return wrapper


class CityForm(forms.Form):
    name = forms.CharField(label=_("自治体名"), max_length=100)
    name_kana = forms.CharField(label=_("自治体名（かな）"), max_length=100, required=False)
    prefecture = forms.CharField(label=_("都道府県"), max_length=10, required=False)
    code = forms.CharField(label=_("全国地方公共団体コード"), max_length=6, min_length=6, help_text=_("6桁（最後の1桁は検査数字）"))
    domain = forms.CharField(label=_("ホスト名"), max_length=253, help_text=_("例: aobadai.localhost、www.town.example.lg.jp"))
    admin_email = forms.EmailField(label=_("最初の管理者（情報政策課）のメールアドレス"), help_text=_("パスワード設定のリンクをこのアドレスに送ります。"))
    is_fictional = forms.BooleanField(label=_("架空の自治体（デモ・研修用）"), required=False)


@operator_required
def home(request):
    rows = cities.health()
    return render(request, "core/operator_home.html", {"rows": rows})


@operator_required
def add_city(request):
    form = CityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            city, admin = cities.add_city(
                cities.new_city_from(d),
                invite_by=request.user,
            )
        except ValidationError as exc:
            validation.add_to_form(form, exc)
        else:
            audit.record(AuditLog.Action.CREATE, city, request=request, detail={"kind": "add_city", "domain": d["domain"]})
            from django.contrib import messages

            messages.success(request, f"{city.name}を追加しました。{admin.email} にパスワード設定のメールを送りました。")
            return redirect("operator:home")
    return render(request, "core/operator_add_city.html", {"form": form}, status=400 if form.is_bound and form.errors else 200)
