"""Surveys (アンケート): question types in the form engine, branching, one response per account /
code / browser, save and resume, paper answers, the published-seed sample, letters, the
register purge, results with suppression and exports, the metric and plan links."""

from __future__ import annotations

import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from madoguchi.core import draw
from madoguchi.core.models import AuditLog
from madoguchi.forms.engine import FormEngine
from madoguchi.participation import sampling, survey_demo, survey_results, surveys
from madoguchi.participation.survey_models import RegisterEntry, Survey, SurveyAnswer, SurveyInvitation, SurveyResponse

HOST = {"HTTP_HOST": "localhost"}


@pytest.fixture
def survey(city, staff):
    return surveys.save_survey(survey_demo.make_survey(city, staff["section"]), plan_item_ids=[3], staff=staff["clerk"])


def _submit(survey, who, answers):
    SurveyResponse.objects.create(survey=survey, municipality=survey.municipality, answers=answers, **who.lookup())
    return surveys.submit(survey, who)


# --- question types --------------------------------------------------------------------------------


def test_survey_types_clean_display_and_refuse_bad_input():
    eng = FormEngine.from_schema(survey_demo.SCHEMA)
    data = {
        "used": "yes",
        "which": ["apply", "booking", "cashless"],
        "satisfaction": "4",
        "ease__phone": "good",
        "priority__apply": "1",
        "priority__booking": "1",
    }
    result = eng.validate_page(1, _QD(data))
    assert "2つまで" in result.errors["which"][0]  # multiple choice "up to N"
    assert "「説明のわかりやすさ」を選んでください" in result.errors["ease"][0]  # a matrix row missing
    assert "同じ1位" in result.errors["priority"][0]
    assert result.answers["ease"] == {"phone": "good"}  # kept as typed: nothing lost
    good = {
        "used": "yes",
        "which": ["apply"],
        "satisfaction": "4",
        "ease__phone": "good",
        "ease__words": "poor",
        "priority__apply": "2",
        "priority__booking": "1",
        "priority__alerts": "3",
    }
    result = eng.validate_page(1, _QD(good))
    assert result.is_valid, result.errors
    assert result.answers["priority"] == ["booking", "apply", "alerts"]
    assert eng.display(eng.fields["priority"], result.answers["priority"]) == "1位 施設予約、2位 オンライン申請、3位 防災・お知らせメール"
    assert eng.display(eng.fields["ease"], result.answers["ease"]) == "スマートフォンでの操作：よい、説明のわかりやすさ：わるい"
    cleaned, errors = eng.clean_all(result.answers | {"age_group": "20s", "area": "north"})
    assert not errors and cleaned["ease"] == {"phone": "good", "words": "poor"}


def test_branching_hides_and_drops_questions():
    eng = FormEngine.from_schema(survey_demo.SCHEMA)
    data = {
        "used": "no",
        "which": ["apply"],
        "satisfaction": "5",
        "ease__phone": "good",
        "ease__words": "good",
        "priority__apply": "1",
        "priority__booking": "2",
        "priority__alerts": "3",
    }
    result = eng.validate_page(1, _QD(data))
    assert result.is_valid
    assert "which" not in result.answers and "satisfaction" not in result.answers


def test_schema_errors_for_survey_types(survey, staff):
    survey.schema = {"pages": [{"key": "p", "title": "t", "fields": [{"key": "m", "type": "matrix", "label": "M", "choices": [{"value": "a", "label": "A"}]}]}]}
    with pytest.raises(ValidationError) as exc:
        surveys.save_survey(survey, plan_item_ids=[], staff=staff["clerk"])
    assert "rows" in str(exc.value)


def test_matrix_and_ranking_render_as_keyboard_groups(rf, db):
    eng = FormEngine.from_schema(survey_demo.SCHEMA)
    html = str(eng.render_page(rf.get("/"), 1, {}, {}))
    assert html.count('class="survey-matrix__row"') == 2  # one fieldset (radio group) per statement
    assert '<legend class="survey-matrix__statement">スマートフォンでの操作</legend>' in html
    assert html.count('<select id="f-priority-') == 4 and "順位を選ぶ" in html
    assert "data-show-if=" in html  # branching still works in the page


class _QD(dict):
    def getlist(self, name):
        v = self.get(name, [])
        return v if isinstance(v, list) else [v]


# --- one response per respondent, save and resume ------------------------------------------------------


