"""Participation API: public lists and details of published items and results, staff overviews
through the one staff auth, all in /api/docs."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.participation import proposals, services
from madoguchi.participation.models import Consultation


def _draft(staff, title, **kw):
    today = timezone.localdate()
    c = Consultation(
        municipality=staff["section"].municipality,
        section=staff["section"],
        title=title,
        starts_on=today - dt.timedelta(days=1),
        ends_on=today + dt.timedelta(days=5),
        is_published=kw.pop("is_published", True),
        **kw,
    )
    return services.save_consultation(c, draft="# 第1章 総則\n本文です", plan_item_ids=[], staff=staff["clerk"])


def test_openapi_lists_the_participation_endpoints(client, city):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/participation/consultations",
        "/api/participation/consultations/{consultation_id}",
        "/api/participation/consultations/{consultation_id}/results",
        "/api/participation/surveys",
        "/api/participation/surveys/{survey_id}/results",
        "/api/participation/proposals",
        "/api/participation/proposals/{proposal_id}",
        "/api/participation/staff/consultations",
        "/api/participation/staff/proposals",
        "/api/participation/staff/comment-campaigns",
    ):
        assert path in paths, path
    assert client.get("/api/docs").status_code == 200


def test_public_consultations_and_published_results_only(client, consultation, staff):
    hidden = _draft(staff, "非公開の案", is_published=False)
    rows = client.get("/api/participation/consultations").json()
    assert [r["title"] for r in rows] == [consultation.title] and rows[0]["phase"] == "open" and rows[0]["results_url"] is None
    assert client.get("/api/participation/consultations?phase=closed").json() == []
    assert client.get("/api/participation/consultations?phase=x").status_code == 422
    detail = client.get(f"/api/participation/consultations/{consultation.pk}").json()
    assert [s["title"] for s in detail["sections"]] == ["計画の位置付け", "施策"]
    assert client.get(f"/api/participation/consultations/{hidden.pk}").status_code == 404
    assert client.get("/api/participation/consultations/99999999999").status_code == 422  # never a database overflow
    missing = client.get(f"/api/participation/consultations/{consultation.pk}/results")
    assert missing.status_code == 404 and "まだ公表されていません" in missing.json()["detail"]

    opinion = services.submit_opinion(consultation, services.OpinionInput(text="申請を増やしてほしい。", name="山田花子", address="みどり野市1-1"))
    group = services.make_group(consultation, [opinion.pk], summary="申請の拡大", staff=staff["clerk"])
    services.set_city_view(group, summary="申請の拡大", city_view="順次増やします。", staff=staff["clerk"])
    consultation.ends_on = timezone.localdate() - dt.timedelta(days=1)
    consultation.save()
    services.publish_results(consultation, staff=staff["clerk"])
    resp = client.get(f"/api/participation/consultations/{consultation.pk}/results")
    assert resp.status_code == 200 and "no-store" not in resp.get("Cache-Control", "")
    [row] = resp.json()
    assert row["city_view"] == "順次増やします。" and row["opinions"] == [{"text": "申請を増やしてほしい。", "count": 1}]
    assert "山田花子" not in resp.content.decode()


def test_public_proposals_leave_out_hidden_ones_and_hidden_comments(client, city, staff):
    User = get_user_model()
    author, other = (User.objects.create_user(email=f"api{i}@example.jp", password="x" * 12) for i in range(2))
    shown = proposals.post_proposal(title="図書館の夜間開館", body="平日夜も開けてほしい。", author=author, municipality=city)
    hidden = proposals.post_proposal(title="広告", body="広告です。", author=author, municipality=city)
    proposals.hide(hidden, reason="広告のため", staff=staff["clerk"])
    comment = proposals.comment(shown, body="失礼なコメント", author=other)
    proposals.hide(comment, reason="個人への攻撃のため", staff=staff["clerk"])
    proposals.answer(shown, outcome="adopted", text="実施します。", staff=staff["clerk"])
    rows = client.get("/api/participation/proposals").json()
    assert [r["id"] for r in rows] == [shown.pk] and rows[0]["outcome"] == "adopted" and rows[0]["answer"] == "実施します。"
    assert client.get("/api/participation/proposals?status=answered").json()[0]["id"] == shown.pk
    assert client.get("/api/participation/proposals?status=bad").status_code == 422
    detail = client.get(f"/api/participation/proposals/{shown.pk}").json()
    assert detail["comments"] == [
        {"id": comment.pk, "parent_id": None, "body": "", "hidden_reason": "個人への攻撃のため", "created_at": detail["comments"][0]["created_at"]}
    ]
    assert client.get(f"/api/participation/proposals/{hidden.pk}").status_code == 404
    assert "api0@example.jp" not in client.get(f"/api/participation/proposals/{shown.pk}").content.decode()


def test_survey_results_only_when_public(client, city, staff):
    import random

    from madoguchi.participation import survey_demo, surveys
    from madoguchi.participation.survey_models import Survey, SurveyResponse

    survey = surveys.save_survey(survey_demo.make_survey(city, staff["section"]), plan_item_ids=[], staff=staff["clerk"])
    rng = random.Random(5)
    for i in range(6):
        SurveyResponse.objects.create(survey=survey, municipality=city, browser_key=f"api{i}", answers=survey_demo.answers(rng))
        surveys.submit(survey, surveys.Respondent(browser_key=f"api{i}"))
    Survey.objects.filter(pk=survey.pk).update(is_published=True, results_public=False)
    assert [s["id"] for s in client.get("/api/participation/surveys").json()] == [survey.pk]
    assert client.get(f"/api/participation/surveys/{survey.pk}/results").status_code == 404
    Survey.objects.filter(pk=survey.pk).update(results_public=True)
    data = client.get(f"/api/participation/surveys/{survey.pk}/results").json()
    assert data["survey"]["id"] == survey.pk and data["total"] == 6 and data["indicative"] is True
    assert all(q["type"] != "textarea" for q in data["questions"])  # free text is for staff only
    counted = [q for q in data["questions"] if q["choices"]]
    assert counted and counted[0]["respondents"] > 0 and sum(c["count"] for c in counted[0]["choices"]) >= counted[0]["respondents"]
    assert any(q["lines"] for q in data["questions"])  # matrix / ranking lines


def test_staff_endpoints_need_a_verified_staff_session_and_see_their_sections(client, consultation, staff):
    assert client.get("/api/participation/staff/consultations").status_code == 401
    login_staff(client, staff["other"])
    assert client.get("/api/participation/staff/consultations").json() == []  # another section's
    client.logout()
    login_staff(client, staff["clerk"])
    services.submit_opinion(consultation, services.OpinionInput(text="連絡は taro@example.jp まで", name="a", address="b"))
    [row] = client.get("/api/participation/staff/consultations").json()
    assert row["id"] == consultation.pk and row["opinions"] == 1 and row["open_flags"] == 1 and row["ungrouped"] == 1
    assert any("募集期間中" in p for p in row["publication_problems"])
    assert "taro@example.jp" not in client.get("/api/participation/staff/consultations").content.decode()
    assert client.get("/api/participation/staff/proposals?queue=true").json() == []
    assert client.get("/api/participation/staff/comment-campaigns").json() == []
    assert client.get("/api/participation/staff/comment-campaigns?status=bad").status_code == 422
