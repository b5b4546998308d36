"""A guide's questions and rules as data (ガイドの定義), checked and turned into a checklist.

Shape (JSON, edited by staff)::

    {"title": {"ja": "引越し（市内での転居）", "easy": "…", "en": "…"},   # or a plain string (ja)
     "intro": {...}, "event_date_label": {"ja": "引越した日"},
     "questions": [{"key": "children", "type": "yes_no", "text": {"ja": "中学生までのお子さんはいますか"}},
                   {"key": "age", "type": "choice", "text": ..., "choices": [{"value": "baby", "label": ...}]}],
     "groups": [                                     # done in order: group 1, then group 2 …
        {"title": {"ja": "まず市役所で"}, "steps": [   # steps of one group in any order
            {"key": "tenkyo", "procedure": "tenkyo", "deadline_days": 14},
            {"key": "jido", "procedure": "jidoteate-gakukaitei", "when": {"children": "yes"}},
            {"key": "car", "title": {"ja": "車庫証明"}, "where": "警察署", "optional": true,
             "when": [{"car": "yes"}, {"bike": "yes"}]}]}]}

A step may say ``"minutes": 20`` (time at the counter, staff's estimate): the checklist's
「来庁の計画」 lists the in-person steps by place in visiting order with the total.

``when``: a dict (every question matches: a value or a list of values) or a list of dicts (any
of them). A step whose condition asks an unanswered question is shown as 「該当する場合」.
A step names a procedure of the city (its section, counter, what to bring, fee and online form
come from there) or describes itself (title, section, where, bring, fee, url).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from madoguchi.core import calendar
from madoguchi.core.codes import contains_my_number

LANGUAGES = ("ja", "easy", "en")
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
YES_NO = [{"value": "yes", "label": {"ja": "はい", "easy": "はい", "en": "Yes"}}, {"value": "no", "label": {"ja": "いいえ", "easy": "いいえ", "en": "No"}}]


def text(value, language: str = "ja") -> tuple[str, bool]:
    """(text in ``language``, fell_back): a text is a plain string (Japanese) or a dict by
    language; a missing translation falls back to Japanese and says so."""
    if isinstance(value, dict):
        if language != "ja" and value.get(language):
            return str(value[language]), False
        return str(value.get("ja", "")), language != "ja" and bool(value.get("ja"))
    if value in (None, ""):
        return "", False
    return str(value), language != "ja"


def choices(question: dict) -> list[dict]:
    return YES_NO if question.get("type") == "yes_no" else list(question.get("choices") or [])


# --- checking --------------------------------------------------------------------------------


def problems(definition, procedures: dict) -> list[str]:
    """Every reason the definition cannot be published, in Japanese (empty when it can).
    ``procedures``: slug → the city's Procedure (published or not) for every slug it names."""
    out: list[str] = []
    if not isinstance(definition, dict):
        return ["定義は { } で囲んだ JSON のオブジェクトにしてください。"]
    if not text(definition.get("title"))[0]:
        out.append("ガイドの題名（title の ja）を入れてください。")
    questions = definition.get("questions") or []
    if not isinstance(questions, list):
        out.append("questions は質問のリスト [ ] にしてください。")
        questions = []
    answers: dict[str, set] = {}
    for n, q in enumerate(questions, 1):
        if not isinstance(q, dict):
            out.append(f"質問{n}: {{ }} で書いてください。")
            continue
        key = q.get("key", "")
        if not isinstance(key, str) or not KEY.match(key):
            out.append(f"質問{n}: key は半角英小文字・数字・-_ で書いてください（{key!r}）。")
        elif key in answers:
            out.append(f"質問{n}: key「{key}」が重複しています。")
        if not text(q.get("text"))[0]:
            out.append(f"質問{n}（{key}）: 質問文（text の ja）を入れてください。")
        if q.get("type") not in ("yes_no", "choice"):
            out.append(f"質問{n}（{key}）: type は yes_no か choice にしてください。")
        values = [c.get("value") for c in choices(q) if isinstance(c, dict)]
        if q.get("type") == "choice" and (len(values) < 2 or len(set(values)) != len(values) or not all(values)):
            out.append(f"質問{n}（{key}）: 選択肢（choices）を重複のない value で2つ以上入れてください。")
        answers[str(key)] = set(values)
    groups = definition.get("groups") or []
    if not isinstance(groups, list) or not groups:
        out.append("手続のまとまり（groups）を1つ以上入れてください。")
        groups = []
    seen: set[str] = set()
    for g_no, group in enumerate(groups, 1):
        if not isinstance(group, dict):
            out.append(f"まとまり{g_no}: {{ }} で書いてください。")
            continue
        if not text(group.get("title"))[0]:
            out.append(f"まとまり{g_no}: 見出し（title の ja）を入れてください。")
        steps = group.get("steps") or []
        if not isinstance(steps, list) or not steps:
            out.append(f"まとまり{g_no}: 手続（steps）を1つ以上入れてください。")
            continue
        for s_no, step in enumerate(steps, 1):
            where = f"まとまり{g_no}の手続{s_no}"
            if not isinstance(step, dict):
                out.append(f"{where}: {{ }} で書いてください。")
                continue
            key = step.get("key", "")
            if not isinstance(key, str) or not KEY.match(key):
                out.append(f"{where}: key は半角英小文字・数字・-_ で書いてください（{key!r}）。")
            elif key in seen:
                out.append(f"{where}: key「{key}」が重複しています。")
            seen.add(str(key))
            slug = step.get("procedure")
            if slug:
                procedure = procedures.get(slug)
                if procedure is None:
                    out.append(f"{where}: 手続「{slug}」はこの自治体にありません。手続の識別子を確かめてください。")
                elif not procedure.is_published:
                    out.append(f"{where}: 手続「{procedure.name}」（{slug}）は公開されていません。公開してから参照してください。")
            elif not text(step.get("title"))[0]:
                out.append(f"{where}: 手続（procedure の識別子）か題名（title の ja）を入れてください。")
            for name, top in (("deadline_days", 3650), ("deadline_months", 120), ("minutes", 480)):
                value = step.get(name)
                if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= top):
                    out.append(f"{where}: {name} は 0〜{top} の整数にしてください。")
            url = step.get("url", "")
            if url and not str(url).startswith(("https://", "/")):
                out.append(f"{where}: url は https:// か / で始めてください。")
            out.extend(f"{where}: {p}" for p in _condition_problems(step.get("when"), answers))
    for value in _strings(definition):
        if contains_my_number(value):
            out.append("マイナンバー（個人番号）と思われる12桁の数字が含まれています。削除してください。")
            break
    return out


