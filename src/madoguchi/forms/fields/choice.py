"""Choice field types: select, radio, checkboxes (``choices`` of ``{"value", "label"}``) and
consent (同意)."""

from __future__ import annotations

from madoguchi.core import wording

from .base import EMPTY_DISPLAY, TRUE_VALUES, FieldError, FieldType, get_list, get_value


class ChoiceFieldType(FieldType):
    """Shared by select, radio and checkboxes: ``choices`` of ``{"value", "label"}``."""

    is_choice = True

    def required_message(self, f):
        return f"「{f.label}」を選んでください。"

    def display(self, f, value):
        return f.choice_label(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = []
        choices = spec.get("choices")
        if not isinstance(choices, list) or not choices:
            errors.append(f"{where}: 選択肢（choices）を1つ以上書いてください。")
        else:
            values = []
            for ci, choice in enumerate(choices, start=1):
                if not isinstance(choice, dict) or not str(choice.get("value", "")).strip() or not str(choice.get("label", "")).strip():
                    errors.append(f"{where}: {ci}番目の選択肢に value と label を書いてください。")
                    continue
                values.append(str(choice["value"]))
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                errors.append(f"{where}: 選択肢の value「{'」「'.join(dupes)}」が重複しています。")
        return errors

    def clean(self, f, data, ctx):
        value = get_value(data, f.key)
        if not value:
            return ""
        if value not in {c["value"] for c in f.choices}:
            raise FieldError(f"「{f.label}」は示された選択肢から選んでください。")
        return value


class SelectField(ChoiceFieldType):
    """選択（プルダウン）."""

    label = "選択（プルダウン）"


class RadioField(ChoiceFieldType):
    """選択（ラジオボタン）."""

    label = "選択（ラジオボタン）"

    def anchor(self, f):
        return f"{f.id}-0"


class CheckboxesField(ChoiceFieldType):
    """複数選択（チェックボックス）: a list of values, in choice order."""

    label = "複数選択（チェックボックス）"

    def raw_strings(self, f, data):
        return get_list(data, f.key)

    def clean(self, f, data, ctx):
        values = [v for v in get_list(data, f.key) if v != ""]
        allowed = [c["value"] for c in f.choices]
        if any(v not in allowed for v in values):
            raise FieldError(f"「{f.label}」は示された選択肢から選んでください。")
        values = [v for v in allowed if v in values]  # choice order, no duplicates
        if not values:
            return []
        lo, hi = f.spec.get("min_choices"), f.spec.get("max_choices")
        if lo and len(values) < lo:
            raise FieldError(f"「{f.label}」は{wording.count(lo)}以上選んでください（いまは{wording.count(len(values))}です）。", keep=values)
        if hi and len(values) > hi:
            raise FieldError(
                f"「{f.label}」は{wording.count(hi)}まで選べます（いまは{wording.count(len(values))}です）。選ぶ数を減らしてください。", keep=values
            )
        return values

    def required_message(self, f):
        return f"「{f.label}」を{wording.count(max(1, f.spec.get('min_choices') or 1))}以上選んでください。"

    def as_data(self, f, value):
        return {f.key: [str(v) for v in value] if isinstance(value, list) else [str(value)]}

    def display(self, f, value):
        return "、".join(f.choice_label(v) for v in value) if isinstance(value, list) else str(value)

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = super().schema_errors(spec, where)
        lo, hi = spec.get("min_choices"), spec.get("max_choices")
        for name, v in (("min_choices", lo), ("max_choices", hi)):
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                errors.append(f"{where}: {name} は0以上の整数で書いてください。")
        if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
            errors.append(f"{where}: 最小選択数（min_choices）が最大選択数（max_choices）より大きくなっています。")
        return errors

    def anchor(self, f):
        return f"{f.id}-0"

    def widget_selected(self, f, value):
        return [str(v) for v in value] if isinstance(value, list) else []

    def hint(self, f):
        lo, hi = f.spec.get("min_choices"), f.spec.get("max_choices")
        if lo and hi:
            return f"{wording.count(lo, like=[hi])}以上{wording.count(hi, like=[lo])}まで選べます。"
        if hi:
            return f"{wording.count(hi)}まで選べます。"
        if lo:
            return f"{wording.count(lo)}以上選んでください。"
        return ""


class ConsentField(FieldType):
    """同意: ``true`` when the box is checked."""

    label = "同意"
    searchable = False

    def clean(self, f, data, ctx):
        return True if get_value(data, f.key).strip().lower() in TRUE_VALUES else None

    def required_message(self, f):
        return f"「{f.label}」を確認し、チェックを入れてください。"

    def as_data(self, f, value):
        return {f.key: "on" if value is True else ""}

    def display(self, f, value):
        return "同意する" if value is True else EMPTY_DISPLAY
