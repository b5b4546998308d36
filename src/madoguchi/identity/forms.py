from django import forms
from django.utils.translation import gettext_lazy as _


class LinkForm(forms.Form):
    """The account's password, asked again before a card identity is linked."""

    password = forms.CharField(label=_("パスワード"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("パスワードが正しくありません。"))
        return password