def test_open_survey_one_response_per_browser_with_save_and_resume(client, survey):
    base = f"/participation/surveys/{survey.pk}/"
    page0 = {"page": "0", "age_group": "30s", "area": "north", "action": "save"}
    r = client.post(base + "answer/", page0, **HOST)
    assert r.status_code == 302 and f"survey_{survey.pk}" in r.cookies  # the signed browser cookie
    draft = SurveyResponse.objects.get(survey=survey)
    assert draft.submitted_at is None and draft.answers["age_group"] == "30s" and draft.page == 1
    r = client.get(base, **HOST)
    assert "続きから回答する" in r.content.decode()
    r = client.get(base + "answer/", **HOST)
    assert "2ページ目" in r.content.decode()  # resumes where it stopped
    page1 = {
        "page": "1",
        "used": "no",
        "ease__phone": "good",
        "ease__words": "fair",
        "priority__apply": "1",
        "priority__booking": "2",
        "priority__cashless": "3",
    }
    r = client.post(base + "answer/", page1, **HOST)
    assert r.status_code == 302 and r.url.endswith("/confirm/")
    r = client.get(base + "confirm/", **HOST)
    assert "1位 オンライン申請" in r.content.decode()
    r = client.post(base + "confirm/", {}, **HOST)
    assert r.url.endswith("/done/")
    response = SurveyResponse.objects.get(survey=survey)
    assert response.submitted_at and response.age_group == "30s" and response.area == "north"
    assert SurveyAnswer.objects.filter(response=response, question="ease").count() == 2
    r = client.post(base + "answer/", page0, **HOST)  # the same browser again
    assert r.url.endswith("/done/") and SurveyResponse.objects.filter(survey=survey).count() == 1
    assert surveys.submit(survey, surveys.Respondent(browser_key=response.browser_key)).pk == response.pk  # idempotent


def test_bad_answer_gets_a_japanese_error_and_keeps_input(client, survey):
    r = client.post(f"/participation/surveys/{survey.pk}/answer/", {"page": "0", "age_group": "30s", "area": "nowhere"}, **HOST)
    body = r.content.decode()
    assert r.status_code == 400 and "「お住まいの地区」は示された選択肢から選んでください" in body
    assert 'value="30s" checked' in body


def test_signed_in_survey_needs_an_account_and_takes_one_per_account(client, city, staff):
    from django.contrib.auth import get_user_model

    survey = surveys.save_survey(survey_demo.make_survey(city, staff["section"], audience=Survey.Audience.SIGNED_IN), plan_item_ids=[], staff=staff["clerk"])
    r = client.get(f"/participation/surveys/{survey.pk}/answer/", **HOST)
    assert r.status_code == 302 and "login" in r.url
    user = get_user_model().objects.create_user(email="r@example.jp", password="x" * 12)
    _submit(survey, surveys.Respondent(user=user), survey_demo.answers(random.Random(1)))
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyResponse.objects.create(survey=survey, municipality=city, user=user)


# --- invited random sample ---------------------------------------------------------------------------


def _register_csv(n=30) -> SimpleUploadedFile:
    lines = ["宛名番号,氏名,郵便番号,住所,生年月日,地区"]
    for i in range(n):
        lines.append(f"{1000 + i},架空 太郎{i},190-00{i % 10}0,みどり野市中央{i}丁目,{1950 + i}-04-0{1 + i % 9},{'north' if i % 2 else 'south'}")
    return SimpleUploadedFile("register.csv", "\n".join(lines).encode("cp932"), content_type="text/csv")


