"""Guides: rules as data (checked, previewed, published by a second person, audited), the
resident's checklist (deadlines on open days, PDF, email, saved and ticked off, reminders once),
the FAQ and both in the search registry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.core import tenancy
from madoguchi.core.factories import MunicipalityFactory, ResidentFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog, MunicipalityDomain, StaffRole
from madoguchi.core.registry import search_documents
from madoguchi.guide import definition, services
from madoguchi.guide.factories import FaqFactory, GuideFactory, simple_definition
from madoguchi.guide.models import Faq, Guide, GuideVersion, SavedChecklist

pytestmark = pytest.mark.django_db
HOST = {"HTTP_HOST": "guide.localhost"}


@pytest.fixture
def city(db):
    city = MunicipalityFactory()
    MunicipalityDomain.objects.create(municipality=city, domain="guide.localhost", is_primary=True)
    with tenancy.using(city):
        shimin = SectionFactory(municipality=city, name="市民課", location="本庁舎1階")
        tennyu = ProcedureFactory(section=shimin, slug="tennyu", name="転入届", required_documents="本人確認書類\n転出証明書", fee=0, form=None, online=False)
        ProcedureFactory(section=shimin, slug="hidden", name="非公開の手続", is_published=False)
        guide = GuideFactory(section=shimin, slug="moving-in")
    return {"city": city, "shimin": shimin, "tennyu": tennyu, "guide": guide}


# --- rules ---------------------------------------------------------------------------------------


def test_deadline_counts_from_the_day_after_and_skips_closed_days():
    # 2026-12-20 + 14 days = 2027-01-03 (年末年始) → Monday 4 January.
    assert definition.deadline(dt.date(2026, 12, 20), days=14) == dt.date(2027, 1, 4)
    # 2026-04-22 + 14 = 2026-05-06 振替休日 → Thursday 7 May.
    assert definition.deadline(dt.date(2026, 4, 22), days=14) == dt.date(2026, 5, 7)
    assert definition.deadline(dt.date(2026, 1, 31), months=1) == dt.date(2026, 3, 2)  # 28 Feb is a Saturday
    assert definition.deadline(None, days=14) is None


def test_conditions_and_unanswered_questions():
    assert definition.matches({"a": "yes"}, {"a": "yes"}) is True
    assert definition.matches({"a": "yes"}, {"a": "no"}) is False
    assert definition.matches({"a": "yes"}, {}) is None  # 「該当する場合」
    assert definition.matches([{"a": "yes"}, {"b": "yes"}], {"a": "no", "b": "yes"}) is True
    assert definition.matches({"a": ["x", "y"], "b": "yes"}, {"a": "y", "b": "no"}) is False


def test_a_rule_naming_a_missing_or_unpublished_procedure_is_refused(city):
    with tenancy.using(city["city"]):
        defn = simple_definition("nothing-here")
        assert any("「nothing-here」はこの自治体にありません" in p for p in services.problems(defn))
        assert any("「非公開の手続」（hidden）は公開されていません" in p for p in services.problems(simple_definition("hidden")))
        bad = simple_definition()
        bad["groups"][1]["steps"][0]["when"] = {"pets": "yes"}
        assert any("when の質問「pets」がありません" in p for p in services.problems(bad))
        assert services.problems(simple_definition()) == []


def test_edit_preview_review_by_a_second_person_and_audit(client, city):
    with tenancy.using(city["city"]):
        clerk = StaffFactory(section=city["shimin"])
        boss = StaffFactory(section=city["shimin"], role=StaffRole.Role.APPROVER)
    login_staff(client, clerk)
    edit = reverse("guide:staff_edit", args=["moving-in"])
    assert client.get(edit, **HOST).status_code == 200
    with tenancy.using(city["city"]):
        draft = Guide.objects.get(slug="moving-in").versions.get(number=2)
    broken = simple_definition("hidden")
    import json

    response = client.post(edit, {"definition": json.dumps(broken, ensure_ascii=False), "action": "submit"}, **HOST)
    assert response.status_code == 400 and "公開されていません" in response.content.decode()
    response = client.post(edit, {"definition": "{broken", "action": "save"}, **HOST)
    assert response.status_code == 400 and "JSON として読めません" in response.content.decode()
    fixed = simple_definition()
    fixed["title"]["ja"] = "転入（改訂）"
    response = client.post(edit, {"definition": json.dumps(fixed, ensure_ascii=False), "action": "submit"}, **HOST)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == GuideVersion.Status.PENDING
    # Preview with chosen answers shows the checklist of that version.
    page = client.get(
        reverse("guide:staff_version", args=["moving-in", 2]), {"preview": "1", "q_children": "yes", "date": "2026-04-01"}, **HOST
    ).content.decode()
    assert "チェックリストのプレビュー" in page and "児童手当" in page
    # The editor cannot approve their own edit.
    client.post(reverse("guide:staff_review", args=["moving-in", 2]), {"action": "approve"}, **HOST)
    draft.refresh_from_db()
    assert draft.status == GuideVersion.Status.PENDING
    login_staff(client, boss)
    assert client.post(reverse("guide:staff_review", args=["moving-in", 2]), {"action": "approve"}, **HOST).status_code == 302
    with tenancy.using(city["city"]):
        guide = Guide.objects.get(slug="moving-in")
        assert guide.published.number == 2 and guide.versions.get(number=1).status == GuideVersion.Status.SUPERSEDED
        actions = set(AuditLog.objects.filter(target_type="guide.guideversion").values_list("action", flat=True))
    assert {"create", "update", "approve"} <= actions
    assert "転入（改訂）" in client.get(reverse("guide:detail", args=["moving-in"]), **HOST).content.decode()


def test_staff_of_another_section_cannot_edit(client, city):
    with tenancy.using(city["city"]):
        other = StaffFactory(section=SectionFactory(municipality=city["city"], name="保育課"))
    login_staff(client, other)
    assert client.get(reverse("guide:staff_edit", args=["moving-in"]), **HOST).status_code == 403


# --- the resident's checklist ------------------------------------------------------------------


def test_questionnaire_and_checklist(client, city):
    page = client.get(reverse("guide:detail", args=["moving-in"]), **HOST).content.decode()
    assert "<legend>お子さんがいますか" in page
    url = reverse("guide:checklist", args=["moving-in"])
    page = client.get(url, {"q_children": "no", "date": "2026-12-20"}, **HOST).content.decode()
    assert "転入届" in page and "転出証明書" in page and "本庁舎1階" in page
    assert "令和9年1月4日" in page  # 14 days later is 年末年始: the next open day
    assert "来庁の計画" in page and "約30分" in page  # 転入届 is done at the counter
    assert "児童手当" not in page and "印鑑登録" in page and "任意" in page
    page = client.get(url, {}, **HOST).content.decode()
    assert "児童手当" in page and "該当する場合" in page  # unanswered
    response = client.get(url, {"date": "あした"}, **HOST)
    assert response.status_code == 400 and "field__error" in response.content.decode()


def test_english_with_japanese_fallback(client, city):
    page = client.get(reverse("guide:checklist", args=["moving-in"]), {"lang": "en", "q_children": "yes"}, **HOST).content.decode()
    assert "Moving in" in page and "翻訳がない部分は日本語で表示しています" in page


def test_pdf_and_email(client, city, run_tasks, mailoutbox):
    url = reverse("guide:checklist_pdf", args=["moving-in"])
    response = client.get(url, {"q_children": "yes", "date": "2026-04-01"}, **HOST)
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    response = client.post(
        reverse("guide:checklist_email", args=["moving-in"]), {"email": "me@example.jp", "q_children": "yes", "date": "2026-04-01", "lang": "ja"}, **HOST
    )
    assert response.status_code == 302
    run_tasks()
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert "転入届" in body and "児童手当" in body and "令和8年4月15日" in body and "http" in body
    bad = client.post(reverse("guide:checklist_email", args=["moving-in"]), {"email": "not-an-address", "q_children": "yes"}, **HOST)
    assert bad.status_code == 400


def test_save_tick_off_and_reminders_once(client, city, run_tasks, mailoutbox):
    with tenancy.using(city["city"]):
        resident = ResidentFactory()
    assert client.post(reverse("guide:checklist_save", args=["moving-in"]), {"q_children": "yes"}, **HOST).status_code in (302, 403)
    client.force_login(resident)
    response = client.post(reverse("guide:checklist_save", args=["moving-in"]), {"q_children": "yes", "date": "2026-04-01"}, **HOST)
    with tenancy.using(city["city"]):
        saved = SavedChecklist.objects.get(user=resident)
    assert response.url == reverse("guide:my_detail", args=[saved.pk])
    client.post(reverse("guide:my_done", args=[saved.pk]), {"step": "tennyu", "done": "1"}, **HOST)
    client.post(reverse("guide:my_reminders", args=[saved.pk]), {"reminders": "1"}, **HOST)
    saved.refresh_from_db()
    assert saved.done == ["tennyu"] and saved.reminders
    page = client.get(reverse("guide:my_detail", args=[saved.pk]), **HOST).content.decode()
    assert "3 件のうち 1 件が済んでいます" in page
    # 児童手当 is due 2026-04-16; three days before, one reminder (tennyu is done: not named).
    assert services.send_reminders(today=dt.date(2026, 4, 14)) == 1
    assert services.send_reminders(today=dt.date(2026, 4, 15)) == 0
    run_tasks()
    assert len(mailoutbox) == 1 and "児童手当" in mailoutbox[0].body and "転入届" not in mailoutbox[0].body
    assert mailoutbox[0].to == [resident.email]  # no alert subscription: the account's email
    other = ResidentFactory()
    client.force_login(other)
    assert client.get(reverse("guide:my_detail", args=[saved.pk]), **HOST).status_code == 404


# --- FAQ and search ------------------------------------------------------------------------------


def test_faq_pages_fallback_and_search_documents(client, city):
    with tenancy.using(city["city"]):
        faq = FaqFactory(section=city["shimin"], question="転入届はいつまでに出しますか。", answer="14日以内です。", question_en="When?", answer_en="")
        faq.procedures.set([city["tennyu"]])
        faq.guides.set([city["guide"]])
        FaqFactory(section=city["shimin"], question="非公開の質問", is_published=False)
        docs = list(search_documents["faq"].documents(city["city"]))
        guides = list(search_documents["guides"].documents(city["city"]))
    assert [d.title for d in docs] == ["転入届はいつまでに出しますか。"] and "転入届" in docs[0].body
    assert guides[0].url == "/guides/moving-in/" and guides[0].title == "転入"
    page = client.get(reverse("guide:faq"), **HOST).content.decode()
    assert "市民課" in page and "非公開の質問" not in page
    page = client.get(reverse("guide:faq_detail", args=[faq.pk]), {"lang": "en"}, **HOST).content.decode()
    assert "この質問の翻訳はまだありません" in page and "14日以内です。" in page and "/procedures/tennyu/" in page


def test_staff_faq_edit_is_audited(client, city):
    with tenancy.using(city["city"]):
        clerk = StaffFactory(section=city["shimin"])
    login_staff(client, clerk)
    data = {
        "section": city["shimin"].pk,
        "question": "住民票はどこで取れますか。",
        "answer": "市民課の窓口です。",
        "procedures": [city["tennyu"].pk],
        "is_published": "on",
        "order": 0,
    }
    assert client.post(reverse("guide:staff_faq_new"), data, **HOST).status_code == 302
    bad = dict(data, answer="番号は 1234 5678 9018 です")
    response = client.post(reverse("guide:staff_faq_new"), bad, **HOST)
    assert response.status_code == 400 and "マイナンバー" in response.content.decode()
    with tenancy.using(city["city"]):
        assert AuditLog.objects.filter(target_type="guide.faq", action="create").count() == 1


def test_demo_guides_are_publishable(demo, client):
    with tenancy.using(demo):
        slugs = [(g.slug, [q["key"] for q in g.published.definition["questions"]]) for g in services.published_guides()]
        faq_ids = list(Faq.objects.values_list("pk", flat=True))
    for slug, keys in slugs:  # every demo checklist renders, all answered yes, in each language
        for lang in ("ja", "easy", "en"):
            response = client.get(reverse("guide:checklist", args=[slug]), {"lang": lang, "date": "2026-12-25", **{f"q_{k}": "yes" for k in keys}})
            assert response.status_code == 200, (slug, lang)
    for pk in faq_ids:
        assert client.get(reverse("guide:faq_detail", args=[pk]), {"lang": "en"}).status_code == 200
    with tenancy.using(demo):
        guides = list(services.published_guides())
        assert len(guides) >= 8
        for guide in guides:
            assert services.problems(guide.published.definition) == [], guide.slug
        okuyami = Guide.objects.get(slug="okuyami")
        result = services.checklist(okuyami.published, {"householder": "yes", "kokuho": "yes", "property": "yes"}, event_date=dt.date(2026, 12, 25))
        titles = [s.title for s in result.steps]
        assert "死亡届" in titles and "世帯主変更届" in titles and "相続登記（不動産の名義変更）" in titles
        assert GuideVersion.objects.filter(status=GuideVersion.Status.PENDING).exists()


def test_deadline_reminders_go_to_the_channels_the_resident_chose(client, city, run_tasks, mailoutbox):
    """期限のお知らせ go through the one-user send: a resident with an alert subscription gets it
    at the subscribed address, not the account's."""
    from madoguchi.alerts.factories import SubscriptionFactory

    with tenancy.using(city["city"]):
        resident = ResidentFactory(email="account@example.jp")
        SubscriptionFactory(municipality=city["city"], user=resident, address="alerts@example.jp")
    client.force_login(resident)
    client.post(reverse("guide:checklist_save", args=["moving-in"]), {"q_children": "yes", "date": "2026-04-01"}, **HOST)
    with tenancy.using(city["city"]):
        saved = SavedChecklist.objects.get(user=resident)
    client.post(reverse("guide:my_reminders", args=[saved.pk]), {"reminders": "1"}, **HOST)
    assert services.send_reminders(today=dt.date(2026, 4, 14)) == 1
    run_tasks()
    assert [m.to for m in mailoutbox] == [["alerts@example.jp"]] and "児童手当" in mailoutbox[0].body
