"""Input that used to give a 500 gets a 400 with a Japanese message (issue #11 item 5), and a
seeded property test posts generated input to the HTML pages of one application flow."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission
from madoguchi.forms.factories import FormFactory

pytestmark = pytest.mark.django_db

SCHEMA = {
    "pages": [
        {
            "key": "p1",
            "title": "申込者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "max_length": 50},
                {"key": "count", "type": "number", "label": "人数", "min": 1, "max": 10, "required": False},
            ],
        },
        {
            "key": "p2",
            "title": "内容",
            "fields": [
                {"key": "note", "type": "textarea", "label": "連絡事項", "required": False, "max_length": 1000},
                {"key": "addr", "type": "address", "label": "住所", "required": False},
            ],
        },
    ]
}


@pytest.fixture
def procedure(city):
    form = FormFactory(schema=SCHEMA)
    return ProcedureFactory(form=form, section=form.section, slug="hostile", identity_assurance=Procedure.Assurance.NONE)


def _draft(client, procedure) -> Submission:
    response = client.post(reverse("applications:start", args=[procedure.slug]))
    assert response.status_code == 302
    return Submission.objects.get(uuid=response["Location"].split("/")[3])


def _fill(client, submission, page, data):
    return client.post(reverse("applications:fill", args=[submission.uuid, page]), {"action": "next", **data})


def test_a_4301_digit_number_is_a_400_with_a_message(client, procedure):
    submission = _draft(client, procedure)
    response = _fill(client, submission, 0, {"name": "窓口 太郎", "count": "9" * 4301})
    assert response.status_code == 400
    assert "「人数」は15桁以内の数で入力してください。" in response.content.decode()
    submission.refresh_from_db()
    assert submission.answers["name"] == "窓口\u3000太郎" or submission.answers["name"].startswith("窓口")


@pytest.mark.parametrize("field,data", [("name", {"name": "窓口\x00太郎"}), ("addr", {"name": "窓口", "addr__address": "千代田\x00"})])
def test_nul_in_a_text_field_is_refused_and_never_stored(client, procedure, field, data):
    submission = _draft(client, procedure)
    page = 0 if field == "name" else 1
    if page:
        assert _fill(client, submission, 0, {"name": "窓口"}).status_code == 302
    response = _fill(client, submission, page, data)
    assert response.status_code == 400
    assert "使えない文字（NUL）が含まれています" in response.content.decode()
    submission.refresh_from_db()
    assert "\x00" not in json.dumps(submission.answers, ensure_ascii=False).replace("\\u0000", "\x00")


def test_a_30_digit_section_filter_is_a_400_not_an_overflow(client, procedure):
    response = client.get(reverse("applications:catalogue"), {"section": "9" * 30})
    assert response.status_code == 400
    assert "担当課の指定が正しくありません" in response.content.decode()
    assert client.get(reverse("applications:catalogue"), {"section": str(procedure.section_id)}).status_code == 200


# Text as a resident (or a careless paste) sends it: any unicode, control characters, huge digit
# strings, full-width digits, NUL.
_values = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["9" * 4301, "１２３", "-0", "1e5", "\x00", "1" * 20, "0.5", " ", "R8.4.1", "<script>", "1,000"]),
)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(
    page=st.integers(min_value=0, max_value=1),
    data=st.fixed_dictionaries({}, optional={k: _values for k in ("name", "count", "note", "addr__postal_code", "addr__address", "addr__building")}),
    action=st.sampled_from(["next", "save", "back", "???"]),
)
def test_the_fill_pages_never_answer_5xx(procedure, page, data, action):
    client = Client()
    submission = _draft(client, procedure)
    response = client.post(reverse("applications:fill", args=[submission.uuid, page]), {"action": action, **data})
    assert response.status_code in (200, 302, 400), response.status_code
    confirm = client.get(reverse("applications:confirm", args=[submission.uuid]))
    assert confirm.status_code in (200, 302)
    submission.refresh_from_db()
    assert "\\u0000" not in json.dumps(submission.answers)
    if confirm.status_code == 200:
        assert client.post(reverse("applications:confirm", args=[submission.uuid])).status_code in (302, 400)


# --- マイナンバー in free text (issue #11 item 2): the common spellings are refused ---------------
_MN = "123456789018"


@pytest.mark.parametrize("spelled", [f"{_MN[:4]}ー{_MN[4:8]}ー{_MN[8:]}", "１２３４\u3000５６７８\u3000９０１８", f"{_MN[:4]}\n{_MN[4:8]}\n{_MN[8:]}"])
def test_form_engine_text_refuses_my_number_spellings(client, procedure, spelled):
    submission = _draft(client, procedure)
    response = _fill(client, submission, 0, {"name": f"窓口 {spelled}"})
    assert response.status_code == 400
    assert "「氏名」にマイナンバー（個人番号）と思われる12桁の番号が入っています" in response.content.decode()
    submission.refresh_from_db()
    assert "name" not in submission.answers


def test_dates_and_phone_numbers_in_text_are_accepted(client, procedure):
    submission = _draft(client, procedure)
    assert _fill(client, submission, 0, {"name": "窓口 2026-12-04 12:34 090-1234-5678"}).status_code == 302


def test_case_message_refuses_a_spelled_my_number(city):
    from django.core.exceptions import ValidationError

    from madoguchi.applications import services
    from madoguchi.applications.factories import SubmissionFactory

    submission = SubmissionFactory()
    with pytest.raises(ValidationError) as exc:
        services.post_message(submission, f"番号は {_MN[:4]}−{_MN[4:8]}−{_MN[8:]} です", sender=submission.applicant, from_staff=False)
    assert "番号を消して入力し直してください" in exc.value.message_dict["body"][0]


def test_counter_transcription_masks_and_flags_instead_of_refusing(client):
    """At the counter staff transcribe what the resident brought: a マイナンバー in free text is
    stored masked, the case gets an internal note, and the page says so."""
    from madoguchi.accounts.testing import login_staff

    from .test_flow import catalogue, staff, valid_input

    catalogue("juminhyo")
    login_staff(client, staff("shimin"))
    client.post(reverse("applications:counter_start", args=["juminhyo"]))
    submission = Submission.objects.filter(channel="counter").latest("created_at")
    from madoguchi.applications import services

    page = services.engine_for(submission).pages[0]
    text = next(f for f in page.fields if f.type in ("text", "textarea"))
    data, files = {"action": "next"}, {}
    for f in page.fields:
        data.update(valid_input(f, files))
    data[text.key] = f"メモ {_MN[:4]} {_MN[4:8]} {_MN[8:]}"
    response = client.post(reverse("applications:counter_fill", args=[submission.uuid, 0]), {**data, **files}, follow=True)
    assert response.status_code == 200
    assert "に置き換えて保存しました" in response.content.decode()
    submission.refresh_from_db()
    assert "[個人番号]" in str(submission.answers[text.key]) and _MN[8:] not in str(submission.answers[text.key])
    note = submission.events.get(kind="note")
    assert not note.visible_to_applicant and f"「{text.label}」" in note.body and _MN not in note.body


def test_api_bodies_that_cannot_be_read_get_a_japanese_400(client, procedure, django_user_model):
    """A JSON number of 4,301 digits, a body that is not JSON, and NUL: 400 with a message in
    Japanese, never ninja's English 'Cannot parse request body' or a 500."""
    client.force_login(django_user_model.objects.create_user(email="r@example.jp", password="x-Passw0rd-x", email_verified=True))
    url = f"/api/applications/procedures/{procedure.slug}/submissions"
    cases = [
        ('{"answers": {"count": ' + "9" * 4301 + "}}", "桁数が多すぎます"),
        ("{not json", "JSON として読み取れません"),
        (json.dumps({"answers": {"name": "a\x00b"}}), "NUL"),
    ]
    for body, message in cases:
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body[:40]
        assert message in response.json()["detail"]


def test_plan_pages_with_30_digit_numbers_are_not_a_500(client, city, django_user_model):
    from madoguchi.accounts.testing import login_staff
    from madoguchi.core.factories import SectionFactory
    from madoguchi.core.models import StaffRole
    from madoguchi.plans.factories import PlanFactory

    section = SectionFactory(municipality=city)
    user = django_user_model.objects.create_user(email="s@example.jp", password="x-Passw0rd-x", is_staff=True)
    StaffRole.objects.create(user=user, section=section, role=StaffRole.Role.MANAGER)
    login_staff(client, user)
    plan = PlanFactory(municipality=city)
    for url in [f"/plans/staff/{plan.pk}/gantt/?year={'9' * 30}", f"/plans/staff/sections/?section={'9' * 30}", f"/plans/staff/{plan.pk}/?year=x"]:
        assert client.get(url).status_code < 500, url
