"""Survey question types (アンケートの設問の型) for the one form engine (``forms``), registered on
``core.registry.field_types`` from here (found by module name). The engine's own types cover the
rest of a survey: single choice = ``radio``, multiple choice "up to N" = ``checkboxes`` with
``max_choices``, free text = ``textarea``; branching = ``show_if``.

- ``likert`` (5段階評価など): ``choices`` ordered from the lowest to the highest point; a radio
  scale whose results also give the mean position (1 = first choice).
- ``matrix`` (マトリクス): ``rows`` (the statements) × ``choices`` (the scale); one radio group per
  row (a fieldset each, so arrow keys move within a row and Tab moves between rows); the answer
  is ``{row: choice}``.
- ``ranking`` (順位づけ): ``choices`` to rank, ``max_rank`` (rank only the top N, default all);
  one ``<select>`` of 順位 per item (keyboard and screen-reader usable without script); the
  answer is the list of item values, first = rank 1.
"""

from __future__ import annotations

from madoguchi.forms.fields import EMPTY_DISPLAY, FieldError, RadioField, get_value, register_field_type
from madoguchi.forms.fields.choice import ChoiceFieldType


def _rows(f) -> list[dict]:
    return [{"value": str(r.get("value")), "label": str(r.get("label"))} for r in f.spec.get("rows") or [] if isinstance(r, dict)]


@register_field_type("likert")
class LikertField(RadioField):
    """リッカート尺度（5段階評価など）."""

    label = "段階評価（リッカート尺度）"
    template_name = "participation/fields/likert.html"

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = super().schema_errors(spec, where)
        choices = spec.get("choices")
        if isinstance(choices, list) and not 2 <= len(choices) <= 11:
            errors.append(f"{where}: 段階評価の選択肢は2から11個にしてください。")
        return errors


@register_field_type("matrix")
class MatrixField(ChoiceFieldType):
    """マトリクス: several statements answered on one scale."""

    label = "マトリクス（複数の項目を同じ選択肢で評価）"
    template_name = "participation/fields/matrix.html"
    searchable = False

    def _name(self, f, row: str) -> str:
        return f"{f.key}__{row}"

    def raw_strings(self, f, data):
        return [get_value(data, self._name(f, r["value"])) for r in _rows(f)]

    def clean(self, f, data, ctx):
        allowed = {c["value"] for c in f.choices}
        answer: dict[str, str] = {}
        for r in _rows(f):
            value = get_value(data, self._name(f, r["value"]))
            if value == "":
                continue
            if value not in allowed:
                raise FieldError(f"「{f.label}」の「{r['label']}」は示された選択肢から選んでください。")
            answer[r["value"]] = value
        if answer and f.required:
            missing = [r["label"] for r in _rows(f) if r["value"] not in answer]
            if missing:
                raise FieldError(f"「{f.label}」の「{'」「'.join(missing)}」を選んでください。", keep=answer)
        return answer

    def required_message(self, f):
        return f"「{f.label}」の各項目を選んでください。"

    def as_data(self, f, value):
        return {self._name(f, row): col for row, col in (value or {}).items()} if isinstance(value, dict) else {}

    def display(self, f, value):
        if not isinstance(value, dict):
            return str(value)
        return "、".join(f"{r['label']}：{f.choice_label(value[r['value']])}" for r in _rows(f) if r["value"] in value) or EMPTY_DISPLAY

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = super().schema_errors(spec, where)
        rows = spec.get("rows")
        if not isinstance(rows, list) or not rows:
            return [*errors, f"{where}: 評価する項目（rows）を1つ以上書いてください。"]
        values = []
        for ri, row in enumerate(rows, start=1):
            if not isinstance(row, dict) or not str(row.get("value", "")).strip() or not str(row.get("label", "")).strip():
                errors.append(f"{where}: {ri}番目の項目（rows）に value と label を書いてください。")
                continue
            if "__" in str(row["value"]) or ":" in str(row["value"]):
                errors.append(f"{where}: 項目（rows）の value「{row['value']}」に __ や : は使えません。")
            values.append(str(row["value"]))
        if len(set(values)) != len(values):
            errors.append(f"{where}: 項目（rows）の value が重複しています。")
        return errors

    def anchor(self, f):
        rows = _rows(f)
        return f"{f.id}-{rows[0]['value']}-0" if rows else f.id

    def widget_selected(self, f, value):
        return []

    def widget_context(self, f, value):
        value = value if isinstance(value, dict) else {}
        rows = [
            {
                **r,
                "name": self._name(f, r["value"]),
                "id": f"{f.id}-{r['value']}",
                "choices": [{**c, "id": f"{f.id}-{r['value']}-{i}", "checked": value.get(r["value"]) == c["value"]} for i, c in enumerate(f.choices)],
            }
            for r in _rows(f)
        ]
        return {"matrix_rows": rows}


