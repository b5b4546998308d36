"""Issue #12 item 10: languages are offered by their own names (English), never as Django's
Japanese catalog renders "English" (「英語(米国)」); staff messages call it 英語."""

import inspect

from django.urls import reverse

from madoguchi.alerts.channels import line, render, webpush
from madoguchi.alerts.models import Language


def test_language_choices_use_their_own_names(client, city):
    html = client.get(reverse("alerts:subscribe"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "English" in html and "やさしい日本語" in html
    assert "英語(米国)" not in html and "米国" not in html
    assert dict(Language.choices)["en"] == "English"


def test_staff_messages_name_the_language_in_japanese():
    assert render.language_name("en") == "英語"
    assert render.language_name("ja-easy") == "やさしい日本語"
    # LINE's and Web Push's over-length messages name the language through it (their own
    # wrappers were aliases of it and are gone).
    for module in (line, webpush):
        assert "render.language_name(lang)" in inspect.getsource(module)
