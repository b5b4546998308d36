"""Back-office forms. Every error names the field and what to do; Django points each input at
its help and error text (aria-describedby), rendered by core/_field.html."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality

from . import metrics
from .models import Plan


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("計画のファイル"),
        help_text=_("Excel（.xlsx）、CSV・TSV（UTF-8 または Shift_JIS）、PDFから変換したテキスト（.txt）を選んでください。10MBまで。"),
        error_messages={"required": _("計画のファイルを選んでください。")},
    )
    municipality = forms.ModelChoiceField(
        label=_("自治体"),
        queryset=Municipality.objects.all(),
        help_text=_("他の自治体の計画を参考として取り込む場合は、その自治体を選びます。"),
        error_messages={"required": _("自治体を選んでください。"), "invalid_choice": _("自治体は一覧から選んでください。")},
    )


class AcceptImportForm(forms.Form):
    title = forms.CharField(label=_("計画名"), max_length=200, error_messages={"required": _("計画名を入力してください。")})
    kind = forms.ChoiceField(label=_("種別"), choices=Plan.Kind.choices)
    status = forms.ChoiceField(label=_("状態"), choices=Plan.Status.choices)
    start_year = forms.IntegerField(label=_("計画期間（開始年度・西暦）"), min_value=1989, max_value=2100, required=False, help_text=_("例: 2026（令和8年度）"))
    end_year = forms.IntegerField(label=_("計画期間（終了年度・西暦）"), min_value=1989, max_value=2100, required=False, help_text=_("例: 2030（令和12年度）"))
    acknowledge = forms.BooleanField(
        label=_("読み取れなかった項目を確認しました（保存後に画面から補えます）"),
        required=False,
    )

    def __init__(self, *args, has_problems: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_problems = has_problems

    def clean(self):
        data = super().clean()
        if data.get("start_year") and data.get("end_year") and data["end_year"] < data["start_year"]:
            self.add_error("end_year", _("終了年度は開始年度と同じか、それより後の年度を入力してください。"))
        if self.has_problems and not data.get("acknowledge"):
            self.add_error("acknowledge", _("読み取れなかった項目の一覧を確認し、チェックを入れてから保存してください。"))
        return data


class ReportForm(forms.Form):
    rating = forms.ChoiceField(label=_("達成状況"), required=False)
    direction = forms.ChoiceField(label=_("今後の方向性"), required=False)
    done = forms.CharField(label=_("実施内容"), widget=forms.Textarea(attrs={"rows": 5}), required=False, help_text=_("この年度に行ったことを書いてください。"))
    problems = forms.CharField(label=_("課題"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    next_plan = forms.CharField(label=_("次年度の予定"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    handover = forms.CharField(label=_("次期計画への引継ぎ"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, plan: Plan, indicators=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rating"].choices = [("", "選択してください")] + [(r["code"], r["label"]) for r in plan.rating_scale]
        self.fields["direction"].choices = [("", "選択してください")] + [(r["code"], r["label"]) for r in plan.direction_scale]
        self.indicator_fields = []
        for ind in indicators:
            name = f"indicator_{ind.pk}"
            label = f"{ind.get_kind_display()}: {ind.name}" + (f"（{ind.unit}）" if ind.unit else "")
            self.fields[name] = forms.DecimalField(
                label=label,
                required=False,
                max_digits=14,
                decimal_places=2,
                disabled=bool(ind.metric),
                help_text=_("プラットフォームの数値から自動で入ります。") if ind.metric else _("数値だけを入力してください（例: 12 または 45.5）。"),
                error_messages={"invalid": _("「%(label)s」は数値で入力してください（例: 12 または 45.5）。") % {"label": ind.name}},
            )
            self.indicator_fields.append((name, ind))


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(label=_("確認結果"), choices=[("accept", _("確認済にする")), ("return", _("差し戻す"))], widget=forms.RadioSelect)
    review_comment = forms.CharField(
        label=_("コメント"), widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text=_("差し戻すときは、直してほしい点を書いてください。")
    )

    def __init__(self, *args, reopen: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if reopen:  # an accepted report can only be returned (差戻し), with a reason
            self.fields["decision"].choices = [("return", _("差し戻す（確認済を取り消して担当課に直してもらう）"))]
            self.fields["decision"].initial = "return"
            self.fields["review_comment"].help_text = _("確認済の報告を差し戻す理由（直してほしい点）を書いてください。必須です。")
        self.fields["decision"].error_messages = {
            "required": _("確認結果を選んでください。"),
            "invalid_choice": _("確認結果は表示されている選択肢から選んでください。"),
        }

    def clean(self):
        data = super().clean()
        if data.get("decision") == "return" and not (data.get("review_comment") or "").strip():
            self.add_error("review_comment", _("差し戻す理由（直してほしい点）を入力してください。"))
        return data


class BindIndicatorForm(forms.Form):
    metric = forms.ChoiceField(label=_("連動するプラットフォームの数値"), choices=metrics.choices, required=False)
    target = forms.DecimalField(
        label=_("目標値"), required=False, max_digits=14, decimal_places=2, error_messages={"invalid": _("目標値は数値で入力してください。")}
    )
    unit = forms.CharField(label=_("単位"), required=False, max_length=20)


def _scale_text(scale) -> str:
    return "\n".join(f"{r['code']}:{r['label']}" for r in scale)


def _parse_scale(text: str, field: str):
    scale = []
    for n, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        code, sep, label = line.partition(":")
        if not sep:
            code, sep, label = line.partition("：")
        if not sep or not code.strip() or not label.strip():
            raise forms.ValidationError(_("%(field)sの%(n)s行目は「コード:表示名」（例: achieved:達成）の形で入力してください。") % {"field": field, "n": n})
        scale.append({"code": code.strip()[:30], "label": label.strip()[:40]})
    if len(scale) < 2:
        raise forms.ValidationError(_("%(field)sは2つ以上入力してください。") % {"field": field})
    if len({r["code"] for r in scale}) != len(scale):
        raise forms.ValidationError(_("%(field)sのコードが重複しています。") % {"field": field})
    return scale


class PlanSettingsForm(forms.Form):
    title = forms.CharField(label=_("計画名"), max_length=200, error_messages={"required": _("計画名を入力してください。")})
    kind = forms.ChoiceField(label=_("種別"), choices=Plan.Kind.choices)
    status = forms.ChoiceField(label=_("状態"), choices=Plan.Status.choices)
    start_year = forms.IntegerField(
        label=_("計画期間（開始年度・西暦）"),
        min_value=1989,
        max_value=2100,
        required=False,
        error_messages={"invalid": _("開始年度は西暦の数字で入力してください（例: 2026）。")},
    )
    end_year = forms.IntegerField(
        label=_("計画期間（終了年度・西暦）"),
        min_value=1989,
        max_value=2100,
        required=False,
        error_messages={"invalid": _("終了年度は西暦の数字で入力してください（例: 2030）。")},
    )
    predecessor = forms.ModelChoiceField(label=_("前計画"), queryset=Plan.objects.none(), required=False)
    is_public = forms.BooleanField(label=_("市民に公開する"), required=False)
    rating_scale = forms.CharField(
        label=_("達成状況の区分"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("1行に1つ「コード:表示名」（例: achieved:達成）。")
    )
    direction_scale = forms.CharField(
        label=_("方向性の区分"), widget=forms.Textarea(attrs={"rows": 5}), help_text=_("1行に1つ「コード:表示名」（例: continue:継続）。")
    )
    report_due_month = forms.IntegerField(
        label=_("進捗報告の期限（翌年度の月）"), min_value=1, max_value=12, error_messages={"invalid": _("月は1〜12の数字で入力してください。")}
    )
    report_due_day = forms.IntegerField(
        label=_("進捗報告の期限（日）"), min_value=1, max_value=31, error_messages={"invalid": _("日は1〜31の数字で入力してください。")}
    )

    def __init__(self, *args, plan: Plan, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "title": plan.title,
                "kind": plan.kind,
                "status": plan.status,
                "start_year": plan.start_year,
                "end_year": plan.end_year,
                "predecessor": plan.predecessor_id,
                "is_public": plan.is_public,
                "rating_scale": _scale_text(plan.rating_scale),
                "direction_scale": _scale_text(plan.direction_scale),
                "report_due_month": plan.report_due_month,
                "report_due_day": plan.report_due_day,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["predecessor"].queryset = Plan.objects.filter(municipality=plan.municipality).exclude(pk=plan.pk)

    def clean_rating_scale(self):
        return _parse_scale(self.cleaned_data["rating_scale"], "達成状況の区分")

    def clean_direction_scale(self):
        return _parse_scale(self.cleaned_data["direction_scale"], "方向性の区分")

    def clean(self):
        data = super().clean()
        if data.get("start_year") and data.get("end_year") and data["end_year"] < data["start_year"]:
            self.add_error("end_year", _("終了年度は開始年度と同じか、それより後の年度を入力してください。"))
        return data


class ItemPredecessorForm(forms.Form):
    predecessor = forms.ModelChoiceField(
        label=_("前計画の取組"), queryset=None, required=False, help_text=_("この取組が引き継いでいる前計画の取組を選びます。")
    )

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        from .models import Item

        pred = item.plan.predecessor
        self.fields["predecessor"].queryset = Item.objects.filter(plan=pred).order_by("order") if pred else Item.objects.none()
