"""Forms of the facility set-up screens (施設の登録・編集, 部屋・コート, 開館時間, 時間区分, 使用料,
減免基準). Every error names the field and says what to do."""

from __future__ import annotations

import re

import jaconv
from django import forms
from django.utils.translation import gettext_lazy as _

from madoguchi.core.uploads import UploadError

from . import photos
from .models import WEEKDAYS, Counter, ExemptionRule, Facility, FrameDefinition, Unit, UseAgreement, UserCategory


def _h2a(value: str) -> str:
    """Full-width digits, letters and hyphens typed with a Japanese IME → ASCII."""
    value = jaconv.z2h(value or "", kana=False, ascii=True, digit=True)
    return re.sub("[‐‑‒–—―−ー－]", "-", value).strip()


class LabelledErrors:
    """Fills in default error messages that name the field (「定員（人）は0以上…」)."""

    def _name_errors(self):
        for field in self.fields.values():
            label = field.label or ""
            msgs = {
                "required": _("%(label)sを入力してください。") % {"label": label},
                "invalid": _("%(label)sの形式が正しくありません。半角数字などで入力し直してください。") % {"label": label},
                "invalid_choice": _("%(label)sは一覧から選んでください。") % {"label": label},
                "max_length": _("%(label)sは%%(limit_value)d文字以内で入力してください。") % {"label": label},
                "min_value": _("%(label)sは%%(limit_value)s以上にしてください。") % {"label": label},
                "max_value": _("%(label)sは%%(limit_value)s以下にしてください。") % {"label": label},
                "max_digits": _("%(label)sの桁数が多すぎます。") % {"label": label},
                "max_decimal_places": _("%(label)sは小数点以下%%(max)s桁までにしてください。") % {"label": label},
                "max_whole_digits": _("%(label)sの整数部分の桁数が多すぎます。") % {"label": label},
            }
            if isinstance(field, forms.TimeField):
                msgs["invalid"] = _("%(label)sは 09:00 の形で入力してください。") % {"label": label}
            if isinstance(field, forms.URLField):
                msgs["invalid"] = _("%(label)sは https:// から始まるURLを入力してください。") % {"label": label}
            if isinstance(field, forms.IntegerField | forms.DecimalField) and not isinstance(field, forms.TypedChoiceField):
                msgs["invalid"] = _("%(label)sは半角数字で入力してください。") % {"label": label}
            if isinstance(field, forms.ChoiceField):
                msgs["required"] = _("%(label)sを選んでください。") % {"label": label}
            for key, text in msgs.items():
                if key in field.error_messages or key in ("required", "invalid"):
                    field.error_messages[key] = text
            # validators (MaxLengthValidator, MinValueValidator …) carry their own messages
            for v in field.validators:
                code = getattr(v, "code", "")
                if code in msgs and hasattr(v, "message"):
                    v.message = msgs[code]


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%H:%M")


KANA_RE = re.compile(r"^[ァ-ヶー・ヽヾ 　0-9A-Za-z]*$")


class FacilityForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = Facility
        fields = [
            "section", "code", "name", "name_kana", "name_en", "kind", "purposes", "area",
            "postal_code", "address", "latitude", "longitude", "phone", "url", "hours_note",
            "description", "accessibility", "photo", "photo_url", "photo_alt",
            "booking_window_days", "booking_min_days", "max_bookings_per_month", "max_frames_per_day",
            "cancel_deadline_days", "cancel_fee_percent", "pay_deadline_days", "lottery_pay_days",
            "closes_on_holidays", "closes_year_end", "is_public",
        ]  # fmt: skip
        labels = {"description": _("説明（定員・設備など）"), "is_public": _("住民向けに公開する")}
        help_texts = {
            "name_kana": _("カタカナで入力してください（ひらがな・半角カナは自動でカタカナにします）。オープンデータ「公共施設一覧」の名称_カナになります。"),
            "postal_code": _("例: 190-0001"),
            "latitude": _("世界測地系の10進数（例: 35.699738）。地図のリンクと公共施設一覧に使います。"),
            "longitude": _("世界測地系の10進数（例: 139.413528）"),
            "phone": _("例: 042-000-0000"),
            "hours_note": _("例: 毎週月曜日・年末年始は休館"),
            "booking_window_days": _("利用日の何日前から予約を受け付けるか（例: 31）"),
            "cancel_fee_percent": _("0 は取消料なし、100 は全額"),
            "is_public": _("チェックを外すと住民の画面に表示されず、予約もできません。"),
            "photo": _("JPEG・PNG・WebP、10MBまで。撮影場所などの情報は取り除き、長辺1600ピクセルに縮小して公開します。"),
            "photo_url": _("写真をアップロードしない場合に、市のサイトにある写真のURLを入力できます。"),
            "photo_alt": _("写真に何が写っているか（例: 板張りの大ホール。ステージと可動席）。画面の読み上げで伝えます。"),
        }
        widgets = {
            # A plain file input: the current photo is shown beside it, not as a storage link.
            "photo": forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "accessibility": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sections is not None:
            self.fields["section"].queryset = sections
        self.fields["section"].empty_label = None if sections is not None and len(sections) == 1 else "---------"
        self._name_errors()
        self.fields["section"].error_messages["invalid_choice"] = _("所管課は、あなたが管理者である課から選んでください。")

    remove_photo = forms.BooleanField(label=_("今の写真を削除する"), required=False)

    def clean_photo(self):
        """The new photo re-encoded, or None: no change (the model field's own convention)."""
        uploaded = self.files.get(self.add_prefix("photo"))
        if uploaded is None:
            return None
        try:
            return photos.prepare(uploaded, label=str(self.fields["photo"].label))
        except UploadError as exc:
            raise forms.ValidationError(str(exc)) from None

    def save(self, commit=True):
        old = Facility.objects.filter(pk=self.instance.pk).values_list("photo", flat=True).first() if self.instance.pk else ""
        facility = super().save(commit)
        if old and old != facility.photo.name:
            photos.delete_later(old)
        return facility

    FIELDSETS = [
        (
            _("基本情報（公共施設一覧に載る項目）"),
            [
                "section",
                "code",
                "name",
                "name_kana",
                "name_en",
                "kind",
                "purposes",
                "area",
                "postal_code",
                "address",
                "latitude",
                "longitude",
                "phone",
                "url",
                "hours_note",
            ],
        ),
        (_("施設の説明・バリアフリー・写真"), ["description", "accessibility", "photo", "remove_photo", "photo_url", "photo_alt"]),
        (
            _("予約のルール（受付期間・上限・取消）"),
            [
                "booking_window_days",
                "booking_min_days",
                "max_bookings_per_month",
                "max_frames_per_day",
                "cancel_deadline_days",
                "cancel_fee_percent",
                "pay_deadline_days",
                "lottery_pay_days",
            ],
        ),
        (_("休館日・公開"), ["closes_on_holidays", "closes_year_end", "is_public"]),
    ]

    def fieldsets(self):
        return [(legend, [self[n] for n in names]) for legend, names in self.FIELDSETS]

    def clean_name_kana(self):
        value = (self.cleaned_data.get("name_kana") or "").strip()
        value = jaconv.h2z(value, kana=True, ascii=False, digit=False)
        value = jaconv.hira2kata(value)
        value = jaconv.z2h(value, kana=False, ascii=True, digit=True)
        value = re.sub(r"\s+", " ", value)
        if not KANA_RE.match(value):
            raise forms.ValidationError(_("名称（カナ）はカタカナで入力してください（漢字は使えません）。"))
        return value

    def clean_code(self):
        value = _h2a(self.cleaned_data.get("code") or "")
        if not re.fullmatch(r"[0-9A-Za-z_-]+", value):
            raise forms.ValidationError(_("施設IDは半角英数字とハイフンで入力してください（例: F001）。"))
        return value

    def clean_postal_code(self):
        value = _h2a(self.cleaned_data.get("postal_code") or "")
        if not value:
            return ""
        digits = value.replace("-", "")
        if not re.fullmatch(r"\d{7}", digits):
            raise forms.ValidationError(_("郵便番号は7桁の数字で入力してください（例: 190-0001）。"))
        return f"{digits[:3]}-{digits[3:]}"

    def clean_phone(self):
        value = _h2a(self.cleaned_data.get("phone") or "")
        if value and not re.fullmatch(r"0\d{1,4}-?\d{1,4}-?\d{3,4}", value):
            raise forms.ValidationError(_("電話番号は 0 から始まる数字とハイフンで入力してください（例: 042-000-0000）。"))
        return value

    def clean_latitude(self):
        value = self.cleaned_data.get("latitude")
        if value is not None and not (20 <= value <= 46):
            raise forms.ValidationError(_("緯度は日本国内の値（20〜46）を10進数で入力してください（例: 35.699738）。"))
        return value

    def clean_longitude(self):
        value = self.cleaned_data.get("longitude")
        if value is not None and not (122 <= value <= 154):
            raise forms.ValidationError(_("経度は日本国内の値（122〜154）を10進数で入力してください（例: 139.413528）。"))
        return value

    def clean_cancel_fee_percent(self):
        value = self.cleaned_data.get("cancel_fee_percent")
        if value is not None and value > 100:
            raise forms.ValidationError(_("期限後の取消料（使用料の％）は0〜100で入力してください。"))
        return value

    def clean_booking_window_days(self):
        value = self.cleaned_data.get("booking_window_days")
        if value is not None and not (1 <= value <= 731):
            raise forms.ValidationError(_("予約受付（何日先まで）は1〜731日で入力してください。"))
        return value

    def clean_max_frames_per_day(self):
        value = self.cleaned_data.get("max_frames_per_day")
        if value is not None and value < 1:
            raise forms.ValidationError(_("1日の予約上限（枠）は1以上にしてください。"))
        return value

    def clean_max_bookings_per_month(self):
        value = self.cleaned_data.get("max_bookings_per_month")
        if value is not None and value < 1:
            raise forms.ValidationError(_("1か月の予約上限（件）は1以上にしてください。"))
        return value

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None) and "latitude" not in self.errors and "longitude" not in self.errors:
            self.add_error("longitude" if lon is None else "latitude", _("緯度と経度は両方入力するか、両方空欄にしてください。"))
        window, minimum = data.get("booking_window_days"), data.get("booking_min_days")
        if window is not None and minimum is not None and minimum >= window:
            self.add_error("booking_min_days", _("予約受付（何日前まで）は、予約受付（何日先まで）より小さい日数にしてください。"))
        if data.get("remove_photo") and not data.get("photo"):
            data["photo"] = False  # False clears the model field
        has_photo = data.get("photo") or (self.instance.photo and data.get("photo") is None) or data.get("photo_url")
        if has_photo and not (data.get("photo_alt") or "").strip() and "photo" not in self.errors:
            self.add_error("photo_alt", _("写真の説明（代替テキスト）を入力してください。目の不自由な方には、この説明が読み上げられます。"))
        confirm_days, pay_days = data.get("pay_deadline_days"), data.get("lottery_pay_days")
        if confirm_days is not None and pay_days is not None and pay_days < confirm_days:
            self.add_error("lottery_pay_days", _("抽選当選後の支払期限（日）は、本予約期限（日）と同じか長い日数にしてください。"))
        return data

    def _post_clean(self):
        super()._post_clean()
        # the (municipality, code) constraint: municipality is set by the view before saving
        inst = self.instance
        code = self.cleaned_data.get("code")
        section = self.cleaned_data.get("section")
        if code and section is not None:
            clash = Facility.objects.filter(municipality_id=section.municipality_id, code=code).exclude(pk=inst.pk)
            if clash.exists():
                self.add_error("code", _("施設ID「%(code)s」は別の施設で使われています。別のIDにしてください。") % {"code": code})


class UnitForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["name", "capacity", "equipment", "frame_mode", "order", "is_active", "payment_timing", "prepay_hours"]
        labels = {"order": _("表示順"), "is_active": _("予約を受け付ける")}
        help_texts = {
            "equipment": _("例: プロジェクター、ホワイトボード、ピアノ"),
            "frame_mode": _("区分は「時間区分」で決めた午前・午後・夜間などの枠、1時間単位は開館時間内の1時間ごとの枠です。"),
            "order": _("小さい順に表示します"),
            "is_active": _("チェックを外すと、この部屋・コートの新しい予約を受け付けません（既存の予約はそのままです）。"),
        }
        widgets = {"frame_mode": forms.RadioSelect, "payment_timing": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._name_errors()
        # 支払い方 keeps its current value (窓口払い, 24 時間 for a new unit) when not posted
        self.fields["payment_timing"].required = self.fields["prepay_hours"].required = False

    def clean_payment_timing(self):
        return self.cleaned_data.get("payment_timing") or self.instance.payment_timing or Unit.PaymentTiming.COUNTER

    def clean_prepay_hours(self):
        hours = self.cleaned_data.get("prepay_hours")
        return self.instance.prepay_hours if hours is None else hours


class _WeekdayHoursForm(LabelledErrors, forms.Form):
    """One weekday's row of hours: closed, or opens–closes. Subclasses name the three fields
    (labels); the messages are built from them."""

    closed = forms.BooleanField(required=False)
    opens = forms.TimeField(required=False, widget=TimeInput())
    closes = forms.TimeField(required=False, widget=TimeInput())
    labels: tuple = ()

    def __init__(self, *args, weekday: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.weekday = weekday
        self.day_label = f"{WEEKDAYS[weekday]}曜日"
        for name, label in zip(("closed", "opens", "closes"), self.labels, strict=True):
            self.fields[name].label = f"{self.day_label}の{label}"
        self._name_errors()

    def clean(self):
        data = super().clean()
        if data.get("closed"):
            return data
        closed, opens_label, closes_label = self.labels
        words = {"day": self.day_label, "closed": closed, "opens": opens_label, "closes": closes_label}
        opens, closes = data.get("opens"), data.get("closes")
        if "opens" not in self.errors and not opens:
            self.add_error("opens", _("%(day)sの%(opens)s時刻を入力するか、%(closed)sにチェックしてください。") % words)
        if "closes" not in self.errors and not closes:
            self.add_error("closes", _("%(day)sの%(closes)s時刻を入力するか、%(closed)sにチェックしてください。") % words)
        if opens and closes and opens >= closes:
            self.add_error("closes", _("%(day)sの%(closes)s時刻は%(opens)s時刻より後にしてください。") % words)
        return data


class OpeningDayForm(_WeekdayHoursForm):
    """One weekday's row of a facility: closed (定休日) or opens–closes."""

    labels = (_("休館"), _("開館"), _("閉館"))


class FrameForm(LabelledErrors, forms.ModelForm):
    """A fixed time frame (午前 9:00–12:00). Leave all blank to add nothing."""

    delete = forms.BooleanField(label=_("削除"), required=False)

    class Meta:
        model = FrameDefinition
        fields = ["label", "start", "end"]
        widgets = {"start": TimeInput(), "end": TimeInput()}

    def __init__(self, *args, row: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.row = row
        self.row_label = self.instance.label if self.instance.pk else _("追加%(n)s") % {"n": row}
        for name in ("label", "start", "end", "delete"):
            self.fields[name].label = f"{self.row_label}の{self.fields[name].label}"
            self.fields[name].required = False
        self._name_errors()

    @property
    def is_blank(self) -> bool:
        return not self.instance.pk and not any(self.data.get(self.add_prefix(n), "").strip() for n in ("label", "start", "end"))

    def clean(self):
        data = super().clean()
        if data.get("delete") or self.is_blank:
            return data
        for name, msg in (
            ("label", _("%(row)sの区分名を入力してください（例: 午前）。")),
            ("start", _("%(row)sの開始時刻を入力してください。")),
            ("end", _("%(row)sの終了時刻を入力してください。")),
        ):
            if name not in self.errors and not data.get(name):
                self.add_error(name, msg % {"row": self.row_label})
        if data.get("start") and data.get("end") and data["start"] >= data["end"]:
            self.add_error("end", _("%(row)sの終了時刻は開始時刻より後にしてください。") % {"row": self.row_label})
        return data

    def validate_unique(self):  # the view checks overlaps and duplicates across rows
        pass

    def _post_clean(self):
        if self.is_blank or self.cleaned_data.get("delete"):
            return
        super()._post_clean()


class FeeTableForm(forms.Form):
    """One amount per unit and user category; blank = no fee set (無料)."""

    def __init__(self, *args, units=(), fees=None, **kwargs):
        super().__init__(*args, **kwargs)
        fees = fees or {}
        self.rows = []
        for unit in units:
            cells = []
            for cat, cat_label in UserCategory.choices:
                name = f"fee_{unit.pk}_{cat}"
                label = f"{unit.name}・{cat_label}の使用料（円）"
                self.fields[name] = forms.IntegerField(
                    label=label,
                    required=False,
                    min_value=0,
                    max_value=10_000_000,
                    initial=fees.get((unit.pk, cat)),
                    # a text input: a browser's number input drops full-width digits typed with
                    # an IME and would send "" (= delete the fee) instead of showing an error
                    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "size": "9"}),
                    error_messages={
                        "invalid": _("%(label)sは半角数字で入力してください（空欄は無料）。") % {"label": label},
                        "min_value": _("%(label)sは0以上にしてください。") % {"label": label},
                        "max_value": _("%(label)sは10,000,000円以下にしてください。") % {"label": label},
                    },
                )
                cells.append((cat, name))
            self.rows.append((unit, cells))

    def bound_rows(self):
        return [(unit, [self[name] for _cat, name in cells]) for unit, cells in self.rows]

    def full_clean(self):
        # accept full-width digits typed with a Japanese IME
        if self.is_bound:
            data = self.data.copy()
            for key in list(data.keys()):
                if key.startswith("fee_"):
                    data[key] = _h2a(data.get(key, "")).replace(",", "")
            self.data = data
        super().full_clean()


class ExemptionRuleForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = ExemptionRule
        fields = ["name", "percent", "documents", "order", "is_active"]
        labels = {"order": _("表示順"), "is_active": _("有効（住民が申請できる）")}
        help_texts = {
            "name": _("条例・規則の減免事由（例: 市内の子ども会・高齢者クラブの活動）"),
            "documents": _("例: 団体の会員名簿、活動計画書"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._name_errors()

    def clean_percent(self):
        value = self.cleaned_data.get("percent")
        if value is not None and not (1 <= value <= 100):
            raise forms.ValidationError(_("減免率（％）は1〜100で入力してください（100は全額免除）。"))
        return value


SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class CounterForm(LabelledErrors, forms.ModelForm):
    """窓口・相談の登録・編集 (来庁予約 and 相談予約)."""

    class Meta:
        model = Counter
        fields = [
            "section", "kind", "name", "slug", "procedures", "location", "slot_minutes", "capacity",
            "booking_window_days", "service_minutes", "allows_online", "meeting_url", "is_public",
        ]  # fmt: skip
        labels = {"slug": _("URL用の名前"), "is_public": _("住民向けに公開する")}
        help_texts = {
            "slug": _("半角英小文字・数字・ハイフン（例: tennyu-tenshutsu）。予約ページのURLになります。"),
            "procedures": _("例: 転入届、転出届、マイナンバーカードの住所変更"),
            "slot_minutes": _("5〜240分。受付時間をこの長さで区切って予約枠にします。"),
            "capacity": _("1つの予約枠で受け付ける人数"),
            "booking_window_days": _("今日から何日先まで予約を受け付けるか（1〜365）"),
            "service_minutes": _("整理券の待ち時間の目安に使います。"),
            "meeting_url": _("オンライン相談の予約に最初から付けるURL（https://）。予約ごとに日の一覧で変えられます。"),
            "is_public": _("チェックを外すと住民の画面に表示されず、予約もできません。"),
        }
        widgets = {"procedures": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, sections=None, **kwargs):
        super().__init__(*args, **kwargs)
        if sections is not None:
            self.fields["section"].queryset = sections
        self.fields["section"].empty_label = None if sections is not None and len(sections) == 1 else "---------"
        self._name_errors()
        self.fields["section"].error_messages["invalid_choice"] = _("担当課は、あなたが管理者である課から選んでください。")
        self.fields["slug"].validators = []  # clean_slug checks, after turning full-width into ASCII

    def clean_slug(self):
        slug = _h2a(self.cleaned_data.get("slug", "")).lower()
        if not SLUG_RE.match(slug):
            raise forms.ValidationError(_("URL用の名前は半角英小文字・数字・ハイフンで入力してください（例: tennyu-tenshutsu）。"))
        return slug

    def _range(self, name, low, high):
        value = self.cleaned_data.get(name)
        if value is not None and not low <= value <= high:
            label = self.fields[name].label
            raise forms.ValidationError(_("%(label)sは%(low)s〜%(high)sの数で入力してください。") % {"label": label, "low": low, "high": high})
        return value

    def clean_slot_minutes(self):
        return self._range("slot_minutes", 5, 240)

    def clean_capacity(self):
        return self._range("capacity", 1, 100)

    def clean_booking_window_days(self):
        return self._range("booking_window_days", 1, 365)

    def clean_service_minutes(self):
        return self._range("service_minutes", 1, 240)

    def clean_meeting_url(self):
        url = (self.cleaned_data.get("meeting_url") or "").strip()
        if url and not url.startswith("https://"):
            raise forms.ValidationError(_("オンライン相談の会議URLは https:// から始まるURLを入力してください。"))
        return url

    def clean(self):
        data = super().clean()
        if data.get("meeting_url") and not data.get("allows_online"):
            self.add_error("allows_online", _("会議URLを設定するときは「オンライン相談可」にチェックしてください（不要なら会議URLを空欄に）。"))
        section, slug = data.get("section"), data.get("slug")
        if section and slug:
            clash = Counter.objects.filter(municipality=section.municipality_id, slug=slug).exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("slug", _("URL用の名前「%(slug)s」はほかの窓口が使っています。別の名前にしてください。") % {"slug": slug})
        return data


class CounterDayForm(_WeekdayHoursForm):
    """One weekday's 受付時間 of a counter: none (受付なし) or opens–closes, long enough for a slot."""

    labels = (_("受付なし"), _("受付開始"), _("受付終了"))

    def __init__(self, *args, slot_minutes: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.slot_minutes = slot_minutes

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens"), data.get("closes")
        if data.get("closed") or not (opens and closes) or opens >= closes or not self.slot_minutes:
            return data
        if (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute) < self.slot_minutes:
            self.add_error(
                "closes",
                _("%(day)sの受付時間が1枠の長さ（%(m)s分）より短いため、予約枠ができません。受付終了時刻を遅くしてください。")
                % {"day": self.day_label, "m": self.slot_minutes},
            )
        return data
        opens, closes = data.get("opens"), data.get("closes")
        if "opens" not in self.errors and not opens:
            self.add_error("opens", _("%(day)sの受付開始時刻を入力するか、受付なしにチェックしてください。") % {"day": self.day_label})
        if "closes" not in self.errors and not closes:
            self.add_error("closes", _("%(day)sの受付終了時刻を入力するか、受付なしにチェックしてください。") % {"day": self.day_label})
        if opens and closes:
            minutes = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
            if minutes <= 0:
                self.add_error("closes", _("%(day)sの受付終了時刻は受付開始時刻より後にしてください。") % {"day": self.day_label})
            elif self.slot_minutes and minutes < self.slot_minutes:
                self.add_error(
                    "closes",
                    _("%(day)sの受付時間が1枠の長さ（%(m)s分）より短いため、予約枠ができません。受付終了時刻を遅くしてください。")
                    % {"day": self.day_label, "m": self.slot_minutes},
                )
        return data


class UseAgreementForm(LabelledErrors, forms.ModelForm):
    """相互利用協定: which partner city's registered residents book here, at which fee category.
    The partner is any other city of this deployment (共同運営); the facility's city is the
    staff member's own and is never chosen."""

    class Meta:
        model = UseAgreement
        fields = ["partner", "partner_residents_category", "active", "note"]
        labels = {"active": _("有効（協定先の住民が登録なしで予約できる）")}
        help_texts = {
            "partner_residents_category": _("協定先で利用者登録（市内在住・在勤）をしている住民に適用する料金区分"),
            "note": _("例: 令和8年4月1日締結の相互利用協定による"),
        }

    def __init__(self, *args, municipality=None, **kwargs):
        super().__init__(*args, **kwargs)
        from madoguchi.core.models import Municipality

        self.fields["partner"].queryset = Municipality.objects.exclude(pk=getattr(municipality, "pk", None)).order_by("code")
        self.fields["partner"].empty_label = _("協定先の自治体を選んでください")
        self.fields["partner"].error_messages["required"] = _("協定先の自治体を選んでください。")
        self._municipality = municipality

    def clean_partner(self):
        partner = self.cleaned_data["partner"]
        taken = UseAgreement.objects.filter(municipality=self._municipality, partner=partner).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(_("%(city)sとの協定はすでに登録されています。一覧からその協定を開いて変更してください。") % {"city": partner.name})
        return partner
