"""Forms. Every error names the field and what to do; widgets carry autocomplete, and Django
points each input at its help and error text (aria-describedby, rendered by core/_field.html)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core import notify
from madoguchi.core.codes import find_my_numbers
from madoguchi.core.emails import EmailField
from madoguchi.core.models import Section, StaffRole
from madoguchi.core.wareki import WarekiError, format_wareki, parse_date

from . import services

User = get_user_model()


def _input(kind="text", autocomplete=None, **attrs):
    widget = {"text": forms.TextInput, "email": forms.EmailInput, "password": forms.PasswordInput, "tel": forms.TextInput}[kind]
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    if kind == "tel":
        attrs["type"] = "tel"
    return widget(attrs=attrs)


# --- sign-up and login --------------------------------------------------------------------------
class SignupForm(forms.Form):
    email = EmailField(
        label=_("メールアドレス"),
        max_length=254,
        widget=_input("email", "email", inputmode="email", spellcheck="false"),
        help_text=_("確認のメールを送ります。携帯電話のメールでも登録できます。"),
        error_messages={"required": _("メールアドレスを入力してください。"), "invalid": _("メールアドレスの形式が正しくありません。例: taro@example.jp")},
    )
    password1 = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=_input("password", "new-password"),
        help_text=_("10文字以上で、数字だけ・よく使われるもの・メールアドレスに似たものは使えません。"),
        error_messages={"required": _("パスワードを入力してください。")},
    )
    password2 = forms.CharField(
        label=_("パスワード（確認）"),
        strip=False,
        widget=_input("password", "new-password"),
        help_text=_("確認のため、同じパスワードをもう一度入力してください。"),
        error_messages={"required": _("確認のため、パスワードをもう一度入力してください。")},
    )

    def clean_email(self):
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def clean(self):
        data = super().clean()
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("パスワード（確認）がパスワードと一致しません。同じものを入力してください。"))
        elif p1:
            try:
                password_validation.validate_password(p1, User(email=data.get("email") or ""))
            except ValidationError as exc:
                self.add_error("password1", exc)
        return data


class LoginForm(forms.Form):
    """Email + password. Authentication and rate limits live in the view (they need the request)."""

    username = EmailField(
        label=_("メールアドレス"),
        widget=_input("email", "username", inputmode="email", spellcheck="false", autofocus=True),
        error_messages={"required": _("メールアドレスを入力してください。"), "invalid": _("メールアドレスの形式が正しくありません。例: taro@example.jp")},
    )
    password = forms.CharField(
        label=_("パスワード"),
        strip=False,
        widget=_input("password", "current-password"),
        error_messages={"required": _("パスワードを入力してください。")},
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user_cache = None
        super().__init__(*args, **kwargs)

    def authenticate(self):
        email = User.objects.normalize_email(self.cleaned_data["username"]).lower()
        self.user_cache = authenticate(self.request, username=email, password=self.cleaned_data["password"])
        return self.user_cache


class ResendVerificationForm(forms.Form):
    email = EmailField(
        label=_("登録したメールアドレス"),
        widget=_input("email", "email", inputmode="email"),
        error_messages={"required": _("メールアドレスを入力してください。"), "invalid": _("メールアドレスの形式が正しくありません。例: taro@example.jp")},
    )


class OTPForm(forms.Form):
    token = forms.CharField(
        label=_("確認コード（6桁）"),
        max_length=12,
        widget=_input("text", "one-time-code", inputmode="numeric", autofocus=True, spellcheck="false"),
        help_text=_("認証アプリ（Google Authenticator、Microsoft Authenticator など）に表示される6桁の数字です。"),
        error_messages={"required": _("確認コードを入力してください。")},
    )

    def clean_token(self):
        import unicodedata

        token = unicodedata.normalize("NFKC", self.cleaned_data["token"]).replace(" ", "").replace("-", "")
        if not (token.isascii() and token.isdigit()) or len(token) != 6:
            raise ValidationError(_("確認コードは6桁の数字で入力してください。"))
        return token


# --- password reset through the outbox ----------------------------------------------------------
class OutboxPasswordResetForm(PasswordResetForm):
    email = EmailField(
        label=_("登録したメールアドレス"),
        max_length=254,
        widget=_input("email", "email", inputmode="email"),
        error_messages={"required": _("メールアドレスを入力してください。"), "invalid": _("メールアドレスの形式が正しくありません。例: taro@example.jp")},
    )

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None):
        from madoguchi.core import tenancy

        # Django's view names ".../password_reset.txt"; send_template takes the name without it.
        template = email_template_name.removesuffix(".txt")
        notify.send_template(to_email, template, context, municipality=tenancy.current())


class MadoguchiSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("新しいパスワード")
        self.fields["new_password1"].help_text = _("10文字以上で、数字だけ・よく使われるもの・メールアドレスに似たものは使えません。")
        self.fields["new_password2"].label = _("新しいパスワード（確認）")
        self.fields["new_password2"].help_text = _("確認のため、同じパスワードをもう一度入力してください。")
        for name in ("new_password1", "new_password2"):
            self.fields[name].error_messages["required"] = _("%(field)sを入力してください。") % {"field": self.fields[name].label}
            self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def save(self, commit=True):
        user = super().save(commit=False)
        # The link arrived by email, so the address is proven.
        user.email_verified = True
        if commit:
            user.save()
        return user


# --- profile ------------------------------------------------------------------------------------
class ProfileForm(forms.ModelForm):
    birth_date_text = forms.CharField(
        label=_("生年月日"),
        required=False,
        max_length=30,
        widget=_input("text", "bday", inputmode="text"),
        help_text=_("西暦でも和暦でも入力できます。例: 1990-04-01、平成2年4月1日、H2.4.1"),
    )

    # Declared here (not from the model) so that 〒１９０－０００１ fits before normalisation.
    postal_code = forms.CharField(
        label=_("郵便番号"),
        required=False,
        max_length=20,
        widget=_input("text", "postal-code", inputmode="numeric"),
        help_text=_("7桁の数字。例: 190-0001。「郵便番号から住所を検索」で住所の前半を入力します。"),
    )
    phone = forms.CharField(
        label=_("電話番号"),
        required=False,
        max_length=30,
        widget=_input("tel", "tel", inputmode="tel"),
        help_text=_("日中に連絡がとれる番号。例: 090-1234-5678"),
    )

    class Meta:
        model = User
        fields = ["family_name", "given_name", "family_name_kana", "given_name_kana", "postal_code", "address", "address_building", "phone"]
        widgets = {
            "family_name": _input("text", "family-name"),
            "given_name": _input("text", "given-name"),
            "family_name_kana": _input("text", "off"),
            "given_name_kana": _input("text", "off"),
            "postal_code": _input("text", "postal-code", inputmode="numeric"),
            "address": _input("text", "street-address"),
            "address_building": _input("text", "address-line2"),
            "phone": _input("tel", "tel", inputmode="tel"),
        }
        help_texts = {
            "family_name_kana": _("ひらがなで入力してください。カタカナは自動でひらがなにします。"),
            "given_name_kana": _("ひらがなで入力してください。カタカナは自動でひらがなにします。"),
            "postal_code": _("7桁の数字。例: 190-0001。「住所を検索」で住所の前半を入力します。"),
            "address": _("都道府県から番地まで。例: 東京都みどり野市中央二丁目3番4号"),
            "address_building": _("建物名・部屋番号があれば入力してください。"),
            "phone": _("日中に連絡がとれる番号。例: 090-1234-5678"),
        }

    field_order = ["family_name", "given_name", "family_name_kana", "given_name_kana", "birth_date_text", "postal_code", "address", "address_building", "phone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)
        if self.instance.birth_date and not self.is_bound:
            self.initial["birth_date_text"] = format_wareki(self.instance.birth_date)

    def _kana(self, name):
        value = services.normalise_kana(self.cleaned_data.get(name, ""))
        if value and not services.is_kana(value):
            raise ValidationError(_("%(field)sはひらがな（またはカタカナ）で入力してください。") % {"field": self.fields[name].label})
        return value

    def clean_family_name_kana(self):
        return self._kana("family_name_kana")

    def clean_given_name_kana(self):
        return self._kana("given_name_kana")

    def clean_birth_date_text(self):
        text = self.cleaned_data.get("birth_date_text", "").strip()
        if not text:
            self.instance.birth_date = None
            return ""
        try:
            day = parse_date(text)
        except WarekiError as exc:
            raise ValidationError(_("生年月日: %(msg)s") % {"msg": exc}) from None
        if day > timezone.localdate():
            raise ValidationError(_("生年月日に未来の日付は入力できません。"))
        if day < dt.date(1900, 1, 1):
            raise ValidationError(_("生年月日は1900年（明治33年）1月1日以降の日付を入力してください。"))
        self.instance.birth_date = day
        return text

    def clean_postal_code(self):
        try:
            return services.normalise_postal_code(self.cleaned_data.get("postal_code", ""))
        except ValueError:
            raise ValidationError(_("郵便番号は7桁の数字で入力してください。例: 190-0001")) from None

    def clean_phone(self):
        value = services.normalise_phone(self.cleaned_data.get("phone", ""))
        if value and not services.is_phone(value):
            raise ValidationError(_("電話番号は0から始まる10桁または11桁の数字で入力してください。例: 090-1234-5678"))
        return value

    def clean(self):
        # The profile prefills every form: a マイナンバー typed here would travel into each one.
        cleaned = super().clean()
        for name in ("family_name", "given_name", "address", "address_building"):
            if find_my_numbers(str(cleaned.get(name) or "")):
                self.add_error(name, _("%(field)sにマイナンバー（個人番号）を書かないでください。") % {"field": self.fields[name].label})
        return cleaned


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("現在のパスワード"),
        strip=False,
        widget=_input("password", "current-password"),
        help_text=_("本人確認のため、パスワードを入力してください。"),
        error_messages={"required": _("パスワードを入力してください。")},
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise ValidationError(_("パスワードが正しくありません。"))
        return ""


# --- staff administration -----------------------------------------------------------------------
class StaffCreateForm(forms.Form):
    email = EmailField(
        label=_("メールアドレス"),
        widget=_input("email", "off"),
        help_text=_("パスワード設定用のリンクをこのアドレスに送ります。"),
        error_messages={"required": _("メールアドレスを入力してください。"), "invalid": _("メールアドレスの形式が正しくありません。")},
    )
    family_name = forms.CharField(label=_("氏"), max_length=50, widget=_input("text", "off"), error_messages={"required": _("氏を入力してください。")})
    given_name = forms.CharField(label=_("名"), max_length=50, widget=_input("text", "off"), error_messages={"required": _("名を入力してください。")})
    section = forms.ModelChoiceField(
        label=_("所属（課）"),
        queryset=Section.objects.none(),
        error_messages={"required": _("所属する課を選んでください。"), "invalid_choice": _("所属する課を一覧から選んでください。")},
    )
    role = forms.ChoiceField(
        label=_("役割"), choices=StaffRole.Role.choices, initial=StaffRole.Role.CLERK, error_messages={"required": _("役割を選んでください。")}
    )

    def __init__(self, sections, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections

    def clean_email(self):
        email = User.objects.normalize_email(self.cleaned_data["email"]).lower()
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError(_("このメールアドレスはすでに登録されています。既存の利用者に役割を付ける場合は職員一覧から操作してください。"))
        return email


class RoleForm(forms.Form):
    section = forms.ModelChoiceField(
        label=_("課"),
        queryset=Section.objects.none(),
        error_messages={"required": _("課を選んでください。"), "invalid_choice": _("課を一覧から選んでください。")},
    )
    role = forms.ChoiceField(label=_("役割"), choices=StaffRole.Role.choices, error_messages={"required": _("役割を選んでください。")})

    def __init__(self, sections, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections


class MadoguchiPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        labels = {"old_password": _("現在のパスワード"), "new_password1": _("新しいパスワード"), "new_password2": _("新しいパスワード（確認）")}
        for name, label in labels.items():
            self.fields[name].label = label
            self.fields[name].help_text = ""
            self.fields[name].error_messages["required"] = _("%(field)sを入力してください。") % {"field": label}
        self.fields["new_password1"].help_text = _("10文字以上で、数字だけ・よく使われるもの・メールアドレスに似たものは使えません。")
