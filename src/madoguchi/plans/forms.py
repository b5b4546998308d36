"""Back-office forms. Every error names the field and what to do; Django points each input at
its help and error text (aria-describedby), rendered by core/_field.html."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Municipality, Section

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .examples import import_choices

        # The active city, or a reference municipality (an example): never another city here.
        self.fields["municipality"].queryset = import_choices()


class AcceptImportForm(forms.Form):
    title = forms.CharField(label=_("計画名"), max_length=200, error_messages={"required": _("計画名を入力してください。")})
    kind = forms.ChoiceField(label=_("種別"), choices=Plan.Kind.choices)
    status = forms.ChoiceField(label=_("状態"), choices=Plan.Status.choices)
    start_year = forms.IntegerField(label=_("計画期間（開始年度・西暦）"), min_value=1989, max_value=2100, required=False, help_text=_("例: 2026（令和8年度）"))
    end_year = forms.IntegerField(label=_("計画期間（終了年度・西暦）"), min_value=1989, max_value=2100, required=False, help_text=_("例: 2030（令和12年度）"))
    update_plan = forms.ModelChoiceField(
        label=_("既存の計画を更新"),
        queryset=Plan.objects.none(),
        required=False,
        help_text=_(
            "改訂版や（案）が取れた版を取り込むときは、更新する計画を選びます。同じファイル名または同じ計画名（末尾の（案）は無視）の計画が最初に選ばれています。"
        ),
        error_messages={"invalid_choice": _("更新する計画は一覧から選んでください。新しい計画として保存するときは「新しい計画として保存」を選びます。")},
    )
    acknowledge = forms.BooleanField(
        label=_("読み取れなかった項目を確認しました（保存後に画面から補えます）"),
        required=False,
    )

    def __init__(self, *args, has_problems: bool = False, refusal: str = "", municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_problems = has_problems
        # 「確認しました」 is offered only when the unplaced lines are few and none looks like a
        # heading or an item, and never for a preview full of one-word items.
        self.refusal = refusal
        if refusal:
            del self.fields["acknowledge"]
        self.fields["update_plan"].queryset = (
            Plan.objects.filter(municipality=municipality).order_by("-start_year", "title") if municipality else Plan.objects.none()
        )
        self.fields["update_plan"].empty_label = _("新しい計画として保存")

    def clean(self):
        data = super().clean()
        if data.get("start_year") and data.get("end_year") and data["end_year"] < data["start_year"]:
            self.add_error("end_year", _("終了年度は開始年度と同じか、それより後の年度を入力してください。"))
        if self.refusal:
            raise forms.ValidationError(self.refusal)
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


class ItemEditForm(forms.Form):
    """情報政策課 sets what an import could not: the responsible sections (主管課 first, then
    関係課), the item's texts and its indicators' baseline and target."""

    number = forms.CharField(label=_("番号（記載どおり）"), max_length=40, required=False)
    title = forms.CharField(label=_("取組名"), max_length=300, error_messages={"required": _("取組名を入力してください。")})
    lead_section = forms.ModelChoiceField(
        label=_("主管課"),
        queryset=Section.objects.none(),
        required=False,
        help_text=_("この取組の進捗報告を取りまとめる課を1つ選びます。"),
        error_messages={"invalid_choice": _("主管課は一覧から選んでください。")},
    )
    related_sections = forms.ModelMultipleChoiceField(
        label=_("関係課"),
        queryset=Section.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("主管課と一緒に取り組む課を選びます（複数可）。関係課も進捗報告を作成できます。"),
        error_messages={"invalid_choice": _("関係課は一覧から選んでください。"), "invalid_pk_value": _("関係課は一覧から選んでください。")},
    )
    all_sections = forms.BooleanField(
        label=_("全課（各課）が担当"), required=False, help_text=_("計画に「各課」とある取組です。どの課も見て、進捗報告を作成できます。")
    )
    description = forms.CharField(label=_("取組内容"), widget=forms.Textarea(attrs={"rows": 4}), required=False)
    goal = forms.CharField(label=_("目指す姿・効果"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    current_state = forms.CharField(label=_("現状"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    issues = forms.CharField(label=_("課題"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    process = forms.CharField(label=_("取組プロセス"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    TEXT_FIELDS = ("number", "title", "description", "goal", "current_state", "issues", "process", "all_sections")
    INDICATOR_FIELDS = (("baseline", _("基準値")), ("baseline_year", _("基準年度（西暦）")), ("target", _("目標値")), ("target_year", _("目標年度（西暦）")))

    def __init__(self, *args, item, indicators=(), **kwargs):
        links = list(item.section_links.order_by("-is_lead", "order", "id"))
        initial = {f: getattr(item, f) for f in self.TEXT_FIELDS}
        initial["lead_section"] = links[0].section_id if links else None
        initial["related_sections"] = [link.section_id for link in links[1:]]
        for ind in indicators:
            for name, _label in self.INDICATOR_FIELDS:
                initial[f"ind{ind.pk}_{name}"] = getattr(ind, name)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        sections = Section.objects.filter(municipality=item.plan.municipality, kind=Section.Kind.SECTION).order_by("code", "name")
        self.fields["lead_section"].queryset = sections
        self.fields["lead_section"].empty_label = _("（選ばない）")
        self.fields["related_sections"].queryset = sections
        self.indicator_fields = []
        for ind in indicators:
            names = []
            for name, label in self.INDICATOR_FIELDS:
                field_name = f"ind{ind.pk}_{name}"
                full = _("「%(ind)s」の%(label)s") % {"ind": ind.name, "label": label}
                if name.endswith("_year"):
                    self.fields[field_name] = forms.IntegerField(
                        label=full,
                        required=False,
                        min_value=1989,
                        max_value=2100,
                        error_messages={
                            "invalid": _("%(label)sは西暦の数字で入力してください（例: 2026）。") % {"label": full},
                            "min_value": _("%(label)sは1989〜2100の西暦で入力してください。") % {"label": full},
                            "max_value": _("%(label)sは1989〜2100の西暦で入力してください。") % {"label": full},
                        },
                    )
                else:
                    self.fields[field_name] = forms.DecimalField(
                        label=full,
                        required=False,
                        max_digits=14,
                        decimal_places=2,
                        error_messages={
                            "invalid": _("%(label)sは数値で入力してください（例: 12 または 45.5）。") % {"label": full},
                            "max_digits": _("%(label)sは整数部12桁・小数2桁までで入力してください。") % {"label": full},
                            "max_decimal_places": _("%(label)sは小数2桁までで入力してください。") % {"label": full},
                            "max_whole_digits": _("%(label)sは整数部12桁までで入力してください。") % {"label": full},
                        },
                    )
                names.append(field_name)
            self.indicator_fields.append((ind, names))

    def main_fields(self):
        grouped = {name for _ind, names in self.indicator_fields for name in names}
        return [self[name] for name in self.fields if name not in grouped]

    def indicator_groups(self):
        return [(ind, [self[name] for name in names]) for ind, names in self.indicator_fields]

    def clean(self):
        data = super().clean()
        lead, related = data.get("lead_section"), list(data.get("related_sections") or [])
        if lead is not None and lead in related:
            self.add_error("related_sections", _("主管課（%(name)s）は関係課から外してください。") % {"name": lead.name})
        if related and lead is None:
            self.add_error("lead_section", _("関係課を選ぶときは、主管課も1つ選んでください。"))
        return data

    def indicator_values(self) -> dict:
        """indicator id → {baseline, baseline_year, target, target_year} from cleaned data."""
        return {ind.pk: {name: self.cleaned_data.get(f"ind{ind.pk}_{name}") for name, _label in self.INDICATOR_FIELDS} for ind, _names in self.indicator_fields}
