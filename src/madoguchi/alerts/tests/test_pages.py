import pytest
from django.urls import reverse


@pytest.mark.parametrize("name", ["alerts:notice_list", "alerts:subscribe", "alerts:feed_rss", "alerts:feed_atom", "alerts:cap_index", "alerts:service_worker"])
def test_public_pages(client, city, name):
    resp = client.get(reverse(name))
    assert resp.status_code == 200


def test_service_worker_scope_header(client, city):
    resp = client.get("/alerts/sw.js")
    assert resp["Service-Worker-Allowed"] == "/alerts/"
    assert resp["Content-Type"].startswith("text/javascript")


def test_notice_detail_and_cap(client, city):
    from madoguchi.alerts.models import Notice

    n = Notice.objects.filter(status="sent").exclude(title_en="").first()
    assert client.get(reverse("alerts:notice_detail", args=[n.pk])).status_code == 200
    assert "Shelter" in client.get(reverse("alerts:notice_detail", args=[n.pk]) + "?lang=en").content.decode()
    resp = client.get(reverse("alerts:cap_notice", args=[n.identifier]))
    assert resp.status_code == 200 and b"urn:oasis:names:tc:emergency:cap:1.2" in resp.content


def test_subscribe_form_errors_name_the_field(client, city):
    resp = client.post(reverse("alerts:subscribe"), {"channel": "email", "language": "ja", "facts": ["child_under_3"]})
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "分野を1つ以上選んでください。" in html
    assert "メールアドレスを入力してください" in html
    assert "同意が必要です" in html
    assert 'aria-invalid="true"' in html