@register_field_type("ranking")
class RankingField(ChoiceFieldType):
    """順位づけ: the items in the order the respondent prefers (the top ``max_rank``)."""

    label = "順位づけ"
    template_name = "participation/fields/ranking.html"
    searchable = False

    def _name(self, f, item: str) -> str:
        return f"{f.key}__{item}"

    def _max_rank(self, f) -> int:
        n = len(f.choices)
        top = f.spec.get("max_rank")
        return min(top, n) if isinstance(top, int) and top > 0 else n

    def raw_strings(self, f, data):
        return [get_value(data, self._name(f, c["value"])) for c in f.choices]

    def clean(self, f, data, ctx):
        top = self._max_rank(f)
        ranks: dict[int, str] = {}
        for c in f.choices:
            raw = get_value(data, self._name(f, c["value"])).strip()
            if raw == "":
                continue
            if not raw.isdigit() or not 1 <= int(raw) <= top:
                raise FieldError(f"「{f.label}」の「{c['label']}」の順位は1から{top}で選んでください。")
            rank = int(raw)
            if rank in ranks:
                other = f.choice_label(ranks[rank])
                raise FieldError(f"「{f.label}」で「{other}」と「{c['label']}」が同じ{rank}位です。順位が重ならないように選んでください。")
            ranks[rank] = c["value"]
        if not ranks:
            return []
        missing = [r for r in range(1, top + 1) if r not in ranks]
        if missing:
            raise FieldError(f"「{f.label}」は1位から{top}位まで、順に選んでください（{missing[0]}位がありません）。")
        return [ranks[r] for r in range(1, top + 1)]

    def required_message(self, f):
        return f"「{f.label}」の順位を選んでください。"

    def as_data(self, f, value):
        return {self._name(f, item): str(i) for i, item in enumerate(value or [], start=1)} if isinstance(value, list) else {}

    def display(self, f, value):
        if not isinstance(value, list):
            return str(value)
        return "、".join(f"{i}位 {f.choice_label(v)}" for i, v in enumerate(value, start=1))

    def schema_errors(self, spec, where, *, allows_my_number=True):
        errors = super().schema_errors(spec, where)
        top = spec.get("max_rank")
        if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
            errors.append(f"{where}: max_rank（順位をつける数）は1以上の整数で書いてください。")
        for c in spec.get("choices") or []:
            if isinstance(c, dict) and ("__" in str(c.get("value")) or ":" in str(c.get("value"))):
                errors.append(f"{where}: 選択肢の value「{c.get('value')}」に __ や : は使えません。")
        return errors

    def anchor(self, f):
        return f"{f.id}-0"

    def hint(self, f):
        top = self._max_rank(f)
        if top < len(f.choices):
            return f"上位{top}つに、1位から{top}位までの順位を選んでください（同じ順位は選べません）。"
        return "すべての項目に、1位からの順位を選んでください（同じ順位は選べません）。"

    def widget_selected(self, f, value):
        return []

    def widget_context(self, f, value):
        rank_of = {item: i for i, item in enumerate(value, start=1)} if isinstance(value, list) else {}
        top = self._max_rank(f)
        items = [
            {**c, "name": self._name(f, c["value"]), "id": f"{f.id}-{i}", "rank": rank_of.get(c["value"], 0), "ranks": list(range(1, top + 1))}
            for i, c in enumerate(f.choices)
        ]
        return {"ranking_items": items}
