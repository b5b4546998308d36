"""受け取り設定: the signed link in every email (no login), the signed-in resident's list, and
the per-recipient email built from one template per language."""

import re

from madoguchi.alerts import services
from madoguchi.alerts.channels import email as email_channel
from madoguchi.alerts.models import Area, Delivery, Notice, Subscription, TargetingConsent, Topic


def _sub(city, address="taro@example.jp", language="ja", topics=("bousai",)):
    s = Subscription.objects.create(municipality=city, channel="email", address=address, status="active", language=language)
    s.topics.set(Topic.objects.filter(municipality=city, slug__in=topics))
    return s


def _send(city, staff, smtp_email, run_tasks, n_expected, **kw):
    notice = Notice.objects.create(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Moderate",
        title="給水のお知らせ",
        body="中央一丁目で断水しています。",
        channels=["email"],
        all_areas=True,
        created_by=staff["clerk"],
        **kw,
    )
    services.request_send(notice, staff["clerk"])
    run_tasks()
    return notice, smtp_email.wait_for(n_expected)


def _manage_path(msg) -> str:
    text = msg.get_body(("plain",)).get_content()
    url = re.search(r"受け取り設定の変更: (\S+)", text).group(1)
    html = msg.get_body(("html",)).get_content()
    assert url in html  # the HTML part carries the same link
    return "/" + url.split("/", 3)[3]


def test_every_email_links_to_its_own_manage_page(city, staff, smtp_email, run_tasks, client):
    a, b = _sub(city, "a@example.jp"), _sub(city, "b@example.jp")
    _notice, msgs = _send(city, staff, smtp_email, run_tasks, 2)
    by_to = {m["to"][0]: m["message"] for m in msgs}
    paths = {to: _manage_path(m) for to, m in by_to.items()}
    assert paths["a@example.jp"] != paths["b@example.jp"]
    resp = client.get(paths["a@example.jp"])
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "入力内容を確認してください" not in html  # a GET shows the saved choices, no errors
    bousai = Topic.objects.get(municipality=city, slug="bousai")
    assert re.search(rf'<input[^>]*value="{bousai.pk}"[^>]*checked', html), "saved topic is pre-checked"
    # per-recipient parts filled in: To, Message-ID, unsubscribe token
    for to, m in by_to.items():
        sub = a if to == "a@example.jp" else b
        assert sub.token in str(m["List-Unsubscribe"])
        assert sub.token in m.get_body(("plain",)).get_content()
        d = Delivery.objects.get(subscription=sub)
        assert m["Message-ID"].startswith(f"<{d.idempotency_key}@")


def test_manage_link_changes_topics_areas_language_and_consent(city, client):
    sub = _sub(city)
    path = f"/alerts/manage/{services.manage_key(sub)}/"
    area = Area.objects.filter(municipality=city).first()
    gomi = Topic.objects.get(municipality=city, slug="gomi")
    resp = client.post(path, {"action": "save", "topics": [gomi.pk], "areas": [area.pk], "language": "en", "facts": ["child_under_3"], "consent": "on"})
    assert resp.status_code == 302 and resp["Location"].endswith("?done=saved")
    sub.refresh_from_db()
    assert list(sub.topics.all()) == [gomi] and list(sub.areas.all()) == [area] and sub.language == "en"
    assert TargetingConsent.objects.get(subscription=sub).facts == ["child_under_3"]
    page = client.get(resp["Location"]).content.decode()
    assert "受け取り設定を保存しました" in page and "同意を取り消して属性を削除する" in page

    # withdraw consent only: the subscription stays
    resp = client.post(path, {"action": "consent"})
    assert resp.status_code == 302
    assert not TargetingConsent.objects.filter(subscription=sub).exists()
    sub.refresh_from_db()
    assert sub.status == "active"

    # unsubscribe; the link then no longer opens the page
    resp = client.post(path, {"action": "unsubscribe"})
    assert resp.status_code == 200 and "配信を停止しました" in resp.content.decode()
    sub.refresh_from_db()
    assert sub.status == "unsubscribed"
    assert client.get(path).status_code == 404