def test_invited_sample_draw_letters_code_and_purge(client, city, staff):
    survey = surveys.save_survey(
        survey_demo.make_survey(city, staff["section"], audience=Survey.Audience.INVITED, sample_size=5), plan_item_ids=[], staff=staff["clerk"]
    )
    assert draw.verify_commitment(survey.draw_secret, survey.draw_commitment)  # committed before any register
    assert sampling.load_register(survey, _register_csv(), staff=staff["clerk"]) == 30
    invitations = sampling.draw_sample(survey, staff=staff["clerk"])
    survey.refresh_from_db()
    ids = [str(1000 + i) for i in range(30)]
    drawn = RegisterEntry.objects.filter(survey=survey, invitation__isnull=False).order_by("invitation__position").values_list("person_id", flat=True)
    assert list(drawn) == sampling.verify(survey, ids) == draw.sample(draw.derive_seed(survey.draw_secret, draw.digest(sorted(ids))), ids, 5)
    assert len(invitations) == 5 and all(inv.age_group and inv.area for inv in invitations)
    pdf = sampling.letters_pdf(survey, staff=staff["clerk"])
    assert pdf.startswith(b"%PDF")
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, target_id=str(survey.pk)).exists()  # the register read is audited
    sampling.purge_register(survey, staff=staff["clerk"])
    assert not RegisterEntry.objects.filter(survey=survey).exists() and SurveyInvitation.objects.filter(survey=survey).count() == 5
    assert AuditLog.objects.filter(action=AuditLog.Action.PURGE, target_id=str(survey.pk)).exists()
    # A resident types the code from the letter (lower case, hyphens): answers once.
    code = invitations[0].code
    base = f"/participation/surveys/{survey.pk}/"
    assert client.get(base + "answer/", **HOST).url.endswith("/code/")
    r = client.post(base + "code/", {"code": "xxxx"}, **HOST)
    assert r.status_code == 400 and "招待コードが見つかりません" in r.content.decode()
    r = client.post(base + "code/", {"code": sampling.format_code(code).lower()}, **HOST)
    assert r.url.endswith("/answer/")
    client.post(base + "answer/", {"page": "0", "age_group": "30s", "area": "north"}, **HOST)
    page1 = {
        "page": "1",
        "used": "no",
        "ease__phone": "good",
        "ease__words": "fair",
        "priority__apply": "1",
        "priority__booking": "2",
        "priority__cashless": "3",
    }
    client.post(base + "answer/", page1, **HOST)
    client.post(base + "confirm/", {}, **HOST)
    response = SurveyResponse.objects.get(invitation=invitations[0])
    assert response.submitted_at and response.age_group == invitations[0].age_group  # the register's attribute, not the answer
    # The paper answer of the same code is refused; another code's paper answer counts.
    data = {
        "age_group": "40s",
        "area": "south",
        "used": "no",
        "ease__phone": "good",
        "ease__words": "good",
        "priority__apply": "1",
        "priority__booking": "2",
        "priority__alerts": "3",
    }
    resp, errors = surveys.enter_paper(survey, _QD(data), invitation=invitations[0], staff=staff["clerk"])
    assert resp is None and "すでに回答" in errors["__all__"][0]
    resp, errors = surveys.enter_paper(survey, _QD(data | {"comment": "番号 123456789018 です"}), invitation=invitations[1], staff=staff["clerk"])
    assert not errors and resp.channel == "paper" and "[個人番号]" in resp.answers["comment"]


def test_register_csv_errors_are_named(city, staff):
    survey = surveys.save_survey(
        survey_demo.make_survey(city, staff["section"], audience=Survey.Audience.INVITED, sample_size=2), plan_item_ids=[], staff=staff["clerk"]
    )
    bad = SimpleUploadedFile("r.csv", "宛名番号,氏名,住所,生年月日\n1,甲,市内,昭和50年13月1日\n1,乙,市内,\n".encode(), content_type="text/csv")
    with pytest.raises(ValidationError) as exc:
        sampling.load_register(survey, bad, staff=staff["clerk"])
    text = " ".join(exc.value.messages)
    assert "2行目: 生年月日" in text and "3行目: 宛名番号「1」が重複" in text
    with pytest.raises(ValidationError):
        sampling.load_register(survey, SimpleUploadedFile("r.csv", b"name,addr\n", content_type="text/csv"), staff=staff["clerk"])


# --- results -----------------------------------------------------------------------------------------


def test_results_counts_percentages_breakdowns_and_suppression(survey, settings):
    settings.PARTICIPATION_MIN_GROUP_SIZE = 5
    rng = random.Random(5)
    for i in range(14):
        a = survey_demo.answers(rng) | {
            "age_group": "30s" if i < 7 else "40s" if i < 12 else "70plus",
            "used": "yes" if i < 10 else "no",
            "which": ["apply"],
            "satisfaction": "4" if i < 6 else "2",
        }
        if a["used"] == "no":
            a.pop("which"), a.pop("satisfaction")
        if i == 0:
            a["comment"] = "窓口の待ち時間を短くしてほしい"
        _submit(survey, surveys.Respondent(browser_key=f"k{i}"), a)
    results = survey_results.compute(survey)
    assert results.total == 14 and results.indicative
    used = next(q for q in results.questions if q.key == "used")
    assert [(r.label, r.count, r.percent) for r in used.rows] == [("ある", 10, 71.4), ("ない", 4, 28.6)]
    assert used.chart.table().rows[0][1][0] == "10件"  # the chart's table shows the same figures
    sat = next(q for q in results.questions if q.key == "satisfaction")
    assert sat.respondents == 10 and sat.mean == 3.2
    age = next(b for b in used.breakdowns if b.dimension == "年齢区分")
    rows = {g: (base, cells) for g, base, cells in age.rows}
    assert rows["70歳以上"] == ("＊", ["＊", "＊"])  # 2 respondents < 5: the whole group
    assert rows["40歳代"] == ("＊", ["＊", "＊"])  # its complement: 70歳以上 = total − the others otherwise
    assert rows["30歳代"] == ("7", ["7（100.0%）", "0（0.0%）"])
    which = next(q for q in results.questions if q.key == "which")
    assert which.respondents == 10 and which.rows[0].count == 10
    comment = next(q for q in results.questions if q.key == "comment")
    assert comment.texts == ["窓口の待ち時間を短くしてほしい"]
    ranking = next(q for q in results.questions if q.key == "priority")
    assert sum(c.count for c in ranking.matrix[0][1]) <= 14 and len(ranking.matrix[0][1]) == 3
    csv_text = survey_results.export_csv(results).decode("utf-8-sig")
    assert "参考値" in csv_text and "属性別,市のオンラインサービスを使ったことがありますか,年齢区分,70歳以上,＊,ある,＊" in csv_text
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(survey_results.export_xlsx(results)))
    assert wb.sheetnames == ["集計", "属性別", "自由記述"]
    assert ["市のオンラインサービスを使ったことがありますか", "年齢区分", "30歳代", 7, "ある", 7] in [list(r) for r in wb["属性別"].iter_rows(values_only=True)]


