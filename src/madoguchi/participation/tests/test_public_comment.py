"""Public comment (意見公募): the web form with its confirm step, staff entry of paper opinions,
personal-data flags, grouping, publication and the purge."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from madoguchi.accounts.testing import login_staff
from madoguchi.core.codes import my_number_check_digit
from madoguchi.core.models import AuditLog
from madoguchi.participation import services
from madoguchi.participation.models import Channel, Opinion

MY_NUMBER = "12345678901" + str(my_number_check_digit("12345678901"))


def _post(client, c, **data):
    base = {
        "text": "オンライン申請を増やしてください。",
        "draft_section": "",
        "name": "山田",
        "address": "みどり野市1-1",
        "phone": "",
        "email": "",
        "age_group": "",
    }
    base.update(data)
    return client.post(reverse("participation:opinion_form", args=[c.pk]), base)


def test_draft_is_parsed_into_sections_and_linked_to_plan_items(consultation):
    sections = list(consultation.draft_sections.all())
    assert [(s.number, s.title, s.body) for s in sections] == [("第1章", "計画の位置付け", "本文1"), ("第2章", "施策", "本文2")]
    assert list(consultation.plan_links.values_list("plan_item_id", flat=True)) == [7]


def test_resident_submits_with_confirm_step_and_gets_receipt_email(client, consultation, mailoutbox, run_tasks):
    section = consultation.draft_sections.first()
    resp = _post(client, consultation, step="confirm", draft_section=section.pk, email="taro@example.jp")
    assert resp.status_code == 200 and "この内容で提出する" in resp.content.decode()
    assert Opinion.objects.count() == 0  # nothing saved before the confirmation
    resp = _post(client, consultation, step="send", draft_section=section.pk, email="taro@example.jp")
    assert resp.status_code == 302
    opinion = Opinion.objects.get()
    assert opinion.channel == Channel.WEB and opinion.draft_section == section and opinion.name == "山田"
    done = client.get(resp["Location"]).content.decode()
    assert opinion.receipt_number in done
    run_tasks()
    assert len(mailoutbox) == 1 and opinion.receipt_number in mailoutbox[0].body
    assert "オンライン申請" not in mailoutbox[0].body  # a receipt carries no answers


def test_required_fields_per_city_rules_and_my_number_refused_online(client, consultation):
    resp = _post(client, consultation, step="confirm", name="", text=f"番号は{MY_NUMBER}です")
    html = resp.content.decode()
    assert "「氏名」を入力してください" in html
    assert "マイナンバー" in html
    assert Opinion.objects.count() == 0


def test_closed_consultation_refuses(client, consultation):
    consultation.ends_on = timezone.localdate() - dt.timedelta(days=1)
    consultation.save()
    resp = _post(client, consultation, step="send")
    assert "受付期間外" in resp.content.decode() and Opinion.objects.count() == 0
    with pytest.raises(ValidationError):
        services.submit_opinion(consultation, services.OpinionInput(text="x", name="a", address="b"))


def test_staff_enter_paper_opinion_masks_my_number_and_flags_personal_data(client, consultation, staff):
    login_staff(client, staff["clerk"])
    url = reverse("participation:staff_opinion_new", args=[consultation.pk])
    text = f"私の番号は{MY_NUMBER}です。連絡は090-1234-5678、東京都みどり野市中央1-2-3の鈴木さんまで。"
    resp = client.post(url, {"channel": "post", "text": text, "draft_section": "", "name": "", "address": "", "phone": "", "email": "", "age_group": ""})
    assert resp.status_code == 302  # required fields are the web form's; a letter is entered as it came
    opinion = Opinion.objects.get()
    assert MY_NUMBER not in opinion.text and "[個人番号]" in opinion.text and opinion.my_number_masked
    assert opinion.channel == Channel.POST and opinion.entered_by == staff["clerk"]
    kinds = set(opinion.flags.values_list("kind", flat=True))
    assert {"my_number", "phone", "address", "name"} <= kinds
    assert AuditLog.objects.filter(action="create", target_id=str(opinion.pk)).exists()


def test_personal_data_only_for_owning_section_and_reads_audited(client, consultation, staff):
    o = services.submit_opinion(consultation, services.OpinionInput(text="意見", name="山田花子", address="みどり野市1-1"))
    login_staff(client, staff["other"])
    assert client.get(reverse("participation:staff_opinion", args=[o.pk])).status_code == 404
    assert client.get(reverse("participation:staff_detail", args=[consultation.pk])).status_code == 404
    client.logout()
    login_staff(client, staff["clerk"])
    resp = client.get(reverse("participation:staff_opinion", args=[o.pk]))
    assert "山田花子" in resp.content.decode()
    assert AuditLog.objects.filter(action="view", target_type="participation.opinion", target_id=str(o.pk), actor=staff["clerk"]).exists()


def test_identical_opinions_are_grouped_and_counted_and_similar_suggested(consultation, staff):
    data = services.OpinionInput(text="電子申請の対象手続を増やしてください。", name="a", address="b")
    first = services.submit_opinion(consultation, data)
    second = services.submit_opinion(consultation, services.OpinionInput(text="電子申請の対象手続を 増やしてください", name="c", address="d"))
    similar = services.submit_opinion(consultation, services.OpinionInput(text="電子申請の対象手続をもっと増やしてください。", name="e", address="f"))
    other = services.submit_opinion(consultation, services.OpinionInput(text="図書館の開館時間を延ばしてほしい。", name="g", address="h"))
    assert first.text_hash == second.text_hash  # spaces and punctuation do not make a new opinion
    clusters = services.suggest_groups(consultation)
    assert [sorted(o.pk for o in c) for c in clusters] == [sorted([first.pk, second.pk, similar.pk])]
    group = services.make_group(consultation, [first.pk], summary="電子申請の拡大", staff=staff["clerk"])
    assert set(group.opinions.values_list("pk", flat=True)) == {first.pk, second.pk}  # identical twins join
    late = services.submit_opinion(consultation, data)
    assert late.group == group  # a later identical opinion joins by itself
    assert Opinion.objects.get(pk=other.pk).group is None


def _ready_to_publish(consultation, staff):
    o = services.enter_opinion(
        consultation,
        services.OpinionInput(text="山田太郎さんが言うように、連絡先 taro@example.jp を公開すべき。"),
        channel="email",
        received_at=None,
        staff=staff["clerk"],
    )
    group = services.make_group(consultation, [o.pk], summary="連絡先の公開", staff=staff["clerk"])
    services.set_city_view(group, summary="連絡先の公開", city_view="個人情報のため公開しません。", staff=staff["clerk"])
    consultation.ends_on = timezone.localdate() - dt.timedelta(days=1)
    consultation.save()
    return o


def test_nothing_published_while_a_flag_is_open(client, consultation, staff):
    o = _ready_to_publish(consultation, staff)
    problems = services.publication_problems(consultation)
    assert any("個人情報の確認" in p for p in problems)
    with pytest.raises(ValidationError):
        services.publish_results(consultation, staff=staff["clerk"])
    for flag in o.flags.all():
        services.resolve_flag(flag, redact_it=True, staff=staff["clerk"])
    services.publish_results(consultation, staff=staff["clerk"])
    html = client.get(reverse("participation:results", args=[consultation.pk])).content.decode()
    assert "個人情報のため公開しません" in html and "taro@example.jp" not in html and "山田太郎" not in html
    assert "[個人情報]" in html
    late = services.enter_opinion(
        consultation, services.OpinionInput(text="遅れて届いた鈴木さんの手紙"), channel="post", received_at=None, staff=staff["clerk"]
    )
    consultation.refresh_from_db()
    assert late.flags.exists() and consultation.results_published_at is None  # withdrawn until checked again
    assert client.get(reverse("participation:results", args=[consultation.pk])).status_code == 404


def test_results_xlsx_and_pdf_without_personal_data(client, consultation, staff):
    from io import BytesIO

    from openpyxl import load_workbook

    o = _ready_to_publish(consultation, staff)
    for flag in o.flags.all():
        services.resolve_flag(flag, redact_it=True, staff=staff["clerk"])
    services.publish_results(consultation, staff=staff["clerk"])
    resp = client.get(reverse("participation:results_xlsx", args=[consultation.pk]))
    ws = load_workbook(BytesIO(resp.content)).active
    cells = " ".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    assert "市の考え方" in cells and "taro@example.jp" not in cells and "[個人情報]" in cells
    pdf = client.get(reverse("participation:results_pdf", args=[consultation.pk]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_results_hidden_until_published(client, consultation):
    assert client.get(reverse("participation:results", args=[consultation.pk])).status_code == 404


def test_purge_after_retention(consultation, staff):
    o = services.submit_opinion(consultation, services.OpinionInput(text="意見", name="山田", address="市内", email="a@example.jp"))
    assert services.purge_personal_data(consultation.ends_on) == []
    consultation.retention_days = 30
    consultation.save()
    done = services.purge_personal_data(consultation.ends_on + dt.timedelta(days=31))
    assert done == [consultation.pk]
    o.refresh_from_db()
    assert (o.name, o.address, o.email, o.personal_data_purged) == ("", "", "", True) and o.text == "意見"
    assert AuditLog.objects.filter(action="purge", target_id=str(consultation.pk)).exists()


def test_staff_pages_render(client, consultation, staff):
    services.submit_opinion(consultation, services.OpinionInput(text="意見です", name="a", address="b"))
    login_staff(client, staff["clerk"])
    for name, args in [
        ("staff_list", []),
        ("staff_new", []),
        ("staff_detail", [consultation.pk]),
        ("staff_edit", [consultation.pk]),
        ("staff_opinion_new", [consultation.pk]),
    ]:
        assert client.get(reverse(f"participation:{name}", args=args)).status_code == 200, name


def test_staff_creates_consultation_with_pdf_checked_by_content(client, city, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from madoguchi.participation.models import Consultation

    login_staff(client, staff["clerk"])
    data = {
        "section": staff["section"].pk,
        "title": "新しい案",
        "summary": "",
        "starts_on": "2026-12-01",
        "ends_on": "2026-12-31",
        "required_fields": ["name"],
        "retention_days": "365",
        "is_published": "on",
        "draft_text": "# 第1章 はじめに\n本文",
        "plan_item_ids": "",
    }
    fake = SimpleUploadedFile("draft.pdf", b"\x89PNG\r\n\x1a\nnot a pdf", content_type="application/pdf")
    resp = client.post(reverse("participation:staff_new"), {**data, "draft_pdf": fake})
    assert resp.status_code == 200 and "案の PDF" in resp.content.decode()
    c = Consultation.objects.get(title="新しい案")
    assert not c.draft_pdf
    real = SimpleUploadedFile("draft.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf")
    resp = client.post(reverse("participation:staff_edit", args=[c.pk]), {**data, "draft_pdf": real})
    assert resp.status_code == 302
    c.refresh_from_db()
    assert c.draft_pdf and client.get(reverse("participation:draft_pdf", args=[c.pk])).status_code == 200
