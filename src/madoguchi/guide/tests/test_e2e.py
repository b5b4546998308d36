"""The questionnaire in real Chromium at 360 px: answered with the keyboard only (radio groups
named by their question), the checklist announced; it, the guide list and the FAQ axe-clean
with no sideways scroll."""

import datetime as dt

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_questionnaire_by_keyboard_at_360px(live_server, page, axe_check):
    from madoguchi.applications.factories import ProcedureFactory
    from madoguchi.core.factories import MunicipalityFactory, SectionFactory
    from madoguchi.guide.factories import GuideFactory

    city = MunicipalityFactory(name="みどり野市", is_default=True)
    shimin = SectionFactory(municipality=city, name="市民課", location="本庁舎1階")
    ProcedureFactory(section=shimin, slug="tennyu", name="転入届", required_documents="本人確認書類")
    guide = GuideFactory(section=shimin, slug="moving-in")
    from madoguchi.guide.factories import FaqFactory

    FaqFactory(section=shimin, question="転入届はいつまでに出しますか。").guides.set([guide])

    page.goto(f"{live_server.url}/guides/moving-in/")
    axe_check(page, "questionnaire")
    group = page.get_by_role("group", name="お子さんがいますか")
    group.get_by_role("radio", name="はい").focus()
    page.keyboard.press("Space")
    assert group.get_by_role("radio", name="はい").is_checked()
    page.get_by_label("基準日").fill("2026-04-01")
    page.get_by_role("button", name="必要な手続きを表示する").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/checklist/**")
    assert page.get_by_role("status").inner_text().startswith("必要な手続きは 3 件です")
    assert page.get_by_role("heading", name="転入届").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "checklist")
    for url in ("/guides/", "/guides/faq/"):
        page.goto(live_server.url + url)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        axe_check(page, url)


def test_one_visit_booking_at_360px(live_server, page, axe_check, client):
    """Checklist → 「まとめて予約する」 → choose what to carry over → the counter's booking form,
    filled in; both pages axe-clean and without sideways scroll at 360 px."""
    from playwright.sync_api import expect

    from madoguchi.applications.factories import ProcedureFactory
    from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory
    from madoguchi.guide.factories import GuideFactory
    from madoguchi.reservations.factories import CounterFactory

    city = MunicipalityFactory(name="みどり野市", is_default=True)
    shimin = SectionFactory(municipality=city, name="市民課", location="本庁舎1階")
    ProcedureFactory(section=shimin, slug="tennyu", name="転入届", required_documents="本人確認書類", form=None, online=False)
    CounterFactory(section=shimin, slug="tennyu-madoguchi", name="市民課 転入・転出", procedures="転入届", location="1階 2番", booking_window_days=30)
    GuideFactory(section=shimin, slug="moving-in")
    client.force_login(ResidentFactory())
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(f"{live_server.url}/guides/moving-in/checklist/?q_children=yes&date=2026-04-01")
    page.get_by_role("link", name="窓口に1回で行けるよう、まとめて予約する").click()
    page.wait_for_url("**/checklist/visit/**")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "one visit")
    page.get_by_role("group", name="予約に書き添える内容").get_by_label("お子さんがいますか: はい").check()
    page.get_by_role("button", name="窓口の予約へ進む").click()
    page.wait_for_url("**/counters/tennyu-madoguchi/**")
    field = page.get_by_label("手続き・相談の内容")
    expect(field).to_have_value("手続きガイド「転入」: 転入届、児童手当。 窓口の時間の目安 約30分。 お子さんがいますか: はい。 持ち物: 本人確認書類。")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "counter booking, filled in")


def test_whole_visit_booked_at_once_at_360px(live_server, page, axe_check, client):
    """One visit page → 「窓口をまとめて予約する」 → the itinerary across two counters (walk shown)
    → booked → the itinerary page; then the counter staff's page of that visit. Each axe-clean,
    no sideways scroll at 360 px."""
    from playwright.sync_api import expect

    from madoguchi.accounts.testing import login_staff
    from madoguchi.applications.factories import ProcedureFactory
    from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory, StaffFactory
    from madoguchi.guide.factories import GuideFactory, simple_definition
    from madoguchi.reservations.factories import CounterFactory

    city = MunicipalityFactory(name="みどり野市", is_default=True)
    shimin = SectionFactory(municipality=city, name="市民課", location="本庁舎1階")
    kosodate = SectionFactory(municipality=city, name="子育て支援課", location="本庁舎2階")
    ProcedureFactory(section=shimin, slug="tennyu", name="転入届", required_documents="本人確認書類", online=False)
    ProcedureFactory(section=kosodate, slug="jido", name="児童手当の認定請求", form=None, online=False)
    CounterFactory(section=shimin, slug="shimin", name="市民課 転入・転出", procedures="転入届", location="本庁舎1階 2番窓口", closes=dt.time(17))
    CounterFactory(
        section=kosodate, slug="kosodate", name="子育て支援課 手当", procedures="児童手当の認定請求", location="本庁舎2階 7番窓口", closes=dt.time(17)
    )
    defn = simple_definition()
    defn["groups"][1]["steps"][0] = {"key": "jido", "procedure": "jido", "minutes": 20, "when": {"children": "yes"}}
    GuideFactory(section=shimin, slug="moving-in", definition=defn)
    client.force_login(ResidentFactory())
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])

    page.goto(f"{live_server.url}/guides/moving-in/checklist/visit/?q_children=yes&date=2026-04-01")
    page.get_by_role("link", name="窓口をまとめて予約する").click()
    page.wait_for_url("**/checklist/visit/plan/**")
    expect(page.get_by_text("前の窓口から歩いて約5分")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "whole visit: itineraries")
    page.get_by_label("質問への回答・基準日と、アカウントの氏名・住所などを窓口の職員に伝える").check()
    page.get_by_role("button", name="この回り方でまとめて予約する").click()
    page.wait_for_url("**/guides/visits/**")
    expect(page.get_by_role("heading", level=1)).to_contain_text("まとめて来庁の予約")
    expect(page.get_by_role("link", name="予定表に入れる（.ics）")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "whole visit: itinerary")
    code = page.url.rstrip("/").rsplit("/", 1)[1]

    staff = StaffFactory(section=kosodate)
    login_staff(client, staff)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page.goto(f"{live_server.url}/guides/staff/visits/")
    page.get_by_label("まとめ予約の番号または予約番号").fill(code)
    page.get_by_role("button", name="開く").click()
    page.wait_for_url(f"**/guides/staff/visits/{code}/")
    expect(page.get_by_text("お子さんがいますか")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(page, "whole visit: staff")
