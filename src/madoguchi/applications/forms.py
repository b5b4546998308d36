"""Staff form for the procedure catalogue (手続の登録・編集)."""

from __future__ import annotations

from django import forms

from madoguchi.core.models import Municipality, Section
from madoguchi.core.permissions import section_ids
from madoguchi.forms.models import Form

from .models import Procedure


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
            "processing_time",
            "online",
            "form",
            "external_url",
            "identity_assurance",
            "retention_years",
            "life_events",
            "counter_note",
            "is_published",
            "order",
        ]
        widgets = {"life_events": forms.CheckboxSelectMultiple, "summary": forms.Textarea(attrs={"rows": 3}), "required_documents": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = section_ids(user, "manage")
        sections = Section.objects.filter(kind=Section.Kind.SECTION)
        forms_qs = Form.objects.all()
        if allowed is not None:
            sections = sections.filter(pk__in=allowed)
            forms_qs = forms_qs.filter(section__in=allowed)
        self.fields["section"].queryset = sections
        self.fields["form"].queryset = forms_qs
        self.fields["retention_years"].help_text = "手続の完了した年度の翌年度4月1日から数えます。期間を過ぎた申請と添付ファイルは自動で削除されます。"

    def clean_name_kana(self):
        import jaconv

        return jaconv.kata2hira(jaconv.normalize(self.cleaned_data.get("name_kana", "")))

    def clean(self):
        data = super().clean()
        if data.get("online") and not data.get("form") and not data.get("external_url"):
            self.add_error("form", "オンライン申請にする場合は、「申請フォーム」を選ぶか「外部の申請先」を入力してください。")
        if data.get("online") and data.get("identity_assurance") == Procedure.Assurance.MY_NUMBER_CARD and not data.get("external_url"):
            # 公的個人認証 (JPKI) signatures need the national platform; until an adapter exists,
            # such procedures are applied for through マイナポータル.
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
