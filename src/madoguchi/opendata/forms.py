from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.models import Section
from madoguchi.core.validation import no_my_number

from .models import Dataset, Resource


class DatasetForm(forms.ModelForm):
    tags = forms.CharField(label=_("タグ"), required=False, help_text=_("「,」または「、」区切り（例: 人口,統計）"), validators=[no_my_number])

    class Meta:
        model = Dataset
        fields = ["name", "title", "section", "notes", "theme", "licence", "frequency", "temporal_start", "temporal_end", "spatial", "standard", "is_published"]
        widgets = {"temporal_start": forms.DateInput(attrs={"type": "date"}), "temporal_end": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Section.objects.order_by("name")
        self.fields["section"].queryset = qs.filter(pk__in=sections) if sections is not None else qs
        if self.instance.pk:
            self.fields["tags"].initial = ", ".join(self.instance.tag_names)

    def clean(self):
        data = super().clean()
        start, end = data.get("temporal_start"), data.get("temporal_end")
        if start and end and start > end:
            self.add_error("temporal_end", _("対象期間の終了は、開始より後の日付にしてください。"))
        return data


class ResourceForm(forms.ModelForm):
    class Meta:
        model = Resource
        fields = ["name", "format", "description", "link_url"]


class VersionForm(forms.Form):
    file = forms.FileField(label=_("ファイル"))
    convert = forms.BooleanField(label=_("Shift_JIS などのファイルは UTF-8 に変換して保存する"), required=False, initial=True)
    note = forms.CharField(label=_("変更内容"), max_length=300, required=False, validators=[no_my_number])


class HeldDecisionForm(forms.Form):
    reason = forms.CharField(
        label=_("誤りがあるまま公開する理由"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text=_("例: 原課の台帳のとおりで、次回の更新で直す予定のため。理由は公開ページに表示され、操作は記録されます。"),
        validators=[no_my_number],
    )


class ShelterImportForm(forms.Form):
    file = forms.FileField(
        label=_("避難所一覧の CSV ファイル"),
        help_text=_(
            "自治体標準オープンデータセット「指定緊急避難場所一覧」の見出しの CSV（UTF-8 または Shift_JIS）。1避難所1行、名称で既存の避難所と照合します。"
        ),
    )