def test_lone_suppressed_cell_gets_a_complement():
    b = survey_results._breakdown(
        "年齢区分",
        {},
        [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}, {"value": "c", "label": "C"}],
        {"x": {"a": 10, "b": 2, "c": 7}},
        {"x": 19},
        5,
    )
    assert b.rows[0][2] == ["10（52.6%）", "＊", "＊"]  # 2 alone could be worked out from 19 − 10 − 7


def test_results_pages_public_and_staff(client, survey, staff):
    _submit(survey, surveys.Respondent(browser_key="a"), survey_demo.answers(random.Random(2)) | {"comment": "自由記述の内容"})
    r = client.get(f"/participation/surveys/{survey.pk}/results/", **HOST)
    body = r.content.decode()
    assert r.status_code == 200 and "参考値" in body and "自由記述の内容" not in body
    assert client.get(f"/participation/surveys/{survey.pk}/results.xlsx", **HOST).status_code == 200
    assert client.get(f"/participation/surveys/{survey.pk}/results.exe", **HOST).status_code == 404
    client.force_login(staff["other"])
    _verify_totp(staff["other"], client)
    assert client.get(f"/participation/staff/surveys/{survey.pk}/results/", **HOST).status_code == 404  # another section
    client.force_login(staff["clerk"])
    _verify_totp(staff["clerk"], client)
    r = client.get(f"/participation/staff/surveys/{survey.pk}/results/", **HOST)
    assert r.status_code == 200 and "自由記述の内容" in r.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW, target_id=str(survey.pk)).exists()


def _verify_totp(user, client):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


# --- metric and plan links ---------------------------------------------------------------------------


def test_survey_metric_and_plan_links(city, survey):
    from madoguchi.core.registry import compute_metric
    from madoguchi.plans import metrics as plan_metrics

    _submit(survey, surveys.Respondent(browser_key="m"), survey_demo.answers(random.Random(3)))
    assert compute_metric("survey_responses", city, plan_metrics.current_fiscal_year()) == 1
    assert plan_metrics.available("survey_responses")
    assert list(surveys.surveys_for_item(3)) == [survey]


def test_matrix_and_ranking_have_breakdowns_with_suppression(client, survey, settings):
    """属性別 per matrix statement and per ranked item, suppressed like the other questions, in the
    page and the exports."""
    settings.PARTICIPATION_MIN_GROUP_SIZE = 5
    for i in range(18):
        a = survey_demo.answers(random.Random(i)) | {
            "age_group": "30s" if i < 9 else "40s" if i < 15 else "70plus",
            "ease": {"phone": "good" if i < 6 else "fair", "words": "poor"},
            "priority": ["apply", "booking", "alerts"],
        }
        _submit(survey, surveys.Respondent(browser_key=f"m{i}"), a)
    results = survey_results.compute(survey)
    ease = next(q for q in results.questions if q.key == "ease")
    phone = next(b for b in ease.breakdowns if b.dimension == "年齢区分" and b.line == "スマートフォンでの操作")
    rows = {g: (base, cells) for g, base, cells in phone.rows}
    assert rows["30歳代"] == ("9", ["＊", "＊", "0（0.0%）"])  # 3 ふつう < 5, and 6 よい as its complement
    assert rows["40歳代"] == ("＊", ["＊", "＊", "＊"])  # the complement of the small 70歳以上 group
    assert rows["70歳以上"] == ("＊", ["＊", "＊", "＊"])
    ranking = next(q for q in results.questions if q.key == "priority")
    first = next(b for b in ranking.breakdowns if b.dimension == "年齢区分" and b.line == "オンライン申請")
    assert dict((g, cells) for g, _, cells in first.rows)["30歳代"] == ["9（100.0%）", "0（0.0%）", "0（0.0%）"]
    csv_text = survey_results.export_csv(results).decode("utf-8-sig")
    assert "属性別,それぞれの使いやすさ,年齢区分・スマートフォンでの操作,30歳代,9,わるい,0" in csv_text
    body = client.get(f"/participation/surveys/{survey.pk}/results/", HTTP_HOST="localhost").content.decode()
    assert "「スマートフォンでの操作」の年齢区分別" in body
