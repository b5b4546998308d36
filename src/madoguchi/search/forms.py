from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.validation import no_my_number

from .models import Synonym


class SynonymForm(forms.ModelForm):
    class Meta:
        model = Synonym
        fields = ["term", "expansions", "section"]

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sections is not None:
            self.fields["section"].queryset = sections
        self.fields["term"].validators.append(no_my_number)
        self.fields["term"].help_text = _("例: 引っ越し、粗大ゴミ、マイナ")
        self.fields["expansions"].help_text = _("例: 転入届、転出届、転居届（「、」で区切ります）")

    def clean_expansions(self):
        value = self.cleaned_data["expansions"]
        if not [e for e in value.replace(",", "、").split("、") if e.strip()]:
            raise forms.ValidationError(_("言い換えを1つ以上入力してください。"))
        return value
