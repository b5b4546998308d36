"""Retention of survey answers (保存期間・削除), やさしい日本語 texts staff provide, and a repeated
comment refused (near-duplicate of the author's own)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.models import AuditLog
from madoguchi.participation import proposals, survey_demo, survey_results, surveys
from madoguchi.participation.survey_models import SurveyAnswer, SurveyResponse

HOST = {"HTTP_HOST": "localhost"}


@pytest.fixture
def resident(city):
    return get_user_model().objects.create_user(email="easy@example.jp", password="x" * 12)


def test_survey_answers_are_unlinked_after_the_retention_period(city, staff, resident):
    survey = surveys.save_survey(survey_demo.make_survey(city, staff["section"], retention_days=30), plan_item_ids=[], staff=staff["clerk"])
    rng = random.Random(5)
    for i in range(6):
        who = surveys.Respondent(user=resident) if i == 0 else surveys.Respondent(browser_key=f"k{i}" * 8)
        answers = survey_demo.answers(rng) | {"comment": f"意見{i}です。連絡先 090-1234-567{i}"}
        SurveyResponse.objects.create(survey=survey, municipality=city, answers=answers, **who.lookup())
        surveys.submit(survey, who)
    SurveyResponse.objects.create(survey=survey, municipality=city, browser_key="draft" * 4, answers={"age_group": "20s"})
    before = survey_results.compute(survey, texts=None)

    assert surveys.purge_expired_responses(today=survey.purge_after) == []  # the last day still keeps them
    survey.ends_on = timezone.localdate() - dt.timedelta(days=31)
    survey.save()
    assert surveys.purge_expired_responses() == [survey.pk]
    assert surveys.purge_expired_responses() == []  # once

    rows = SurveyResponse.objects.filter(survey=survey)
    assert rows.count() == 6 and not rows.filter(submitted_at__isnull=True).exists()  # the draft is gone
    assert not rows.exclude(user=None).exists() and not rows.exclude(browser_key="").exists() and not rows.exclude(answers={}).exists()
    assert not SurveyAnswer.objects.filter(survey=survey).exclude(text="").exists()
    after = survey_results.compute(survey, texts=None)
    assert after.total == before.total == 6
    assert [q.key for q in after.questions] == [q.key for q in before.questions]
    log = AuditLog.objects.get(action=AuditLog.Action.PURGE, target_id=str(survey.pk), detail__has_key="responses")
    assert log.detail["drafts"] == 1 and log.detail["responses"] == 6 and log.detail["texts"] == 6


def test_staff_page_states_the_retention(client, city, staff):
    survey = surveys.save_survey(survey_demo.make_survey(city, staff["section"], retention_days=90), plan_item_ids=[], staff=staff["clerk"])
    login_staff(client, staff["clerk"])
    body = client.get(reverse("participation:staff_survey", args=[survey.pk]), **HOST).content.decode()
    assert "回答締切後90日" in body
    surveys.purge_responses(survey, staff=staff["clerk"])
    body = client.get(reverse("participation:staff_survey", args=[survey.pk]), **HOST).content.decode()
    assert "削除済み" in body


def test_easy_japanese_where_staff_provide_it(client, city, staff, consultation, resident, mailoutbox, run_tasks):
    survey = survey_demo.make_survey(city, staff["section"], easy_description="しやくしょの インターネットの サービスに ついて きかせて ください。")
    surveys.save_survey(survey, plan_item_ids=[], staff=staff["clerk"])
    body = client.get(reverse("participation:survey_detail", args=[survey.pk]), **HOST).content.decode()
    assert "やさしい にほんご" in body and "きかせて ください" in body
    plain = client.get(reverse("participation:consultation_detail", args=[consultation.pk]), **HOST).content.decode()
    assert "やさしい にほんご" not in plain  # nothing shown when staff wrote none
    consultation.easy_summary = "けいかくの あんに いけんを ください。"
    consultation.save()
    assert "いけんを ください" in client.get(reverse("participation:consultation_detail", args=[consultation.pk]), **HOST).content.decode()

    p = proposals.post_proposal(title="ベンチを増やす", body="公園のベンチが足りません。", author=resident, municipality=city)
    proposals.answer(p, outcome="adopted", text="来年度に設置します。", easy_text="らいねん ベンチを おきます。", staff=staff["clerk"])
    run_tasks()
    assert "らいねん ベンチを おきます" in mailoutbox[0].body
    assert "らいねん ベンチを おきます" in client.get(reverse("participation:proposal_detail", args=[p.pk]), **HOST).content.decode()


def test_a_repeated_comment_of_the_same_author_is_refused(city, resident):
    other = get_user_model().objects.create_user(email="other@example.jp", password="x" * 12)
    p = proposals.post_proposal(title="図書館の開館時間", body="夜も開けてください。", author=resident, municipality=city)
    proposals.comment(p, body="賛成です。平日の夜8時まで開けてほしいです。", author=resident)
    with pytest.raises(ValidationError, match="すでに投稿しています"):
        proposals.comment(p, body="賛成です！ 平日の夜８時まで開けてほしいです", author=resident)
    proposals.comment(p, body="賛成です。平日の夜8時まで開けてほしいです。", author=other)  # someone else may say the same
    assert p.comments.count() == 2


def test_staff_link_a_proposal_to_plan_items(client, city, staff, resident):
    p = proposals.post_proposal(title="窓口のキャッシュレス化", body="窓口でカード払いを。", author=resident, municipality=city)
    login_staff(client, staff["clerk"])
    url = reverse("participation:staff_proposal", args=[p.pk])
    r = client.post(url, {"action": "plan_items", "plan_item_ids": "12、x"}, **HOST)
    assert r.status_code == 200 and "数字をカンマで区切って" in r.content.decode() and 'value="12、x"' in r.content.decode()
    r = client.post(url, {"action": "plan_items", "plan_item_ids": "15, 12, 12"}, **HOST)
    assert r.status_code == 302 and sorted(p.plan_links.values_list("plan_item_id", flat=True)) == [12, 15]
    assert list(proposals.proposals_for_item(15)) == [p]
    assert AuditLog.objects.filter(target_id=str(p.pk), detail__plan_items=[12, 15]).exists()