def _condition_problems(when, answers: dict[str, set]) -> list[str]:
    if when in (None, {}, []):
        return []
    clauses = when if isinstance(when, list) else [when]
    out = []
    for clause in clauses:
        if not isinstance(clause, dict):
            out.append('when は {"質問のkey": "答え"} か、そのリストにしてください。')
            continue
        for key, expected in clause.items():
            if key not in answers:
                out.append(f"when の質問「{key}」がありません。")
                continue
            for value in expected if isinstance(expected, list) else [expected]:
                if value not in answers[key]:
                    out.append(f"when の質問「{key}」に答え「{value}」はありません（{'、'.join(sorted(answers[key]))}）。")
    return out


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def procedure_slugs(definition) -> set[str]:
    if not isinstance(definition, dict):
        return set()
    return {
        step["procedure"]
        for group in definition.get("groups") or []
        if isinstance(group, dict)
        for step in group.get("steps") or []
        if isinstance(step, dict) and isinstance(step.get("procedure"), str)
    }


# --- answers -----------------------------------------------------------------------------------


def clean_answers(definition: dict, raw) -> dict[str, str]:
    """Only answers the questions allow (anything else is dropped, never an error)."""
    out = {}
    for q in definition.get("questions") or []:
        value = raw.get(q["key"]) if hasattr(raw, "get") else None
        if value in {c["value"] for c in choices(q)}:
            out[q["key"]] = value
    return out


def matches(when, answers: dict) -> bool | None:
    """True / False, or None when the answer that decides is missing (「該当する場合」)."""
    if when in (None, {}, []):
        return True
    clauses = when if isinstance(when, list) else [when]
    unknown = False
    for clause in clauses:
        result: bool | None = True
        for key, expected in clause.items():
            allowed = expected if isinstance(expected, list) else [expected]
            if key not in answers:
                result = None if result is not False else False
            elif answers[key] not in allowed:
                result = False
        if result is True:
            return True
        unknown = unknown or result is None
    return None if unknown else False


# --- deadlines ---------------------------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, d)
        except ValueError:
            continue
    raise ValueError(day)


def deadline(event_date: dt.date | None, days: int | None = None, months: int | None = None, municipality=None) -> dt.date | None:
    """The last day: ``days``/``months`` after the event (the event day itself not counted, as
    届出期間 are reckoned), moved to the next open day when the office is closed that day."""
    if event_date is None or (days is None and months is None):
        return None
    day = _add_months(event_date, months) if months is not None else event_date + dt.timedelta(days=days)
    for _ in range(30):  # at most 年末年始 plus a long weekend; a bound keeps a bad calendar harmless
        if calendar.is_open(day, municipality):
            break
        day += dt.timedelta(days=1)
    return day


def deadline_label(step: dict, language: str) -> str:
    if step.get("deadline_days") is not None:
        n = step["deadline_days"]
        return {"en": f"within {n} days", "easy": f"{n}にち いないに"}.get(language, f"{n}日以内")
    if step.get("deadline_months") is not None:
        n = step["deadline_months"]
        return {"en": f"within {n} months", "easy": f"{n}かげつ いないに"}.get(language, f"{n}か月以内")
    return ""


