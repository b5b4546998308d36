"""Answering the demo survey in real Chromium at 360 px with the keyboard (matrix and ranking
included): axe-clean on every page, and the answers counted in the results."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_answer_survey_by_keyboard_at_360px(live_server, page, axe_check, city, staff):
    from madoguchi.participation import survey_demo, surveys
    from madoguchi.participation.survey_models import SurveyResponse

    survey = surveys.save_survey(survey_demo.make_survey(city, staff["section"]), plan_item_ids=[], staff=staff["clerk"])
    page.goto(f"{live_server.url}/participation/surveys/{survey.pk}/")
    axe_check(page, "survey intro")
    page.get_by_text("やさしい にほんご").click()  # the disclosure staff's plain-Japanese text sits in
    expect(page.get_by_text("おしえて ください")).to_be_visible()
    axe_check(page, "survey intro with やさしい日本語 open")
    page.get_by_role("link", name="回答する").click()
    page.get_by_label("30歳代").check()
    page.get_by_label("お住まいの地区").select_option("central")
    page.get_by_role("button", name="次へ").click()
    page.get_by_role("button", name="回答内容を確認する").click()  # nothing answered: errors named
    expect(page.locator("#error-summary")).to_be_visible()
    axe_check(page, "survey page 2 with errors")
    page.get_by_label("ある", exact=True).check()  # the branch shows the follow-up questions
    page.get_by_role("checkbox", name="施設予約").check()
    page.get_by_label("満足", exact=True).check()
    # Matrix: each statement is a radio group — Tab into it, arrow keys choose.
    page.locator("#f-ease-phone-0").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # よい → ふつう
    page.keyboard.press("Tab")  # next statement's group
    page.keyboard.press("Space")
    assert page.locator("#f-ease-phone-1").is_checked() and page.locator("#f-ease-words-0").is_checked()
    # Ranking: one select per item, chosen by keyboard.
    for item, rank in (("f-priority-1", "1位"), ("f-priority-0", "2位"), ("f-priority-3", "3位")):
        page.locator(f"#{item}").focus()
        page.locator(f"#{item}").select_option(label=rank)
    axe_check(page, "survey page 2 filled")
    page.get_by_role("button", name="回答内容を確認する").click()
    expect(page.locator("main")).to_contain_text("1位 施設予約")
    axe_check(page, "survey confirmation")
    page.get_by_role("button", name="この内容で回答する").click()
    page.wait_for_url("**/done/")
    response = SurveyResponse.objects.get(survey=survey)
    assert response.answers["ease"] == {"phone": "fair", "words": "good"}
    assert response.answers["priority"] == ["booking", "apply", "alerts"]
    page.goto(f"{live_server.url}/participation/surveys/{survey.pk}/results/")
    assert "参考値" in page.content()
    axe_check(page, "survey results")
