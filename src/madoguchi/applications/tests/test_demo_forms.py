"""Issue #12 item 10: demo forms ask only what the procedure needs (粗大ごみ: no date of birth)."""

from madoguchi.applications import demo


def _fields(slug):
    spec = next(s for s in demo.CATALOGUE if s["slug"] == slug)
    form = demo.schema(spec["details"], with_birth=spec.get("with_birth", True))
    return {f["key"] for page in form["pages"] for f in page["fields"]}


def test_sodai_gomi_does_not_ask_for_a_date_of_birth():
    fields = _fields("sodai-gomi")
    assert "birth_date" not in fields
    assert {"name", "address", "phone", "items", "wish_date"} <= fields
