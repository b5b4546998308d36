import datetime as dt
import json

import pytest
from django.urls import reverse

from .conftest import PASSWORD


@pytest.mark.django_db
def test_profile_normalises_kana_wareki_postal_and_phone(client, resident):
    client.force_login(resident)
    data = {
        "family_name": "緑野",
        "given_name": "さくら",
        "family_name_kana": "ﾐﾄﾞﾘﾉ",
        "given_name_kana": "サクラ",
        "birth_date_text": "平成2年4月1日",
        "postal_code": "〒１９０－０００１",
        "address": "東京都立川市若葉町1-2-3",
        "address_building": "",
        "phone": "０９０－１２３４－５６７８",
    }
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 302
    resident.refresh_from_db()
    assert (resident.family_name_kana, resident.given_name_kana) == ("みどりの", "さくら")
    assert resident.birth_date == dt.date(1990, 4, 1)
    assert resident.postal_code == "190-0001" and resident.phone == "090-1234-5678"
    prefill = resident.profile_for_prefill()
    assert prefill["full_name_kana"] == "みどりの さくら" and prefill["birth_date"] == "1990-04-01"
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "平成2年4月1日" in page and 'autocomplete="postal-code"' in page


@pytest.mark.django_db
def test_profile_errors_name_the_field_and_keep_input(client, resident):
    client.force_login(resident)
    data = {"family_name": "緑野", "family_name_kana": "midorino", "birth_date_text": "令和99年13月1日", "postal_code": "12", "phone": "abc"}
    response = client.post(reverse("accounts:profile"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "ひらがな" in html and "郵便番号は7桁" in html and "電話番号は0から始まる" in html and "生年月日" in html
    assert 'id="id_family_name_kana_error"' in html and 'aria-invalid="true"' in html
    assert 'value="緑野"' in html and 'value="midorino"' in html
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    html = client.post(reverse("accounts:profile"), {"birth_date_text": future}).content.decode()
    assert "未来の日付" in html
    html = client.post(reverse("accounts:profile"), {"family_name": "緑野", "address": "東京都みどり野市中央 123456789018"}).content.decode()
    assert "住所にマイナンバー（個人番号）を書かないでください" in html and 'value="緑野"' in html


@pytest.mark.django_db
def test_postal_lookup_fills_address_without_saving(client, resident):
    client.force_login(resident)
    response = client.post(reverse("accounts:profile"), {"postal_code": "1900001", "family_name": "緑野", "lookup": "1"})
    html = response.content.decode()
    assert 'value="東京都立川市若葉町"' in html and 'value="190-0001"' in html and 'value="緑野"' in html
    resident.refresh_from_db()
    assert resident.postal_code == "" and resident.family_name == ""
    html = client.post(reverse("accounts:profile"), {"postal_code": "0000000", "lookup": "1"}).content.decode()
    assert "住所が見つかりませんでした" in html


@pytest.mark.django_db
def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_api_me_read_and_update(client, resident):
    assert client.get("/api/accounts/me").status_code == 401
    client.force_login(resident)
    data = client.get("/api/accounts/me").json()
    assert data["email"] == resident.email and data["birth_date"] is None
    body = {"family_name": "緑野", "given_name_kana": "サクラ", "birth_date": "R2.5.1", "postal_code": "1900001"}
    response = client.put("/api/accounts/me", json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["given_name_kana"] == "さくら" and data["birth_date"] == "2020-05-01" and data["birth_date_wareki"] == "令和2年5月1日"
    assert data["postal_code"] == "190-0001"
    response = client.put("/api/accounts/me", json.dumps({"birth_date": "昭和99年", "phone": "x" * 50}), content_type="application/json")
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"birth_date", "phone"} <= fields


@pytest.mark.django_db
def test_delete_account_deactivates(client, resident):
    client.force_login(resident)
    html = client.post(reverse("accounts:delete_account"), {"password": "wrong"}).content.decode()
    assert "パスワードが正しくありません" in html
    response = client.post(reverse("accounts:delete_account"), {"password": PASSWORD})
    assert response.status_code == 302
    resident.refresh_from_db()
    assert not resident.is_active
    response = client.post(reverse("accounts:login"), {"username": resident.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_staff_api_auth_needs_verified_second_factor(rf, clerk, resident):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from madoguchi.core.api_auth import staff_auth

    request = rf.get("/api/x")
    request.user = clerk
    clerk.is_verified = lambda: False
    assert staff_auth.authenticate(request, "session") is None
    clerk.is_verified = lambda: True
    clerk.otp_device = TOTPDevice(user=clerk)
    assert staff_auth.authenticate(request, "session") == clerk
    request.user = resident
    resident.is_verified = lambda: True
    assert staff_auth.authenticate(request, "session") is None


def test_postal_lookup_works_from_another_thread():
    import threading

    from madoguchi.accounts.services import lookup_address

    result = {}
    thread = threading.Thread(target=lambda: result.update(address=lookup_address("190-0001")))
    thread.start()
    thread.join()
    assert result["address"] == "東京都立川市若葉町"
