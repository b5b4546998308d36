"""The waiting room page on a 360 px phone in real Chromium (issue #14 item 3): it shows the
place in line to assistive technology (a polite live region), passes axe and does not scroll
sideways, and — without any action from the resident — takes them back to the page they asked
for once their turn comes (htmx polls the place; admission is moved forward here by raising
the rate, not by waiting on the clock)."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from madoguchi.core import tenancy, waitingroom
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory
from madoguchi.core.models import MunicipalityDomain

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_waiting_page_is_accessible_and_returns_the_resident_when_admitted(live_server, page, axe_check, reflow_check, settings, monkeypatch):
    settings.WAITING_ROOM_INFLIGHT_THRESHOLD = 1
    # The page asks again when the turn is due (never, at this rate): at most every 2 s here.
    monkeypatch.setattr(waitingroom, "PAGE_POLL_MAX", 2)
    settings.WAITING_ROOM_ADMIT_PER_SECOND = 0.0001  # nobody is admitted by the clock in this test
    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain="localhost")
    with tenancy.using(city):
        waitingroom._incr(waitingroom._keys("reservations")[0], 5)  # the rush: requests in flight
        waitingroom.take_ticket("reservations", time.time())  # someone arrived first
    client = Client()
    client.force_login(ResidentFactory())
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(live_server.url + "/reservations/")
    assert page.get_by_role("heading", level=1).inner_text() == "順番にご案内しています"
    assert page.locator("#waiting-position[aria-live=polite]").inner_text().startswith("あなたの順番：2")
    axe_check(page, "waiting room")
    reflow_check(page, "waiting room")

    # The servers catch up and the rate is raised: both are admitted, and the poll sends the page back.
    settings.WAITING_ROOM_ADMIT_PER_SECOND = 1000
    page.wait_for_url(live_server.url + "/reservations/", timeout=20000)
    page.wait_for_function("() => !document.querySelector('#waiting-position')", timeout=20000)
    assert page.get_by_role("heading", level=1).inner_text() != "順番にご案内しています"
