"""Forms of reservations. Every error names the field and says what to do."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.validation import no_my_number

from .models import ClosedPeriod, Facility, Group, Lottery, Registration, Unit, Visit


class DateInput(forms.DateInput):
    input_type = "date"


def _date_field(label, required=True, help_text=""):
    return forms.DateField(
        label=label,
        required=required,
        widget=DateInput(format="%Y-%m-%d"),
        help_text=help_text,
        error_messages={"invalid": _("日付は 2027-06-09 の形で入力するか、カレンダーから選んでください。"), "required": _("日付を入力してください。")},
    )


class SearchForm(forms.Form):
    purpose = forms.CharField(label=_("利用目的・キーワード"), required=False, max_length=50, help_text=_("例: ダンス、会議、テニス"))
    area = forms.ChoiceField(label=_("地区"), required=False)
    kind = forms.ChoiceField(label=_("施設の種類"), required=False, choices=[("", _("すべて"))] + list(Facility.Kind.choices))
    date = _date_field(_("利用日"), required=False, help_text=_("空き枠のある部屋だけを表示します"))
    frame = forms.ChoiceField(label=_("時間"), required=False)

    def __init__(self, *args, areas=(), frames=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", _("すべて"))] + [(a, a) for a in areas]
        self.fields["frame"].choices = [("", _("すべて"))] + [(f"{s:%H:%M}", label) for s, label in frames]


class HoldForm(forms.Form):
    date = forms.DateField(error_messages={"invalid": _("利用日の形式が正しくありません。"), "required": _("利用日を選んでください。")})
    start = forms.TimeField(error_messages={"invalid": _("開始時刻の形式が正しくありません。"), "required": _("時間枠を選んでください。")})
    group = forms.IntegerField(required=False)


class ConfirmForm(forms.Form):
    purpose = forms.CharField(
        label=_("利用目的"), max_length=100, validators=[no_my_number], error_messages={"required": _("利用目的を入力してください（例: 会議、ダンス練習）。")}
    )
    attendees = forms.IntegerField(
        label=_("利用人数"),
        min_value=1,
        max_value=10000,
        error_messages={
            "required": _("利用人数を数字で入力してください。"),
            "invalid": _("利用人数は半角数字で入力してください。"),
            "min_value": _("利用人数は1人以上にしてください。"),
        },
    )
    exemption_rule = forms.ChoiceField(
        label=_("減免の申請（該当する場合）"),
        required=False,
        help_text=_("使用料の減額・免除を受けられる場合に選んでください。職員が確認し、結果をメールでお知らせします。承認されるまでは減免前の金額です。"),
    )
    exemption_reason = forms.CharField(
        label=_("減免の申請の補足"),
        required=False,
        max_length=200,
        validators=[no_my_number],
        help_text=_("団体名や活動内容など、確認に必要なことを書いてください。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, groups=(), rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rules = {str(r.pk): r for r in rules}
        self.fields["exemption_rule"].choices = [("", _("申請しない"))] + [
            (str(r.pk), f"{r.name}（{r.percent}％減免{'・' + r.documents if r.documents else ''}）") for r in rules
        ]
        if not rules:
            del self.fields["exemption_rule"]
            self.fields["exemption_reason"].label = _("減免の申請（該当する場合）")
        if groups:
            self.fields["group"] = forms.ChoiceField(
                label=_("利用する名義"),
                required=False,
                choices=[("", _("個人"))] + [(str(g.pk), g.name) for g in groups],
                help_text=_("登録済みの団体として予約すると団体の料金になります"),
            )

    def clean_exemption_rule(self):
        value = self.cleaned_data.get("exemption_rule") or ""
        return self.rules.get(value)

    def clean(self):
        data = super().clean()
        if data.get("exemption_reason") and "exemption_rule" in self.fields and not data.get("exemption_rule"):
            self.add_error("exemption_rule", _("減免を申請する場合は、減免の理由を一覧から選んでください。"))
        return data


class RegistrationForm(forms.ModelForm):
    class Meta:
        model = Registration
        fields = ["is_resident", "phone"]
        labels = {"is_resident": _("みどり野市内に住んでいる、または通勤・通学している"), "phone": _("連絡先電話番号")}
        help_texts = {"phone": _("例: 090-1234-5678")}
        error_messages = {"phone": {"required": _("連絡先電話番号を入力してください（例: 090-1234-5678）。")}}

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = phone.replace("-", "").replace("‐", "")
        if not (digits.isascii() and digits.isdigit()) or not 10 <= len(digits) <= 11:
            raise forms.ValidationError(_("電話番号は10桁か11桁の数字で入力してください（例: 090-1234-5678）。"))
        return phone


class GroupForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name", "representative", "member_count", "resident_share", "activity"]
        help_texts = {"resident_share": _("0〜100 の整数。50％以上で市内団体の料金になります。")}
        error_messages = {
            "name": {"required": _("団体名を入力してください。")},
            "representative": {"required": _("代表者氏名を入力してください。")},
            "member_count": {"required": _("会員数を数字で入力してください。"), "invalid": _("会員数は半角数字で入力してください。")},
            "resident_share": {"required": _("市内の会員の割合を0〜100で入力してください。"), "invalid": _("割合は半角数字で入力してください。")},
        }

    def clean_resident_share(self):
        v = self.cleaned_data["resident_share"]
        if v > 100:
            raise forms.ValidationError(_("割合は0〜100の整数で入力してください。"))
        return v

    def clean_member_count(self):
        v = self.cleaned_data["member_count"]
        if v < 2:
            raise forms.ValidationError(_("団体の会員数は2人以上です。"))
        return v


class VisitForm(forms.Form):
    start = forms.TimeField(label=_("時間"), error_messages={"required": _("時間を選んでください。"), "invalid": _("時間の形式が正しくありません。")})
    mode = forms.ChoiceField(label=_("相談方法"), choices=Visit.Mode.choices, initial=Visit.Mode.IN_PERSON, widget=forms.RadioSelect)
    procedure = forms.CharField(
        label=_("手続き・相談の内容"), required=False, max_length=200, validators=[no_my_number], help_text=_("わかる範囲で書いてください（例: 転入届）")
    )


class CheckInForm(forms.Form):
    code = forms.CharField(label=_("予約番号（QRコードを読み取るか入力）"), max_length=40, error_messages={"required": _("予約番号を入力してください。")})


class ClosedPeriodForm(forms.ModelForm):
    cancel_bookings = forms.BooleanField(
        label=_("この期間の予約を取り消し、利用者にメールで知らせる"),
        required=False,
        help_text=_("取消料はかかりません。チェックしない場合は、重なる予約の件数だけを表示します。"),
    )

    class Meta:
        model = ClosedPeriod
        fields = ["unit", "start", "end", "reason"]
        labels = {"unit": _("対象の部屋・コート")}
        help_texts = {"unit": _("空欄は施設全体")}
        widgets = {"start": DateInput(format="%Y-%m-%d"), "end": DateInput(format="%Y-%m-%d")}
        error_messages = {
            "start": {"required": _("開始日を入力してください。"), "invalid": _("開始日は 2027-06-09 の形で入力してください。")},
            "end": {"required": _("終了日を入力してください。"), "invalid": _("終了日は 2027-06-09 の形で入力してください。")},
            "reason": {"required": _("理由を入力してください（例: 空調設備の点検）。")},
        }

    def __init__(self, *args, facility=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = facility.units.all() if facility is not None else Unit.objects.none()
        self.fields["unit"].queryset = units
        self.fields["unit"].empty_label = _("施設全体")
        self.fields["unit"].error_messages["invalid_choice"] = _("対象の部屋・コートを一覧から選んでください。")

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("終了日は開始日と同じか後の日にしてください。"))
        return data


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _dt_field(label, help_text=""):
    return forms.DateTimeField(
        label=label,
        help_text=help_text,
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={
            "required": _("%(f)sを入力してください。") % {"f": label},
            "invalid": _("%(f)sは 2027-06-01 09:00 の形で入力してください。") % {"f": label},
        },
    )


class LotteryForm(forms.Form):
    """抽選の設定 (staff): the month, the application window, the draw time and the wishes."""

    month = forms.CharField(
        label=_("対象月"),
        help_text=_("例: 2027-08（その月の枠がすべて抽選の対象になります）"),
        widget=forms.TextInput(attrs={"type": "month"}),
        error_messages={"required": _("対象月を 2027-08 の形で入力してください。")},
    )
    opens_at = _dt_field(_("申込開始"))
    closes_at = _dt_field(_("申込締切"))
    draw_at = _dt_field(_("抽選日時"), _("締切より後、対象月より前。この時刻に自動で抽選します。"))
    max_wishes = forms.IntegerField(
        label=_("希望の数（最大）"),
        min_value=1,
        max_value=5,
        initial=3,
        error_messages={"required": _("希望の数を1〜5で入力してください。"), "min_value": _("希望の数は1〜5です。"), "max_value": _("希望の数は1〜5です。")},
    )
    max_wins = forms.IntegerField(
        label=_("1人あたりの当選数（最大）"),
        min_value=1,
        max_value=5,
        initial=1,
        error_messages={"required": _("当選数を1〜5で入力してください。"), "min_value": _("当選数は1〜5です。"), "max_value": _("当選数は1〜5です。")},
    )

    def __init__(self, *args, facility=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.facility = facility

    def clean_month(self):
        value = self.cleaned_data["month"].strip()
        try:
            month = dt.datetime.strptime(value, "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("対象月は 2027-08 の形で入力してください。")) from None
        if month <= timezone.localdate():
            raise forms.ValidationError(_("対象月は来月以降にしてください。"))
        if self.facility is not None and Lottery.objects.filter(facility=self.facility, month=month).exists():
            raise forms.ValidationError(_("この月の抽選はすでに設定されています。"))
        return month

    def clean(self):
        data = super().clean()
        opens, closes, draw, month = data.get("opens_at"), data.get("closes_at"), data.get("draw_at"), data.get("month")
        if opens and closes and opens >= closes:
            self.add_error("closes_at", _("申込締切は申込開始より後にしてください。"))
        if closes and draw and draw < closes:
            self.add_error("draw_at", _("抽選日時は申込締切と同じか後にしてください。"))
        if draw and month and timezone.localtime(draw).date() >= month:
            self.add_error("draw_at", _("抽選日時は対象月の前にしてください。"))
        return data


class ExemptionForm(forms.Form):
    decision = forms.ChoiceField(label=_("判断"), choices=[("approve", _("承認")), ("reject", _("不承認"))], widget=forms.RadioSelect)
    percent = forms.IntegerField(
        label=_("減免率（％）"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("空欄なら減免基準の率"),
        error_messages={"min_value": _("減免率は1〜100の整数で入力してください。"), "max_value": _("減免率は1〜100の整数で入力してください。")},
    )
    note = forms.CharField(label=_("申請者へのお知らせ"), max_length=200, required=False, validators=[no_my_number])


class MeetingUrlForm(forms.Form):
    meeting_url = forms.URLField(label=_("オンライン会議のURL"), max_length=200, error_messages={"invalid": _("https:// から始まるURLを入力してください。")})


def parse_month(year: int, month: int) -> dt.date | None:
    if 2000 <= year <= 2100 and 1 <= month <= 12:
        return dt.date(year, month, 1)
    return None
