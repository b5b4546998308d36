"""JSON API of online applications."""

import pytest

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.models import Submission

from .test_flow import catalogue, staff

pytestmark = pytest.mark.django_db

ANSWERS = {
    "name": "緑野 さくら",
    "name_kana": "みどりの さくら",
    "birth_date": "1990-04-01",
    "address": {"postal_code": "100-0001", "address": "東京都千代田区千代田1-1", "building": ""},
    "phone": "03-1234-5678",
    "email": "resident@example.jp",
    "reason": "lost",
    "agree": True,
}


def test_catalogue_and_detail(client):
    catalogue("juminhyo")
    rows = client.get("/api/applications/procedures", {"q": "住民票"}).json()
    assert any(r["slug"] == "juminhyo" for r in rows)
    detail = client.get("/api/applications/procedures/juminhyo").json()
    assert detail["fee"] == 300 and detail["form_id"]
    assert client.get("/api/applications/procedures/nope").status_code == 404
    form = client.get(f"/api/forms/{detail['form_id']}").json()
    assert form["definition"]["pages"]


def test_submit_is_idempotent_and_validated(client, resident):
    catalogue("kaigo-saikofu")
    client.force_login(resident)
    url = "/api/applications/procedures/kaigo-saikofu/submissions"
    bad = client.post(url, {"answers": {**ANSWERS, "name_kana": "abc"}}, content_type="application/json")
    assert bad.status_code == 422 and "name_kana" in bad.json()["errors"]
    first = client.post(url, {"answers": ANSWERS}, content_type="application/json", headers={"Idempotency-Key": "k1"})
    again = client.post(url, {"answers": ANSWERS}, content_type="application/json", headers={"Idempotency-Key": "k1"})
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["receipt_number"] == again.json()["receipt_number"]
    assert Submission.objects.exclude(status="draft").count() == 1
    mine = client.get("/api/applications/my/submissions").json()
    assert mine[0]["status"] == "received"


def test_api_answers_are_stored_as_the_form_would_store_them(client, resident):
    catalogue("kaigo-saikofu")
    client.force_login(resident)
    answers = {**ANSWERS, "name_kana": "ミドリノ　サクラ", "birth_date": "H2.4.1", "phone": "０３－１２３４－５６７８", "extra": "123456789018"}
    created = client.post("/api/applications/procedures/kaigo-saikofu/submissions", {"answers": answers}, content_type="application/json")
    assert created.status_code == 201
    stored = Submission.objects.get(receipt_number=created.json()["receipt_number"]).answers
    assert stored["birth_date"] == "1990-04-01" and stored["phone"] == "03-1234-5678"
    assert stored["name_kana"] == "みどりの　さくら"  # katakana to hiragana, full width
    assert "extra" not in stored  # no field asks for it: not kept (it was a マイナンバー)


def test_staff_endpoints_need_section_and_otp(client, resident):
    catalogue("kaigo-saikofu")
    kaigo, gomi = staff("kaigo"), staff("gomi")
    client.force_login(resident)
    created = client.post("/api/applications/procedures/kaigo-saikofu/submissions", {"answers": ANSWERS}, content_type="application/json").json()
    assert client.get("/api/applications/staff/submissions").status_code == 403
    client.force_login(kaigo)
    assert client.get("/api/applications/staff/submissions").status_code == 403  # no second factor yet
    login_staff(client, kaigo)
    rows = client.get("/api/applications/staff/submissions").json()
    assert [r["receipt_number"] for r in rows] == [created["receipt_number"]]
    changed = client.post(f"/api/applications/staff/submissions/{created['id']}/status", {"to_status": "reviewing"}, content_type="application/json")
    assert changed.status_code == 200 and changed.json()["status"] == "reviewing"
    login_staff(client, gomi)
    assert (
        client.post(f"/api/applications/staff/submissions/{created['id']}/status", {"to_status": "completed"}, content_type="application/json").status_code
        == 404
    )
