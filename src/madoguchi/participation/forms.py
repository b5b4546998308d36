"""Forms of participation. Resident-typed text refuses a マイナンバー (``no_my_number``); staff
transcription masks it instead (the model field does)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.validation import no_my_number

from .models import AGE_GROUPS, PERSONAL_FIELDS, Channel, Consultation, Proposal

PHONE_HELP = _("例: 0422-00-0000")


def _personal_field(name: str, label, required: bool, *, resident: bool) -> forms.Field:
    validators = [no_my_number] if resident else []
    if required:
        return _with_required_message(_personal_field(name, label, False, resident=resident), label)
    if name == "email":
        return forms.EmailField(label=label, required=required, help_text=_("入力すると受付のお知らせをお送りします。") if resident else "")
    if name == "age_group":
        return forms.ChoiceField(label=label, required=required, choices=AGE_GROUPS)
    if name == "phone":
        return forms.CharField(label=label, required=required, max_length=30, help_text=PHONE_HELP, validators=validators)
    if name == "address":
        return forms.CharField(label=label, required=required, max_length=200, validators=validators)
    return forms.CharField(label=label, required=required, max_length=100, validators=validators)


def _with_required_message(field: forms.Field, label) -> forms.Field:
    field.required = True
    field.error_messages["required"] = _("「%(label)s」を入力してください。この意見公募で必要な項目です。") % {"label": label}
    return field


class OpinionForm(forms.Form):
    """A resident's opinion on one consultation (web)."""

    draft_section = forms.TypedChoiceField(label=_("該当箇所"), required=False, coerce=int, empty_value=None)
    text = forms.CharField(
        label=_("ご意見"), widget=forms.Textarea(attrs={"rows": 8}), max_length=10_000, validators=[no_my_number], help_text=_("10,000文字以内。")
    )
    text.error_messages["required"] = _("ご意見を入力してください。")

    def __init__(self, *args, consultation: Consultation, resident: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        sections = list(consultation.draft_sections.all())
        self.fields["draft_section"].choices = [("", _("案の全体について"))] + [(s.pk, str(s)) for s in sections]
        required = set(consultation.required_fields or []) if resident else set()
        for name, label in PERSONAL_FIELDS:
            self.fields[name] = _personal_field(name, label, name in required, resident=resident)
        if not resident:
            self.fields["text"].validators = []  # transcription: masked and flagged, not refused

    def personal_values(self) -> dict:
        return {name: self.cleaned_data.get(name) or "" for name, _label in PERSONAL_FIELDS}


class PaperOpinionForm(OpinionForm):
    """Staff entry of an opinion received on paper, by FAX, by email or in person."""

    channel = forms.ChoiceField(label=_("提出方法"), choices=[c for c in Channel.choices if c[0] != Channel.WEB])
    received_on = forms.DateField(label=_("受付日"), required=False, help_text=_("空欄なら今日。例: 2026-12-04"))

    def __init__(self, *args, consultation: Consultation, **kwargs):
        super().__init__(*args, consultation=consultation, resident=False, **kwargs)


class ConsultationForm(forms.ModelForm):
    """Staff publish a draft: the period, the required fields, and the draft by section."""

    required_fields = forms.MultipleChoiceField(label=_("提出に必要な項目"), choices=PERSONAL_FIELDS, required=False, widget=forms.CheckboxSelectMultiple)
    draft_text = forms.CharField(
        label=_("案の本文（章・節ごと）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_("「# 」で始まる行が章・節の見出しです（例: 「# 第1章 計画の位置付け」）。次の見出しまでがその本文です。"),
    )
    plan_item_ids = forms.CharField(label=_("関連する計画の取組 ID"), required=False, help_text=_("カンマ区切り。例: 12, 15"))
    draft_pdf = forms.FileField(label=_("案の PDF"), required=False)

    class Meta:
        model = Consultation
        fields = ["section", "title", "summary", "easy_summary", "starts_on", "ends_on", "required_fields", "retention_days", "is_published"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}), "ends_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sections is not None:
            self.fields["section"].queryset = sections

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("募集終了日は募集開始日以降の日付にしてください。"))
        raw = (data.get("plan_item_ids") or "").replace("、", ",")
        ids = []
        for part in [p.strip() for p in raw.split(",") if p.strip()]:
            if not part.isdigit() or len(part) > 9:
                self.add_error("plan_item_ids", _("計画の取組 ID は数字をカンマで区切って入力してください。"))
                break
            ids.append(int(part))
        data["plan_item_list"] = ids
        return data


class GroupForm(forms.Form):
    summary = forms.CharField(label=_("意見の概要"), widget=forms.Textarea(attrs={"rows": 3}))
    city_view = forms.CharField(label=_("市の考え方"), widget=forms.Textarea(attrs={"rows": 4}), required=False)


class ProposalForm(forms.ModelForm):
    class Meta:
        model = Proposal
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8})}


class CommentForm(forms.Form):
    body = forms.CharField(label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, validators=[no_my_number])
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), max_length=300, validators=[no_my_number])


class AnswerForm(forms.Form):
    outcome = forms.ChoiceField(label=_("結果"), choices=[c for c in Proposal.Outcome.choices if c[0]])
    answer = forms.CharField(label=_("市からの回答（理由）"), widget=forms.Textarea(attrs={"rows": 5}))
    easy_answer = forms.CharField(
        label=_("市からの回答（やさしい日本語）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("書いたときだけ、提案のページとお知らせメールに添えます。"),
    )


class PlanItemsForm(forms.Form):
    """Plan items (計画の取組) a proposal is linked to, by id (participation never reads plans)."""

    plan_item_ids = forms.CharField(label=_("関連する計画の取組 ID"), required=False, help_text=_("カンマ区切り。例: 12, 15"), max_length=500)

    def clean_plan_item_ids(self):
        raw = (self.cleaned_data.get("plan_item_ids") or "").replace("、", ",").replace("，", ",")
        ids = []
        for part in [p.strip() for p in raw.split(",") if p.strip()]:
            if not part.isdigit() or len(part) > 9:
                raise forms.ValidationError(_("計画の取組 ID は数字をカンマで区切って入力してください（例: 12, 15）。"))
            ids.append(int(part))
        return sorted(set(ids))
