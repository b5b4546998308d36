"""Staff form for the procedure catalogue (手続の登録・編集)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core import validation
from madoguchi.core.models import Municipality, Section
from madoguchi.core.permissions import section_ids
from madoguchi.forms.models import Form

from .models import LifeEvent, Procedure


class ProcedureForm(forms.ModelForm):
    class Meta:
        model = Procedure
        fields = [
            "name",
            "name_kana",
            "slug",
            "section",
            "summary",
            "eligibility",
            "required_documents",
            "fee",
            "fee_note",
            "payment_timing",
            "processing_time",
            "online",
            "form",
            "external_url",
            "identity_assurance",
            "requires_signature",
            "retention_years",
            "life_events",
            "counter_note",
            "is_published",
            "order",
        ]
        widgets = {
            "life_events": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 3}),
            "required_documents": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = section_ids(user, "manage")
        sections = Section.objects.filter(kind=Section.Kind.SECTION)
        forms_qs = Form.objects.all()
        if allowed is not None:
            sections = sections.filter(pk__in=allowed)
            forms_qs = forms_qs.filter(section__in=allowed)
        self.fields["section"].queryset = sections
        self.fields["payment_timing"].required = False  # 窓口払い unless chosen (the fee may be 0)
        self.fields["form"].queryset = forms_qs
        # Built per form, not at import: the manager limits it to the active city then.
        self.fields["life_events"].queryset = LifeEvent.objects.all()
        self.fields["retention_years"].help_text = "手続の完了した年度の翌年度4月1日から数えます。期間を過ぎた申請と添付ファイルは自動で削除されます。"

    def clean_payment_timing(self):
        return self.cleaned_data.get("payment_timing") or self.instance.payment_timing or "counter"

    def clean_slug(self):
        # Unique per city (procedure_unique_slug): the city is not a field of this form, so the
        # constraint is checked here, in the active city, instead of failing on save.
        slug = self.cleaned_data.get("slug")
        city = self.instance.municipality_id or getattr(Municipality.current(), "pk", None)
        if slug and Procedure.objects.filter(municipality_id=city, slug=slug).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("この識別子はすでに使われています。別の識別子を入力してください。")
        return slug

    def clean_name_kana(self):
        import jaconv

        return jaconv.kata2hira(jaconv.normalize(self.cleaned_data.get("name_kana", "")))

    def clean(self):
        data = super().clean()
        if data.get("online") and not data.get("form") and not data.get("external_url"):
            self.add_error("form", "オンライン申請にする場合は、「申請フォーム」を選ぶか「外部の申請先」を入力してください。")
        strict = data.get("identity_assurance") in Procedure.STRICT
        if data.get("online") and strict and not data.get("external_url") and not _provider_for(data.get("identity_assurance")):
            # Without a provider the city registered (identity app), such procedures are applied
            # for through マイナポータル.
            self.add_error(
                "external_url",
                "マイナンバーカードによる本人確認（公的個人認証）が必要な手続は、この基盤の申請フォームでは受け付けられません。"
                "「外部の申請先」にマイナポータル（ぴったりサービス）の申請ページを入力してください。",
            )
        return data

    def save(self, commit=True):
        procedure = super().save(commit=False)
        if not procedure.municipality_id:
            procedure.municipality = Municipality.current()
        if commit:
            procedure.save()
            self.save_m2m()
        return procedure


# --- the case pages: a rule refused by services comes back next to its field, text kept ------


class CaseForm(forms.Form):
    """A small form on a case page. ``refuse`` puts a services ValidationError next to the field
    it names (or ``default_field``), so the page is shown again with the typed text kept."""

    default_field = ""

    def refuse(self, exc) -> None:
        validation.add_to_form(self, exc, self.default_field)


class MessageForm(CaseForm):
    default_field = "body"
    body = forms.CharField(
        label=_("担当課へのメッセージ"),
        max_length=2000,
        help_text=_("2000文字以内。マイナンバーは書かないでください。"),
        error_messages={"required": _("「メッセージ」を入力してください。"), "max_length": _("「メッセージ」は2000文字以内で入力してください。")},
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )

    def __init__(self, *args, label=None, **kwargs):
        super().__init__(*args, **kwargs)
        if label:
            self.fields["body"].label = label


class WithdrawForm(CaseForm):
    default_field = "reason"
    reason = forms.CharField(
        label=_("取下げの理由"),
        required=False,
        max_length=500,
        error_messages={"max_length": _("「取下げの理由」は500文字以内で入力してください。")},
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )


class StatusForm(CaseForm):
    default_field = "to_status"
    to_status = forms.ChoiceField(
        label=_("変更後の状態"),
        widget=forms.RadioSelect,
        error_messages={"required": _("変更後の状態を選んでください。"), "invalid_choice": _("変更後の状態を一覧から選んでください。")},
    )
    comment = forms.CharField(
        label=_("申請者へのコメント"),
        required=False,
        max_length=2000,
        help_text=_("補正依頼のときは、直してほしい内容を具体的に書いてください（必須）。"),
        error_messages={"max_length": _("「申請者へのコメント」は2000文字以内で入力してください。")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, targets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = list(targets)


class CaseLinkResendForm(forms.Form):
    """照会用リンクの再送: the receipt number and the address given with the application."""

    receipt_number = forms.CharField(
        label=_("受付番号"),
        max_length=20,
        help_text=_("申請を受け付けたときのメールに書かれています（例: 2026-000123）。"),
        error_messages={"required": _("「受付番号」を入力してください。"), "max_length": _("「受付番号」は20文字以内で入力してください。")},
    )
    email = forms.EmailField(
        label=_("メールアドレス"),
        help_text=_("申請のときに入力したメールアドレス"),
        error_messages={
            "required": _("「メールアドレス」を入力してください。"),
            "invalid": _("「メールアドレス」はメールアドレスの形で入力してください（例: taro@example.jp）。"),
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_receipt_number(self):
        import unicodedata

        return unicodedata.normalize("NFKC", self.cleaned_data["receipt_number"]).strip().replace("ー", "-").replace("−", "-")

    def clean_email(self):
        import unicodedata

        return unicodedata.normalize("NFKC", self.cleaned_data["email"]).strip()


def _provider_for(assurance: str) -> bool:
    """Whether the active city has an identity provider for ``assurance`` (identity app)."""
    from madoguchi.core import tenancy

    return Procedure(identity_assurance=assurance, municipality=tenancy.current()).identity_provider_available
