"""The city's own settings screen (自治体の設定), for its 情報政策課 administrator: name and
contact, theme colour, emblem, sender address, LINE channel, payment and identity-provider
registrations. Per-city settings are data; empty fields fall back to the deployment's settings.
Secrets are write-only: the page says whether one is set, never shows it."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import AuditLog, Municipality
from .permissions import is_platform_admin
from .staff import staff_required
from .uploads import UploadError, check_file

SECRETS = ("line_channel_secret", "line_channel_access_token")


class CitySettingsForm(forms.ModelForm):
    line_channel_secret = forms.CharField(
        label=_("LINE チャネルシークレット"), required=False, widget=forms.PasswordInput(render_value=False), help_text=_("変更するときだけ入力してください。")
    )
    line_channel_access_token = forms.CharField(
        label=_("LINE チャネルアクセストークン"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("変更するときだけ入力してください。"),
    )
    provider_settings_json = forms.CharField(
        label=_("決済・本人確認サービスの登録情報（JSON）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text=_('例: {"payments": {"stripe": {"account": "acct_…"}}, "identity": {"digital_auth_app": {"client_id": "…"}}}'),
    )

    class Meta:
        model = Municipality
        fields = ["name", "name_kana", "name_en", "postal_code", "address", "phone", "website", "theme", "emblem", "sender_email", "closes_year_end"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_settings_json"].initial = json.dumps(self.instance.provider_settings or {}, ensure_ascii=False, indent=2)
        for name in SECRETS:
            if getattr(self.instance, name):
                self.fields[name].help_text = _("設定済みです。変更するときだけ入力してください。")

    def clean_emblem(self):
        emblem = self.cleaned_data.get("emblem")
        if emblem and hasattr(emblem, "content_type"):  # a new upload, not the stored file
            try:
                check_file(emblem, label=str(self.fields["emblem"].label), accept=["png", "jpeg"], max_bytes=1024 * 1024)
            except UploadError as exc:
                raise forms.ValidationError(str(exc)) from exc
        return emblem

    def clean_provider_settings_json(self):
        text = (self.cleaned_data.get("provider_settings_json") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("JSONとして読めません（%(line)s行目 %(col)s文字目）。括弧やカンマを確かめてください。") % {"line": exc.lineno, "col": exc.colno}
            ) from exc
        if not isinstance(value, dict) or any(k not in ("payments", "identity") or not isinstance(v, dict) for k, v in value.items()):
            raise forms.ValidationError(_("「payments」「identity」をキーとするオブジェクトで書いてください。"))
        return value

    def save(self, commit=True):
        city = super().save(commit=False)
        city.provider_settings = self.cleaned_data["provider_settings_json"]
        for name in SECRETS:
            if self.cleaned_data.get(name):
                setattr(city, name, self.cleaned_data[name])
        if commit:
            city.save()
        return city


@staff_required
def edit(request):
    if not is_platform_admin(request.user):
        raise PermissionDenied(_("自治体の設定は情報政策課（プラットフォーム管理者）だけが変更できます。"))
    city = Municipality.current()
    form = CitySettingsForm(request.POST or None, request.FILES or None, instance=city)
    if request.method == "POST" and form.is_valid():
        changed = [name for name in form.changed_data if name not in SECRETS] + [name for name in SECRETS if form.cleaned_data.get(name)]
        form.save()
        audit.record(AuditLog.Action.UPDATE, city, request=request, detail={"kind": "city_settings", "changed": changed})
        messages.success(request, _("自治体の設定を保存しました。"))
        return redirect("core:city_settings")
    secrets_set = {name: bool(getattr(city, name)) for name in SECRETS}
    return render(
        request, "core/city_settings.html", {"form": form, "city": city, "secrets_set": secrets_set}, status=400 if form.is_bound and form.errors else 200
    )
