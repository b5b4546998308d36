"""Survey results (集計結果): counts, percentages, charts (core.charts), breakdowns by age group,
area and one more attribute, free text, CSV/XLSX (core.spreadsheet).

Everything comes from one ``GROUP BY`` over ``SurveyAnswer`` (question, value and the three
attributes) — never one ORM object per response — so 100,000 responses stay well under 2 s.

Small cells are suppressed (秘匿) so that nobody is identifiable: in a breakdown, a group with
fewer respondents than ``PARTICIPATION_MIN_GROUP_SIZE`` (default 5) is shown as 「＊」 whole, any
cell from 1 to that size as 「＊」, and where a row or a table would have exactly one suppressed
entry the next smallest is suppressed too (so it cannot be worked out from the total). The
exports are built from the same suppressed tables."""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from madoguchi.core import spreadsheet
from madoguchi.core.charts import BarChart, Series

from . import conf
from .models import AGE_GROUPS
from .survey_models import Survey, SurveyAnswer, SurveyResponse
from .surveys import ANSWERED, COUNTED_TYPES, TEXT_TYPES, engine

SUPPRESSED = "＊"
NO_ANSWER = "（無回答）"
BREAKDOWN_TYPES = {"radio", "select", "likert", "checkboxes"}


@dataclass
class ChoiceRow:
    label: str
    count: int
    percent: float | None  # of the question's respondents


@dataclass
class Breakdown:
    """属性別の表: rows are the groups (20歳代 …), columns the choices; cells already suppressed."""

    dimension: str
    columns: list[str]
    rows: list[tuple[str, str, list[str]]]  # (group, respondents, cells "12（34.5%）" or ＊)
    export_rows: list[tuple[str, str | int, list[str | int]]]  # the same with bare counts
    line: str = ""  # matrix statement or ranked item the table is about ("" for a whole question)

    @property
    def heading(self) -> str:
        return f"{self.dimension}・{self.line}" if self.line else self.dimension


@dataclass
class QuestionResult:
    key: str
    label: str
    type: str
    respondents: int = 0
    rows: list[ChoiceRow] = field(default_factory=list)
    mean: float | None = None  # likert: mean position (1 = first choice); ranking: not used
    matrix: list[tuple[str, list[ChoiceRow]]] = field(default_factory=list)  # matrix / ranking rows
    chart: BarChart | None = None
    breakdowns: list[Breakdown] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    text_count: int = 0


@dataclass
class Results:
    survey: Survey
    total: int
    questions: list[QuestionResult]
    indicative: bool
    min_group: int


def _percent(n: int, base: int) -> float | None:
    return round(n * 100 / base, 1) if base else None


def _fmt(n: int, base: int) -> str:
    p = _percent(n, base)
    return f"{n:,}（{p}%）" if p is not None else f"{n:,}"


def _dimensions(survey: Survey, fields: dict) -> list[tuple[str, str, dict]]:
    """(attribute column, heading, value → label) for each breakdown attribute of the survey."""
    dims = []
    age = fields.get(survey.age_question)
    dims.append(("age_group", "年齢区分", {c["value"]: c["label"] for c in age.choices} if age else {k: str(v) for k, v in AGE_GROUPS if k}))
    area = fields.get(survey.area_question)
    dims.append(("area", "地区", {c["value"]: c["label"] for c in area.choices} if area else {}))
    extra = fields.get(survey.extra_question) if survey.extra_question else None
    if extra is not None:
        dims.append(("extra", extra.label, {c["value"]: c["label"] for c in extra.choices}))
    return dims


def _suppress_one_more(cells: list[int | None], shown: list[bool], k: int) -> None:
    """Complementary suppression: a lone suppressed entry could be worked out from the total, so
    suppress the smallest other non-zero one too."""
    if shown.count(False) == 1:
        candidates = [(n, i) for i, n in enumerate(cells) if shown[i] and n]
        if candidates:
            shown[min(candidates)[1]] = False


