"""Forms of alerts. Django links help and errors to their inputs (aria-describedby /
aria-invalid); core/_field.html renders the texts those ids point at."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from madoguchi.core.emails import EmailField

from .models import Area, Language, Notice, ProfileFact, Section, Severity, Shelter, Topic


def channel_choices():
    """The subscriber channels, each by its plugin's label (メール, Webプッシュ通知, LINE)."""
    from .channels import subscriber_channels

    return [(name, channel.label) for name, channel in subscriber_channels().items()]


class ManageForm(forms.Form):
    """受け取り設定: what a subscription receives (SubscribeForm adds how it is received)."""

    topics = forms.ModelMultipleChoiceField(
        label=_("分野"), queryset=Topic.objects.none(), widget=forms.CheckboxSelectMultiple, error_messages={"required": _("分野を1つ以上選んでください。")}
    )
    areas = forms.ModelMultipleChoiceField(
        label=_("地域"),
        queryset=Area.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("選ばなければ、市内全域のお知らせが届きます。"),
    )
    language = forms.ChoiceField(label=_("言語"), choices=Language.choices, widget=forms.RadioSelect, initial="ja")
    facts = forms.MultipleChoiceField(
        label=_("対象を絞ったお知らせ（プッシュ型・任意）"),
        choices=ProfileFact.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("当てはまるものを選ぶと、その方向けのお知らせ（例: 乳幼児の予防接種）も届きます。選ばなくても登録できます。"),
    )
    consent = forms.BooleanField(label=_("選んだ属性を、対象を絞ったお知らせの配信だけに使うことに同意します（いつでも取り消せます）。"), required=False)

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = Topic.objects.filter(municipality=municipality, is_active=True)
        self.fields["areas"].queryset = Area.objects.filter(municipality=municipality)

    def clean(self):
        data = super().clean()
        if data.get("facts") and not data.get("consent"):
            self.add_error("consent", _("属性を使うには同意が必要です。同意しない場合は、属性のチェックを外してください。"))
        return data


class SubscribeForm(ManageForm):
    channel = forms.ChoiceField(label=_("受け取り方"), choices=[("email", _("メール")), ("line", _("LINE"))], widget=forms.RadioSelect, initial="email")
    email = EmailField(label=_("メールアドレス"), required=False, help_text=_("メールで受け取る場合に入力してください。確認のメールを送ります。"))
    field_order = ["channel", "email"]

    def clean(self):
        data = super().clean()
        # Not when the address was typed but is not one: that field already says what is wrong.
        if data.get("channel") == "email" and not data.get("email") and "email" not in self.errors:
            self.add_error("email", _("メールで受け取るには、メールアドレスを入力してください。"))
        return data


class ChangeEmailForm(forms.Form):
    """Email channel setting on 受け取り設定: a new address, confirmed from that address."""

    new_email = EmailField(
        label=_("新しいメールアドレス"),
        help_text=_("新しいアドレスに確認のメールを送ります。リンクを開くまでは、今のアドレスに届きます。"),
        error_messages={
            "required": _("新しいメールアドレスを入力してください。"),
            "invalid": _("メールアドレスの形式で入力してください（例: taro@example.jp）。"),
        },
    )


class NoticeForm(forms.ModelForm):
    channels = forms.MultipleChoiceField(
        label=_("配信方法"),
        choices=channel_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("ホームページ・RSS・CAP には常に掲載されます。"),
    )
    target_facts = forms.MultipleChoiceField(
        label=_("プッシュ型配信の対象属性"),
        choices=ProfileFact.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("選ぶと、その属性に同意して登録した人だけに届きます。"),
    )
    links_text = forms.CharField(
        label=_("関連リンク"), required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text=_("1行に1件、「表示名 URL」の形で入力します。")
    )

    class Meta:
        model = Notice
        fields = [
            "section",
            "topic",
            "severity",
            "all_areas",
            "areas",
            "title",
            "body",
            "title_easy",
            "body_easy",
            "title_en",
            "body_en",
            "shelters",
            "effective_from",
            "expires_at",
            "send_at",
        ]
        widgets = {
            "areas": forms.CheckboxSelectMultiple,
            "shelters": forms.CheckboxSelectMultiple,
            "severity": forms.RadioSelect,
            "effective_from": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "expires_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "send_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "body": forms.Textarea(attrs={"rows": 8}),
            "body_easy": forms.Textarea(attrs={"rows": 4}),
            "body_en": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "severity": _("「緊急」「重要」は承認者の承認を経て配信されます。"),
            "send_at": _("空欄なら、承認後すぐに配信します。"),
            "all_areas": _("チェックすると、地域を選んでいない人も含め全員が対象です。"),
        }

    def __init__(self, *args, municipality=None, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = sections if sections is not None else Section.objects.filter(municipality=municipality)
        # Never Django's 「---------」: a prompt in words, or the writer's own section when they
        # write for exactly one.
        self.fields["section"].empty_label = _("発信課を選んでください")
        own = list(self.fields["section"].queryset[:2])
        if not self.instance.pk and len(own) == 1:
            self.initial["section"] = self.initial.get("section") or own[0].pk
            self.fields["section"].empty_label = None
        self.fields["topic"].queryset = Topic.objects.filter(municipality=municipality, is_active=True)
        self.fields["topic"].empty_label = _("分野を指定しない")
        self.fields["areas"].queryset = Area.objects.filter(municipality=municipality)
        self.fields["shelters"].queryset = Shelter.objects.filter(municipality=municipality)
        self.fields["severity"].choices = Severity.choices
        for name in ("effective_from", "expires_at", "send_at"):
            self.fields[name].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        if self.instance.pk:
            self.initial.setdefault("channels", self.instance.channels)
            self.initial.setdefault("target_facts", self.instance.target_facts)
            self.initial.setdefault("links_text", "\n".join(f"{x.get('label', '')} {x.get('url', '')}".strip() for x in self.instance.links or []))
        else:
            self.initial.setdefault("channels", ["email", "webpush", "line"])

    def clean_links_text(self):
        links = []
        for n, line in enumerate(self.cleaned_data.get("links_text", "").splitlines(), 1):
            line = line.strip()
            if not line:
                continue
            label, _sp, url = line.rpartition(" ")
            if not url.startswith(("https://", "http://")):
                raise ValidationError(_("%(n)s行目のURLが読み取れません。「表示名 https://…」の形で入力してください。") % {"n": n})
            links.append({"label": label.strip() or url, "url": url})
        return links

    def save(self, commit=True):
        notice = super().save(commit=False)
        notice.channels = self.cleaned_data.get("channels") or []
        notice.target_facts = self.cleaned_data.get("target_facts") or []
        notice.links = self.cleaned_data.get("links_text") or []
        if commit:
            notice.save()
            self.save_m2m()
        return notice


class CapUploadForm(forms.Form):
    file = forms.FileField(label=_("CAP ファイル（XML）"), help_text=_("CAP 1.2 形式の XML ファイル（1MB まで）。下書きとして取り込みます。"))

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > 1024 * 1024:
            raise ValidationError(_("ファイルが大きすぎます（1MB まで）。"))
        return f


class TopicForm(forms.ModelForm):
    class Meta:
        model = Topic
        fields = ["slug", "name", "name_easy", "name_en", "cap_category", "order", "is_active"]


class AreaForm(forms.ModelForm):
    class Meta:
        model = Area
        fields = ["name", "name_kana", "name_en", "kind", "code", "order"]


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("差し戻しの理由"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}))


