import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_page_is_accessible(live_server, page, axe_check, demo):
    page.goto(live_server.url + "/")
    assert "みどり野市" in page.title()
    axe_check(page, "top page")
