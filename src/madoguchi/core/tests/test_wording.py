"""Issue #12 item 10: 「10つまで」 — the counter つ is used only up to 9, 個 from 10 on, in the
form engine's choice hints and messages and on the lottery page."""

from django.template import Context, Template

from madoguchi.core import wording
from madoguchi.forms.fields.choice import CheckboxesField


def test_count():
    assert [wording.count(n) for n in (0, 1, 9, 10, 12)] == ["0つ", "1つ", "9つ", "10個", "12個"]
    assert wording.count(1, like=[10]) == "1個"  # one phrase, one counter
    assert Template("{% load wording %}{{ n|count }}").render(Context({"n": 10})) == "10個"


class _F:
    label = "出す品目"

    def __init__(self, spec):
        self.spec = spec


def test_choice_hint_never_says_10tsu():
    field = CheckboxesField()
    assert field.hint(_F({"min_choices": 1, "max_choices": 10})) == "1個以上10個まで選べます。"
    assert field.hint(_F({"max_choices": 3})) == "3つまで選べます。"
    assert field.hint(_F({"min_choices": 2})) == "2つ以上選んでください。"