class ShelterForm(forms.ModelForm):
    """避難所の編集 (staff): what notices list and what the open data 指定緊急避難場所一覧 /
    指定避難所一覧 publish. The 8 災害種別 are one checkbox group, saved to the model's flags."""

    hazards = forms.MultipleChoiceField(
        label=_("対象とする災害種別"),
        choices=[(field, label) for field, label in Shelter.HAZARDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("指定緊急避難場所は、災害種別ごとに指定されます。指定されている種別をすべて選んでください。"),
    )

    class Meta:
        model = Shelter
        fields = ["name", "address", "area", "latitude", "longitude", "is_evacuation_site", "is_designated_shelter", "capacity"]
        help_texts = {
            "latitude": _("世界測地系の10進数（例: 35.681236）。地図アプリで調べた値をそのまま入力できます。"),
            "longitude": _("世界測地系の10進数（例: 139.767125）"),
            "capacity": _("指定避難所として受け入れられる人数（半角数字）"),
            "is_designated_shelter": _("災害後に避難生活を送る指定避難所を兼ねるとき"),
        }
        error_messages = {
            "name": {"required": _("名称を入力してください。")},
            "latitude": {"invalid": _("緯度は半角の数字で入力してください（例: 35.681236）。")},
            "longitude": {"invalid": _("経度は半角の数字で入力してください（例: 139.767125）。")},
            "capacity": {"invalid": _("想定収容人数は半角の整数で入力してください（例: 300）。")},
        }

    def __init__(self, *args, municipality, **kwargs):
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["area"].queryset = Area.objects.filter(municipality=municipality)
        self.fields["area"].label = _("地域")
        self.fields["capacity"].min_value = 0
        self.fields["capacity"].error_messages["min_value"] = _("想定収容人数は0以上の整数で入力してください。")
        if self.instance.pk and not self.is_bound:
            self.initial["hazards"] = [field for field, _label in Shelter.HAZARDS if getattr(self.instance, field)]
        # Keep the group next to the 指定緊急避難場所 flag it belongs to.
        order = [*self.Meta.fields[:6], "hazards", *self.Meta.fields[6:]]
        self.order_fields(order)

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        same = Shelter.objects.filter(municipality=self.municipality, name=name).exclude(pk=self.instance.pk)
        if same.exists():
            raise ValidationError(_("同じ名称の避難所がすでにあります。別の名称にするか、登録済みの避難所を編集してください。"))
        return name

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and "latitude" not in self.errors and "longitude" not in self.errors:
            self.add_error("longitude" if lon is None else "latitude", _("緯度と経度は両方とも入力してください（片方だけでは地図に表示できません）。"))
        if lat is not None and not 20 <= lat <= 46:
            self.add_error("latitude", _("緯度は日本の範囲（20〜46）で入力してください。経度と入れ替わっていないか確かめてください。"))
        if lon is not None and not 122 <= lon <= 154:
            self.add_error("longitude", _("経度は日本の範囲（122〜154）で入力してください。緯度と入れ替わっていないか確かめてください。"))
        if data.get("is_evacuation_site") and not data.get("hazards"):
            self.add_error("hazards", _("指定緊急避難場所は、対象とする災害種別を1つ以上選んでください。"))
        if not data.get("is_evacuation_site") and data.get("hazards"):
            self.add_error("hazards", _("災害種別は指定緊急避難場所のときだけ選べます。「指定緊急避難場所」にチェックを入れるか、災害種別を外してください。"))
        return data

    def save(self, commit=True):
        chosen = set(self.cleaned_data.get("hazards") or [])
        for field, _label in Shelter.HAZARDS:
            setattr(self.instance, field, field in chosen)
        self.instance.municipality = self.municipality
        return super().save(commit)