def _breakdown(dimension: str, labels: dict, choices: list[dict], groups: dict, respondents: dict, k: int) -> Breakdown:
    group_keys = sorted(groups, key=lambda g: (g == "", list(labels).index(g) if g in labels else len(labels), g))
    totals = [respondents.get(g, 0) for g in group_keys]
    row_shown = [t >= k for t in totals]
    _suppress_one_more(totals, row_shown, k)
    rows, export_rows = [], []
    for gi, g in enumerate(group_keys):
        label = labels.get(g, g) if g else NO_ANSWER
        counts = [groups[g].get(c["value"], 0) for c in choices]
        if not row_shown[gi]:
            rows.append((label, SUPPRESSED, [SUPPRESSED] * len(choices)))
            export_rows.append((label, SUPPRESSED, [SUPPRESSED] * len(choices)))
            continue
        shown = [n == 0 or n >= k for n in counts]
        _suppress_one_more(counts, shown, k)
        base = totals[gi]
        rows.append((label, f"{base:,}", [_fmt(n, base) if shown[i] else SUPPRESSED for i, n in enumerate(counts)]))
        export_rows.append((label, base, [n if shown[i] else SUPPRESSED for i, n in enumerate(counts)]))
    return Breakdown(dimension=dimension, columns=[c["label"] for c in choices], rows=rows, export_rows=export_rows)


