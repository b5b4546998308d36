from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Section
from madoguchi.core.permissions import section_ids
from madoguchi.core.validation import no_my_number
from madoguchi.core.wareki import WarekiError, parse_date

from . import definition
from .models import Faq, Guide


class QuestionnaireForm(forms.Form):
    """The guide's questions (質問) built from its definition; every answer is optional, a
    question left open shows its steps as 「該当する場合」."""

    date = forms.CharField(label=_("基準日"), required=False, max_length=30, widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}))

    def __init__(self, defn: dict, language: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        label, _fb = definition.text(defn.get("event_date_label"), language)
        self.fields["date"].label = label or _("基準日")
        self.fields["date"].help_text = _("入れると、期限の日付を計算します（例: 2026-04-01、令和8年4月1日）。")
        for q in defn.get("questions") or []:
            choices = [(c["value"], definition.text(c["label"], language)[0]) for c in definition.choices(q)]
            self.fields[f"q_{q['key']}"] = forms.ChoiceField(
                label=definition.text(q.get("text"), language)[0],
                help_text=definition.text(q.get("help"), language)[0],
                choices=choices,
                required=False,
                widget=forms.RadioSelect,
            )

    def clean_date(self):
        value = self.cleaned_data.get("date", "").strip()
        if not value:
            return None
        try:
            return parse_date(value)
        except WarekiError as exc:
            raise forms.ValidationError(str(exc)) from None

    def answers(self) -> dict:
        return {name[2:]: value for name, value in self.cleaned_data.items() if name.startswith("q_") and value}


class EmailForm(forms.Form):
    email = forms.EmailField(label=_("送り先のメールアドレス"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))


class NewGuideForm(forms.Form):
    section = forms.ModelChoiceField(label=_("担当課"), queryset=Section.objects.none())
    slug = forms.SlugField(label=_("識別子（URLになります）"), max_length=60, help_text=_("半角英小文字・数字・ハイフン（例: moving-in）"))
    title = forms.CharField(label=_("題名"), max_length=100, validators=[no_my_number])

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = section_ids(user, "change")
        qs = Section.objects.filter(kind=Section.Kind.SECTION)
        self.fields["section"].queryset = qs if allowed is None else qs.filter(pk__in=allowed)


class DefinitionForm(forms.Form):
    definition = forms.CharField(
        label=_("質問とルール（JSON）"),
        widget=forms.Textarea(attrs={"rows": 30, "spellcheck": "false", "class": "guide-json"}),
        help_text=_("書き方は画面下の説明を見てください。保存しても公開はされません。承認依頼をして、別の職員が承認すると公開されます。"),
        validators=[no_my_number],
    )


class RejectForm(forms.Form):
    comment = forms.CharField(label=_("差し戻しの理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=1000, validators=[no_my_number])


class FaqForm(forms.ModelForm):
    class Meta:
        model = Faq
        fields = [
            "section",
            "question",
            "answer",
            "question_easy",
            "answer_easy",
            "question_en",
            "answer_en",
            "keywords",
            "procedures",
            "guides",
            "is_published",
            "order",
        ]
        widgets = {"procedures": forms.CheckboxSelectMultiple, "guides": forms.CheckboxSelectMultiple}

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from madoguchi.applications.models import Procedure

        allowed = section_ids(user, "change")
        qs = Section.objects.filter(kind=Section.Kind.SECTION)
        self.fields["section"].queryset = qs if allowed is None else qs.filter(pk__in=allowed)
        self.fields["procedures"].queryset = Procedure.objects.filter(is_published=True).order_by("order")
        self.fields["guides"].queryset = Guide.objects.filter(published__isnull=False)
        self.fields["procedures"].required = self.fields["guides"].required = False


# --- ひな形の共有 (sharing guides with the other cities) ----------------------------------------


class ShareForm(forms.Form):
    description = forms.CharField(
        label=_("ひな形の説明"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("ほかの自治体の職員に、どんなガイドかを短く伝えます（1000文字以内）。"),
        validators=[no_my_number],
    )


class CopyGuideForm(forms.Form):
    section = forms.ModelChoiceField(label=_("担当課"), queryset=Section.objects.none(), empty_label=_("選んでください"))
    slug = forms.SlugField(label=_("識別子（URLになります）"), max_length=60, help_text=_("半角英小文字・数字・ハイフン（例: moving-in）"))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = section_ids(user, "change")
        qs = Section.objects.filter(kind=Section.Kind.SECTION)
        self.fields["section"].queryset = qs if allowed is None else qs.filter(pk__in=allowed)
        self.fields["section"].error_messages["required"] = _("「担当課」を選んでください。")
        self.fields["section"].error_messages["invalid_choice"] = _("「担当課」は示された一覧から選んでください。")
        self.fields["slug"].error_messages["required"] = _("「識別子」を入力してください。")


class MapProcedureForm(forms.Form):
    """One missing procedure: this city's procedure to use instead, or remove its steps."""

    missing = forms.CharField(widget=forms.HiddenInput, max_length=100)
    replacement = forms.ChoiceField(label=_("この自治体の手続"), required=False)

    def __init__(self, procedures, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["replacement"].choices = [("", _("（この手続の手順を削除する）"))] + [(p.slug, f"{p.name}（{p.slug}）") for p in procedures]