# --- the checklist -----------------------------------------------------------------------------


@dataclass
class Window:
    name: str
    location: str
    url: str = ""


@dataclass
class Step:
    key: str
    title: str
    optional: bool = False
    maybe: bool = False  # the deciding question was not answered
    note: str = ""
    section: str = ""
    location: str = ""
    windows: list = field(default_factory=list)
    bring: list = field(default_factory=list)
    fee: str = ""
    deadline: dt.date | None = None
    deadline_label: str = ""
    procedure_url: str = ""  # the procedure's page on this site
    online_url: str = ""  # where to apply online (the procedure page's button, or outside)
    external: bool = False
    in_person: bool = False
    minutes: int | None = None  # staff's estimate of the time at the counter
    done: bool = False


@dataclass
class Group:
    number: int
    title: str
    note: str
    steps: list


@dataclass
class Checklist:
    title: str
    intro: str
    event_date: dt.date | None
    event_date_label: str
    answered: list  # [(question, answer)]
    groups: list
    fell_back: bool  # some text is shown in Japanese for want of a translation

    @property
    def steps(self) -> list[Step]:
        return [s for g in self.groups for s in g.steps]

    @property
    def visit(self) -> list[tuple[str, list[Step]]]:
        """来庁の計画: the in-person steps at City Hall by place, in visiting order (the step
        order first, so a place is visited when its first step is due; same place together)."""
        places: dict[str, list[Step]] = {}
        for step in self.steps:
            if step.in_person and step.section and not step.done:
                places.setdefault(step.location or step.section, []).append(step)
        return list(places.items())

    @property
    def visit_minutes(self) -> int:
        return sum(s.minutes or 0 for _place, steps in self.visit for s in steps)


def build(definition: dict, answers: dict, *, event_date=None, procedures: dict, windows=None, municipality=None, language: str = "ja") -> Checklist:
    """The personal checklist: the steps whose conditions the answers meet, in their groups.
    ``procedures``: slug → Procedure (unpublished or missing ones are left out: a published
    guide never links to a page residents cannot open); ``windows(procedure)`` → counters."""
    fell_back = False

    def t(value) -> str:
        nonlocal fell_back
        out, fb = text(value, language)
        fell_back = fell_back or fb
        return out

    answered = []
    for q in definition.get("questions") or []:
        if q["key"] in answers:
            label = next((c["label"] for c in choices(q) if c["value"] == answers[q["key"]]), "")
            answered.append((t(q.get("text")), t(label)))
    groups = []
    for group in definition.get("groups") or []:
        steps = []
        for raw in group.get("steps") or []:
            applies = matches(raw.get("when"), answers)
            if applies is False:
                continue
            step = Step(key=raw["key"], title="", optional=bool(raw.get("optional")), maybe=applies is None, note=t(raw.get("note")))
            slug = raw.get("procedure")
            if slug:
                procedure = procedures.get(slug)
                if procedure is None or not procedure.is_published:
                    continue
                step.title = t(raw["title"]) if raw.get("title") else procedure.name
                step.section = procedure.section.name
                step.location = procedure.section.location
                step.windows = [Window(w.name, w.location, w.url) for w in (windows(procedure) if windows else [])]
                step.bring = list(procedure.documents_list)
                step.fee = f"{procedure.fee:,}円" if procedure.fee else "無料"
                if procedure.fee_note:
                    step.fee += f"（{procedure.fee_note}）"
                step.procedure_url = procedure.get_absolute_url()
                if procedure.can_apply_online:
                    step.online_url = step.procedure_url
                elif procedure.external_url:
                    step.online_url, step.external = procedure.external_url, True
                step.in_person = not step.online_url
            else:
                step.title = t(raw.get("title"))
                step.section = t(raw.get("section"))
                step.location = t(raw.get("where"))
                step.fee = t(raw.get("fee"))
                url = raw.get("url", "")
                if url:
                    step.online_url, step.external = url, url.startswith("https://")
                step.in_person = bool(step.location) and not url
            bring = raw.get("bring")
            extra = bring if isinstance(bring, list) else ([bring] if bring else [])
            step.bring += [t(b) for b in extra]
            step.minutes = raw.get("minutes")
            step.deadline = deadline(event_date, raw.get("deadline_days"), raw.get("deadline_months"), municipality)
            step.deadline_label = t(raw.get("deadline_text")) if raw.get("deadline_text") else deadline_label(raw, language)
            steps.append(step)
        if steps:
            groups.append(Group(number=len(groups) + 1, title=t(group.get("title")), note=t(group.get("note")), steps=steps))
    return Checklist(
        title=t(definition.get("title")),
        intro=t(definition.get("intro")),
        event_date=event_date,
        event_date_label=t(definition.get("event_date_label")) or "基準日",
        answered=answered,
        groups=groups,
        fell_back=fell_back,
    )
