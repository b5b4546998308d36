"""The マイナンバー field is never retyped on a return to its page (issue #12 item 2): 前へ戻る,
修正 from the confirmation page, a resumed draft and a 補正依頼 show 「登録済み（下4桁 …）」 and
keep it; 一時保存 keeps what is valid and names what it did not keep; the number is never
echoed into a page or a log."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission
from madoguchi.forms.factories import FormFactory

pytestmark = pytest.mark.django_db

NUMBER = "123456789018"  # passes the check digit
OTHER = "234567890121"
SCHEMA = {
    "pages": [
        {
            "key": "who",
            "title": "申請者",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名"},
                {"key": "mn", "type": "my_number", "label": "個人番号"},
            ],
        },
        {"key": "what", "title": "内容", "fields": [{"key": "note", "type": "textarea", "label": "連絡事項", "required": False}]},
    ]
}


@pytest.fixture
def procedure(city):
    form = FormFactory(schema=SCHEMA, allows_my_number=True)
    return ProcedureFactory(form=form, section=form.section, slug="mn", identity_assurance=Procedure.Assurance.NONE)


@pytest.fixture
def draft(client, procedure) -> Submission:
    response = client.post(reverse("applications:start", args=[procedure.slug]))
    return Submission.objects.get(uuid=response["Location"].split("/")[3])


def _post(client, submission, page, data, action="next"):
    return client.post(reverse("applications:fill", args=[submission.uuid, page]), {"action": action, **data})


def _page(client, submission, page) -> str:
    response = client.get(reverse("applications:fill", args=[submission.uuid, page]))
    assert response.status_code == 200
    return response.content.decode()


def _shows_stored(html: str) -> bool:
    assert "登録済み（下4桁 9018）" in html
    assert NUMBER not in html
    assert "「個人番号」を入力してください" not in html
    return True


def test_back_and_again_keeps_the_number_without_retyping(client, draft):
    assert _post(client, draft, 0, {"name": "窓口 太郎", "mn": "1234 5678 9018"}).status_code == 302
    assert _post(client, draft, 1, {"note": ""}, action="back").status_code == 302  # 前へ戻る
    assert _shows_stored(_page(client, draft, 0))
    assert _post(client, draft, 0, {"name": "窓口 太郎", "mn": ""}).status_code == 302
    draft.refresh_from_db()
    assert draft.answers["mn"] == NUMBER


def test_fix_from_the_confirmation_page_and_submit(client, draft):
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": NUMBER})
    _post(client, draft, 1, {"note": "よろしく"})
    confirm = client.get(reverse("applications:confirm", args=[draft.uuid])).content.decode()
    assert "登録済み（下4桁 9018）" in confirm and NUMBER not in confirm
    assert _shows_stored(_page(client, draft, 0))  # 修正
    assert _post(client, draft, 0, {"name": "窓口 次郎", "mn": ""}).status_code == 302
    assert client.post(reverse("applications:confirm", args=[draft.uuid])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == Submission.Status.RECEIVED and draft.answers["mn"] == NUMBER


def test_a_resumed_draft_and_a_correction_keep_it(client, draft):
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": NUMBER}, action="save")  # 一時保存
    assert _shows_stored(_page(client, draft, 0))  # resumed later
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": ""})
    _post(client, draft, 1, {"note": ""})
    client.post(reverse("applications:confirm", args=[draft.uuid]))
    Submission.objects.filter(pk=draft.pk).update(status=Submission.Status.CORRECTION)  # 補正依頼
    assert _shows_stored(_page(client, draft, 0))
    assert _post(client, draft, 0, {"name": "窓口 太郎（訂正）", "mn": ""}).status_code == 302
    draft.refresh_from_db()
    assert draft.answers["mn"] == NUMBER and draft.answers["name"] == "窓口 太郎（訂正）"


def test_it_can_be_changed_and_a_wrong_new_one_keeps_the_stored(client, draft):
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": NUMBER})
    response = _post(client, draft, 0, {"name": "窓口 太郎", "mn": "234567890120"})  # wrong check digit
    assert response.status_code == 400 and "番号が正しくありません" in response.content.decode()
    draft.refresh_from_db()
    assert draft.answers["mn"] == NUMBER
    assert _post(client, draft, 0, {"name": "窓口 太郎", "mn": OTHER}).status_code == 302
    draft.refresh_from_db()
    assert draft.answers["mn"] == OTHER


def test_save_draft_keeps_what_is_valid_and_names_what_it_did_not(client, draft):
    response = _post(client, draft, 0, {"name": "窓口 太郎", "mn": "12345"}, action="save")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.answers == {"name": "窓口\u3000太郎"} or draft.answers.get("name", "").startswith("窓口")
    assert "mn" not in draft.answers
    html = client.get(response["Location"]).content.decode()
    assert "次の項目は保存していません" in html and "「個人番号」は12桁の数字で入力してください。" in html
    assert "正しく入力された項目を一時保存しました" in html
    # A stored number and a wrong new one: the stored stays, and the page says the new one was not kept.
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": NUMBER})
    response = _post(client, draft, 0, {"name": "窓口 太郎", "mn": "999"}, action="save")
    html = client.get(response["Location"]).content.decode()
    assert "登録済みの番号のままです" in html
    draft.refresh_from_db()
    assert draft.answers["mn"] == NUMBER


def test_a_text_with_a_my_number_saved_as_draft_is_named_not_lost_silently(client, draft):
    response = _post(client, draft, 0, {"name": "窓口 1234-5678-9018", "mn": ""}, action="save")
    html = client.get(response["Location"]).content.decode()
    assert "次の項目は保存していません" in html and "「氏名」にマイナンバー" in html


def test_the_number_is_never_logged(client, draft, caplog):
    caplog.set_level(logging.DEBUG)
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": "1234-5678-9018"})
    _post(client, draft, 0, {"name": "窓口 太郎", "mn": "234567890120"})  # refused
    _post(client, draft, 1, {"note": ""})
    client.post(reverse("applications:confirm", args=[draft.uuid]))
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for digits in ("123456789018", "1234-5678-9018", "234567890120"):
        assert digits not in logged
