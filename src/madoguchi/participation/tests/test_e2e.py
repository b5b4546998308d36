"""Submitting an opinion in real Chromium at 360 px: every step axe-clean."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_submit_opinion_at_360px(live_server, page, axe_check, reflow_check, city):
    from madoguchi.participation import demo
    from madoguchi.participation.models import Consultation, Opinion

    demo.load(city)
    c = Consultation.objects.get(title=demo.TITLE)
    before = Opinion.objects.count()
    page.goto(f"{live_server.url}/participation/consultations/{c.pk}/")
    axe_check(page, "consultation page")
    reflow_check(page, "consultation page")
    page.get_by_role("link", name="「具体的な施策」について意見を出す").click()
    page.get_by_role("button", name="入力内容を確認する").click()
    expect(page.locator("#error-summary")).to_be_visible()  # required fields named, nothing lost
    axe_check(page, "opinion form with errors")
    reflow_check(page, "opinion form with errors")
    page.get_by_label("ご意見").fill("公共施設の予約を、スマートフォンから簡単にできるようにしてください。")
    page.get_by_label("氏名").fill("架空 太郎")
    page.get_by_label("住所").fill("みどり野市中央一丁目")
    page.get_by_role("button", name="入力内容を確認する").click()
    axe_check(page, "opinion confirmation")
    page.get_by_role("button", name="この内容で提出する").click()
    page.wait_for_url("**/opinion/done/")
    assert "受付番号" in page.content()
    axe_check(page, "opinion done")
    assert Opinion.objects.count() == before + 1
    page.goto(f"{live_server.url}/participation/proposals/")
    axe_check(page, "proposal list")
    page.get_by_role("link", name="公共施設のWi-Fiを増やしてほしい").click()
    # content() read mid-navigation returns ''; wait for the detail page, then expect() polls.
    page.wait_for_url(re.compile(r"/participation/proposals/\d+/$"))
    expect(page.locator("main")).to_contain_text("採用")
    page.get_by_text("不適切な内容を通報する").click()
    axe_check(page, "proposal detail with the report form open")
    reflow_check(page, "proposal detail")
    page.goto(f"{live_server.url}/participation/")
    axe_check(page, "participation index")