def test_manage_errors_name_the_field_and_keep_input(city, client):
    sub = _sub(city)
    path = f"/alerts/manage/{services.manage_key(sub)}/"
    resp = client.post(path, {"action": "save", "topics": [], "language": "ja-easy", "facts": ["pet"]})
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "分野を1つ以上選んでください。" in html and "属性を使うには同意が必要です" in html
    assert 'aria-invalid="true"' in html and 'value="ja-easy"' in html and "checked" in html
    sub.refresh_from_db()
    assert sub.language == "ja" and sub.topics.count() == 1  # nothing saved


def test_forged_or_plain_token_link_is_refused(city, client):
    sub = _sub(city)
    assert client.get(f"/alerts/manage/{sub.token}/").status_code == 404  # unsigned
    assert client.get(f"/alerts/manage/{sub.token}:forged/").status_code == 404
    assert client.post(f"/alerts/manage/{sub.token}:forged/", {"action": "unsubscribe"}).status_code == 404
    sub.refresh_from_db()
    assert sub.status == "active"


def test_signed_in_resident_sees_own_subscriptions_only(city, client):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email="hanako@example.jp", password="x" * 12)
    mine = _sub(city, "hanako@example.jp")
    mine.user = user
    mine.save()
    other = _sub(city, "other@example.jp")
    assert client.get("/alerts/mine/").status_code == 302  # login first
    client.force_login(user)
    html = client.get("/alerts/mine/").content.decode()
    assert f"/alerts/manage/{services.manage_key(mine)}/" in html
    assert services.manage_key(other) not in html


def test_email_template_falls_back_for_non_ascii_address(city, staff):
    sub = _sub(city, "たろう@例え.jp")
    notice = Notice.objects.create(
        municipality=city, section=staff["section"], topic=sub.topics.first(), severity="Minor", title="t", body="本文", channels=["email"], all_areas=True
    )
    d = Delivery.objects.create(notice=notice, subscription=sub, channel="email")
    ch = email_channel.EmailChannel()
    raw = ch.raw(notice, d, {})
    assert email_channel.PH_ADDRESS.encode() not in raw and email_channel.PH_TOKEN.encode() not in raw
    assert sub.token.encode() in raw


def test_email_address_change_needs_confirmation_from_the_new_address(city, client, run_tasks, mailoutbox):
    sub = _sub(city, "old@example.jp")
    other = _sub(city, "taken@example.jp")
    path = f"/alerts/manage/{services.manage_key(sub)}/"
    # errors name the field: empty, malformed, same, already registered
    for value, message in [
        ("", "新しいメールアドレスを入力してください。"),
        ("not-an-address", "メールアドレスの形式で入力してください"),
        ("OLD@example.jp", "今と同じメールアドレスです。"),
        (other.address, "このメールアドレスはすでに登録されています。"),
    ]:
        resp = client.post(path, {"action": "email", "change-new_email": value})
        assert resp.status_code == 200 and message in resp.content.decode(), value
        assert 'id="id_change-new_email_error"' in resp.content.decode()
    resp = client.post(path, {"action": "email", "change-new_email": "New@Example.jp"})
    assert resp.status_code == 302 and resp["Location"].endswith("?done=email")
    run_tasks()
    mail = [m for m in mailoutbox if m.to == ["new@example.jp"]][-1]
    link = re.search(r"https?://\S+/alerts/change-email/\S+/", mail.body).group(0)
    change_path = "/" + link.split("/", 3)[3]
    sub.refresh_from_db()
    assert sub.address == "old@example.jp"  # nothing changes before the new address confirms
    assert client.get(change_path).status_code == 200  # GET only asks
    sub.refresh_from_db()
    assert sub.address == "old@example.jp"
    resp = client.post(change_path)
    assert resp.status_code == 302 and resp["Location"].endswith("?done=changed")
    sub.refresh_from_db()
    assert sub.address == "new@example.jp"
    assert client.get(change_path[:-5] + "xxxx/").status_code == 400  # tampered link
