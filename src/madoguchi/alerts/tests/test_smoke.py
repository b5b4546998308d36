import pytest
from django.urls import reverse


@pytest.mark.parametrize("name", ["alerts:notice_list", "alerts:subscribe", "alerts:feed_rss", "alerts:feed_atom", "alerts:cap_index", "alerts:service_worker"])
def test_public_pages(client, city, name):
    resp = client.get(reverse(name))
    assert resp.status_code == 200


def test_notice_detail_and_cap(client, city):
    from madoguchi.alerts.models import Notice

    n = Notice.objects.filter(status="sent").first()
    assert client.get(reverse("alerts:notice_detail", args=[n.pk])).status_code == 200
    assert client.get(reverse("alerts:notice_detail", args=[n.pk]) + "?lang=en").status_code == 200
    resp = client.get(reverse("alerts:cap_notice", args=[n.identifier]))
    assert resp.status_code == 200 and b"urn:oasis:names:tc:emergency:cap:1.2" in resp.content
