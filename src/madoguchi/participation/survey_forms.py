"""The staff form of a survey: its settings and its questions as a form-engine definition (JSON,
forms/SCHEMA.md, with the survey types of ``fields.py``)."""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from .survey_models import Survey

SCHEMA_HELP = _(
    "フォーム定義（JSON）。設問の種類: radio（1つ選ぶ）、checkboxes（複数選ぶ。max_choices で「N個まで」）、likert（段階評価）、"
    "matrix（rows × choices）、ranking（順位づけ。max_rank で上位N位まで）、textarea（自由記述）。"
    '分岐は show_if（例: {"field": "use", "equals": "yes"}）。'
)


class SurveyForm(forms.ModelForm):
    schema_text = forms.CharField(label=_("設問（フォーム定義 JSON）"), widget=forms.Textarea(attrs={"rows": 18}), help_text=SCHEMA_HELP)
    plan_item_ids = forms.CharField(label=_("関連する計画の取組 ID"), required=False, help_text=_("カンマ区切り。例: 12, 15"))

    class Meta:
        model = Survey
        fields = [
            "section",
            "title",
            "description",
            "easy_description",
            "audience",
            "starts_on",
            "ends_on",
            "sample_size",
            "age_question",
            "area_question",
            "extra_question",
            "retention_days",
            "is_published",
            "results_public",
        ]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}), "ends_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sections is not None:
            self.fields["section"].queryset = sections
        if self.instance.pk and not self.is_bound:
            self.initial["schema_text"] = json.dumps(self.instance.schema, ensure_ascii=False, indent=2)

    def clean_schema_text(self):
        try:
            schema = json.loads(self.cleaned_data["schema_text"])
        except ValueError as exc:
            raise forms.ValidationError(
                _("設問の JSON を読めません（%(line)s行目付近）。カンマや括弧を確かめてください。") % {"line": getattr(exc, "lineno", "?")}
            ) from exc
        self.instance.schema = schema
        return self.cleaned_data["schema_text"]

    def clean(self):
        data = super().clean()
        raw = (data.get("plan_item_ids") or "").replace("、", ",")
        ids = []
        for part in [p.strip() for p in raw.split(",") if p.strip()]:
            if not part.isdigit() or len(part) > 9:
                self.add_error("plan_item_ids", _("計画の取組 ID は数字をカンマで区切って入力してください。"))
                break
            ids.append(int(part))
        data["plan_item_list"] = ids
        if self.instance.drawn_at and data.get("audience") != Survey.Audience.INVITED:
            self.add_error("audience", _("抽選が済んだアンケートの対象は変えられません。"))
        return data