def compute(survey: Survey, *, texts: int | None = 200) -> Results:
    """The results of the submitted responses (``texts``: free texts kept per question, None = all)."""
    eng = engine(survey)
    k = conf.min_group_size()
    fields = eng.fields
    total = SurveyResponse.objects.filter(survey=survey, submitted_at__isnull=False).count()
    # The one pass: every counted answer grouped by question, value and the three attributes.
    grouped = (
        SurveyAnswer.objects.filter(survey=survey)
        .exclude(value="")
        .order_by()
        .values_list("question", "value", "age_group", "area", "extra")
        .annotate(n=Count("id"))
    )
    by_value: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    dims = _dimensions(survey, fields)
    by_group: dict[tuple[str, str], dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for question, value, age, area, extra, n in grouped:
        by_value[question][value] += n
        for column, group in (("age_group", age), ("area", area), ("extra", extra)):
            by_group[(question, column)][group][value] += n
    questions = []
    for f in eng.fields.values():
        if not f.has_input:
            continue
        if f.type in COUNTED_TYPES:
            questions.append(_counted(f, by_value.get(f.key, {}), by_group, dims, k))
        elif f.type in TEXT_TYPES:
            questions.append(_texts(survey, f, texts))
    return Results(survey=survey, total=total, questions=questions, indicative=survey.indicative, min_group=k)


def _counted(f, counts: dict[str, int], by_group, dims, k: int) -> QuestionResult:
    q = QuestionResult(key=f.key, label=f.label, type=f.type)
    choices = f.choices
    if f.type == "checkboxes":
        q.respondents = counts.get(ANSWERED, 0)
    elif f.type in ("radio", "select", "likert"):
        q.respondents = sum(counts.get(c["value"], 0) for c in choices)
    if f.type in BREAKDOWN_TYPES:
        q.rows = [ChoiceRow(c["label"], counts.get(c["value"], 0), _percent(counts.get(c["value"], 0), q.respondents)) for c in choices]
        if f.type == "likert" and q.respondents:
            q.mean = round(sum(i * counts.get(c["value"], 0) for i, c in enumerate(choices, start=1)) / q.respondents, 2)
        q.chart = BarChart(
            title=f.label, categories=[r.label for r in q.rows], series=[Series("回答数", [r.count for r in q.rows])], unit="件", category_label="選択肢"
        )
        for column, heading, labels in dims:
            groups = by_group.get((f.key, column), {})
            if not any(g for g in groups):
                continue  # nobody has this attribute: no table
            respondents = {
                g: (values.get(ANSWERED, 0) if f.type == "checkboxes" else sum(values.get(c["value"], 0) for c in choices)) for g, values in groups.items()
            }
            q.breakdowns.append(_breakdown(heading, labels, choices, groups, respondents, k))
        return q
    # matrix: rows × choices; ranking: items × ranks
    if f.type == "matrix":
        lines = [(r["label"], r["value"]) for r in f.spec.get("rows") or []]
        columns = [(c["label"], c["value"]) for c in choices]
    else:
        lines = [(c["label"], c["value"]) for c in choices]
        top = f.kind._max_rank(f)
        columns = [(f"{r}位", str(r)) for r in range(1, top + 1)]
    for label, value in lines:
        cells = [counts.get(f"{value}:{col}", 0) for _, col in columns]
        base = sum(cells)
        q.respondents = max(q.respondents, base)
        q.matrix.append((label, [ChoiceRow(col_label, n, _percent(n, base)) for (col_label, _), n in zip(columns, cells, strict=True)]))
        # 属性別 per statement (matrix) or per item (ranking): the same suppressed tables.
        line_choices = [{"value": f"{value}:{col}", "label": col_label} for col_label, col in columns]
        for column, heading, labels in dims:
            groups = by_group.get((f.key, column), {})
            respondents = {g: sum(values.get(c["value"], 0) for c in line_choices) for g, values in groups.items()}
            groups = {g: values for g, values in groups.items() if respondents[g]}
            if not any(g for g in groups):
                continue
            table = _breakdown(heading, labels, line_choices, groups, respondents, k)
            table.line = label
            q.breakdowns.append(table)
    q.chart = BarChart(
        title=f.label,
        categories=[label for label, _ in q.matrix],
        series=[Series(col_label, [row[ci].count for _, row in q.matrix]) for ci, (col_label, _) in enumerate(columns)],
        unit="件",
        category_label="項目",
    )
    return q


def _texts(survey: Survey, f, limit: int | None) -> QuestionResult:
    qs = SurveyAnswer.objects.filter(survey=survey, question=f.key).exclude(text="").order_by("id").values_list("text", flat=True)
    q = QuestionResult(key=f.key, label=f.label, type=f.type, text_count=qs.count())
    q.respondents = q.text_count
    q.texts = list(qs if limit is None else qs[:limit])
    return q


# --- exports -------------------------------------------------------------------------------------


def _rows(results: Results):
    """Every figure as (sheet, row) pairs: totals, breakdowns (suppressed), free text."""
    yield "集計", ["設問", "項目", "選択肢", "件数", "割合（%）"]
    for q in results.questions:
        for r in q.rows:
            yield "集計", [q.label, "", r.label, r.count, r.percent if r.percent is not None else ""]
        for line, cells in q.matrix:
            for r in cells:
                yield "集計", [q.label, line, r.label, r.count, r.percent if r.percent is not None else ""]
        if q.mean is not None:
            yield "集計", [q.label, "", "平均（1＝最初の選択肢）", q.mean, ""]
    yield "属性別", ["設問", "属性", "区分", "回答者数", "選択肢", "件数"]
    for q in results.questions:
        for b in q.breakdowns:
            for group, base, cells in b.export_rows:
                for column, n in zip(b.columns, cells, strict=True):
                    yield "属性別", [q.label, b.heading, group, base, column, n]
    yield "自由記述", ["設問", "回答"]
    for q in results.questions:
        for text in q.texts:
            yield "自由記述", [q.label, text]


def _note(results: Results) -> str:
    note = f"属性別の表で{results.min_group}件未満の区分・件数は「{SUPPRESSED}」で秘匿しています。"
    if results.indicative:
        note += "どなたでも回答できるアンケートのため、数値は参考値です（同じ人が複数回答した可能性があります）。"
    return note


def export_csv(results: Results) -> bytes:
    buf = io.StringIO()
    writer = spreadsheet.csv_writer(buf)
    writer.writerow([results.survey.title, f"回答数 {results.total}", _note(results)])
    for sheet, row in _rows(results):
        writer.writerow([sheet, *row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 Japanese


def export_xlsx(results: Results) -> bytes:
    wb = spreadsheet.workbook()
    sheets = {}
    first = wb.active
    first.title = "集計"
    sheets["集計"] = first
    spreadsheet.append(first, [results.survey.title, f"回答数 {results.total}"])
    spreadsheet.append(first, [_note(results)])
    for sheet, row in _rows(results):
        if sheet not in sheets:
            sheets[sheet] = wb.create_sheet(sheet)
        spreadsheet.append(sheets[sheet], row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
