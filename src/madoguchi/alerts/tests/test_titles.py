"""Issue #12 item 4: an emergency notice whose title staff typed with 【緊急】 carries the marker
once on every channel (email subject, LINE, Web Push, RSS/Atom, CAP), and channel names are shown
in Japanese (the channel plugins' labels)."""

import json

import pytest

from madoguchi.accounts.testing import login_staff
from madoguchi.alerts.channels import cap, labels_for, line, render, web, webpush
from madoguchi.alerts.channels.email import EmailChannel
from madoguchi.alerts.models import Notice, Topic


def _emergency(city, staff, title="【緊急】大雨警報", **kw):
    return Notice.objects.create(
        municipality=city,
        section=staff["section"],
        topic=Topic.objects.get(municipality=city, slug="bousai"),
        severity="Extreme",
        title=title,
        body="避難所を開設しました。",
        title_en="[Emergency] Heavy rain warning",
        body_en="Shelters are open.",
        channels=["email", "webpush", "line"],
        all_areas=True,
        created_by=staff["clerk"],
        **kw,
    )


@pytest.mark.parametrize(
    "typed",
    ["【緊急】大雨警報", "大雨警報", "［緊急］ 大雨警報", "[緊急]大雨警報", "　【緊急】【緊急】大雨警報"],
)
def test_display_title_once_and_idempotent(typed):
    once = render.display_title(typed, "【緊急】")
    assert once == "【緊急】大雨警報"
    assert render.display_title(once, "【緊急】") == once
    assert render.display_title("大雨警報", "") == "大雨警報"


def test_every_channel_carries_the_marker_once(city, staff):
    notice = _emergency(city, staff)
    notice.sent_at = notice.created_at
    assert render.title(notice, "ja") == "【緊急】大雨警報"
    assert render.title(notice, "en") == "[Emergency] Heavy rain warning"

    msg = EmailChannel().build(notice, "ja", "resident@example.jp", "tok", "m1", {})
    assert msg.subject == "【緊急】大雨警報"
    assert line.text(notice, "ja").splitlines()[0] == "【緊急】大雨警報"
    assert json.loads(webpush.payload(notice, "ja"))["title"] == "【緊急】大雨警報"
    for kind in ("rss", "atom"):
        xml = web.feed([notice], kind=kind, base_url="http://testserver", municipality=city).decode()
        assert "【緊急】大雨警報" in xml and "【緊急】【緊急】" not in xml
    capxml = cap.build(notice).decode()
    assert "<headline>【緊急】大雨警報</headline>" in capxml and "【緊急】【緊急】" not in capxml


def test_a_correction_is_marked_once(city, staff):
    notice = _emergency(city, staff, title="【訂正】【緊急】大雨警報", kind="Update")
    assert render.title(notice, "ja") == "【訂正】大雨警報"


def test_channel_names_are_japanese(client, city, staff):
    assert labels_for(["email", "webpush", "line"]) == ["メール", "Webプッシュ通知", "LINE"]
    notice = _emergency(city, staff)
    login_staff(client, staff["clerk"])
    html = client.get(f"/alerts/staff/{notice.pk}/").content.decode()
    assert "メール、Webプッシュ通知、LINE" in html
    assert "email, webpush" not in html


def test_notice_form_channel_choices_are_the_plugins_labels(city):
    from madoguchi.alerts.forms import NoticeForm

    choices = dict(NoticeForm(municipality=city).fields["channels"].choices)
    assert choices == {"email": "メール", "webpush": "Webプッシュ通知", "line": "LINE"}
