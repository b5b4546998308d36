"""The procedure page names the window the counter page names, and links to booking a visit
(issue #12 item 9): one source of truth, the reservations app's counter."""

from __future__ import annotations

import pytest
from django.urls import reverse

from madoguchi.reservations.factories import CounterFactory

from .test_flow import catalogue

pytestmark = pytest.mark.django_db


def test_procedure_page_links_to_the_counter_that_takes_it(client):
    procedure = catalogue("tennyu")
    counter = CounterFactory(
        section=procedure.section, slug="tennyu-tenshutsu", name="市民課 転入・転出", procedures="転入届;転出届;転居届", location="本庁舎1階 2番窓口"
    )
    html = client.get(procedure.get_absolute_url()).content.decode()
    booking = reverse("reservations:counter", args=[counter.slug])
    assert f'href="{booking}"' in html and "来庁予約をする" in html
    assert "本庁舎1階 2番窓口" in html and "窓口1番" not in html
    counter_page = client.get(booking).content.decode()
    assert "本庁舎1階 2番窓口" in counter_page  # the same place on both pages
    # A procedure no counter takes has no booking link.
    other = catalogue("juminhyo")
    assert booking not in client.get(other.get_absolute_url()).content.decode()
