"""The staff inbox filter (絞り込み): a Django form so bad input gets a Japanese message."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model

from madoguchi.core.permissions import scope
from madoguchi.core.wareki import WarekiError, parse_date

from . import fees
from .models import Procedure, Submission


class WarekiDateField(forms.CharField):
    """A date typed as 西暦 or 和暦 (R8.4.1, 令和8年4月1日, 2026-04-01)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            return parse_date(value)
        except WarekiError as exc:
            raise forms.ValidationError(f"「{self.label}」: {exc}") from exc


class InboxFilter(forms.Form):
    q = forms.CharField(label="キーワード", required=False, max_length=100, help_text="受付番号・氏名・申請内容から検索します。")
    procedure = forms.ModelChoiceField(label="手続", queryset=Procedure.objects.none(), required=False, empty_label="すべて")
    status = forms.ChoiceField(label="状態", required=False)
    date_from = WarekiDateField(label="申請日（から）", required=False, help_text="例: 2026-04-01 または R8.4.1")
    date_to = WarekiDateField(label="申請日（まで）", required=False)
    assignee = forms.ChoiceField(label="担当者", required=False)
    corporate_number = forms.CharField(label="法人番号", required=False, max_length=13, help_text="gBizIDで申請した法人の13桁の番号")

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["procedure"].queryset = scope(user, Procedure.objects.all())
        statuses = [c for c in Submission.Status.choices if c[0] != Submission.Status.DRAFT]
        # 支払待ち after 受付済: 事前決済 cases not paid yet (受付済 then lists only what staff can take in)
        self.fields["status"].choices = [("", "すべて"), statuses[0], (fees.AWAITING, fees.AWAITING_LABEL), *statuses[1:]]
        colleagues = get_user_model().objects.filter(staff_roles__section__in=scope(user, Procedure.objects.all()).values("section")).distinct()
        self.fields["assignee"].choices = [("", "すべて"), ("me", "自分"), ("none", "未割当て")] + [(str(u.pk), str(u)) for u in colleagues]

    def clean_corporate_number(self):
        from madoguchi.core.codes import is_valid_corporate_number

        value = (self.cleaned_data.get("corporate_number") or "").strip().replace("-", "")
        if value and not is_valid_corporate_number(value):
            raise forms.ValidationError("法人番号は13桁の数字で入力してください（チェックディジットが合いません）。")
        return value

    def apply_corporate_number(self, qs):
        """gBizID applicants: the inbox and its export narrowed to one 法人番号."""
        if self.is_bound and self.is_valid() and self.cleaned_data.get("corporate_number"):
            return qs.filter(corporate_number=self.cleaned_data["corporate_number"])
        return qs

    def criteria(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {k: data[k] for k in ("q", "procedure", "status", "date_from", "date_to", "assignee") if data.get(k)}
