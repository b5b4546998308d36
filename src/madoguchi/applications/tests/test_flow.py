"""Online applications end to end through the Django test client (real SMTP server for mail)."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.accounts.testing import login_staff
from madoguchi.applications import services
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure, Submission, SubmissionEvent
from madoguchi.core.factories import InformationPolicySectionFactory, SectionFactory, StaffFactory
from madoguchi.core.models import AuditLog

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = (
    bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
    + b"\x1f\x15\xc4\x89"
    + bytes.fromhex("0000000a49444154789c6300010000050001")
    + b"\r\n-\xb4"
    + bytes.fromhex("0000000049454e44ae426082")
)
# A 12-digit number that passes the マイナンバー check digit.
MY_NUMBER = "123456789018"


def catalogue(slug) -> Procedure:
    """The demo catalogue's procedure ``slug`` with its real form, made on first use."""
    return Procedure.objects.filter(slug=slug).first() or ProcedureFactory.from_catalogue(slug)


def staff(local):
    """A staff member as the demo city has them (core/demo.py STAFF): ``staff("kosodate")`` is a
    担当者 of 子育て支援課. Made, with the section, on first use."""
    from madoguchi.core import demo as core_demo

    _, section_name, role, family, given = next(s for s in core_demo.STAFF if s[0] == local)
    section = InformationPolicySectionFactory() if section_name == "情報政策課" else SectionFactory(name=section_name, with_email=True)
    return StaffFactory(
        email=f"{local}@city.example.lg.jp", section=section, role=role, family_name=family, given_name=given, is_platform_admin=(local == "admin")
    )


def fill_all(client, submission, overrides=None):
    """Post every page of a demo form with valid answers."""
    overrides = overrides or {}
    from madoguchi.applications.services import engine_for

    engine = engine_for(submission)
    for index, page in enumerate(engine.pages):
        data = {"action": "next"}
        files = {}
        for f in page.fields:
            data.update(valid_input(f, files))
        data.update(overrides.get(index, {}))
        response = client.post(reverse("applications:fill", args=[submission.uuid, index]), {**data, **files})
        assert response.status_code == 302, (index, response.content.decode()[:3000])
    return response


def valid_input(f, files) -> dict:
    key, kind = f.key, f.type
    if kind in ("text", "textarea"):
        if "口座番号" in f.label:
            return {key: "1234567"}
        if "被保険者番号" in f.label:
            return {key: "0000012345"}
        return {key: "テスト 入力"}
    if kind == "kana":
        return {key: "みどり たろう" if f.spec.get("kana", "hiragana") == "hiragana" else "ミドリ タロウ"}
    if kind == "date":
        return {key: "R8.4.1" if f.spec.get("min") != "today" else "2099-04-01"}
    if kind == "address":
        return {f"{key}__postal_code": "100-0001", f"{key}__address": "東京都千代田区千代田1-1", f"{key}__building": ""}
    if kind == "phone":
        return {key: "03-1234-5678"}
    if kind == "email":
        return {key: "resident@example.jp"}
    if kind == "number":
        return {key: "1"}
    if kind in ("select", "radio"):
        return {key: f.choices[0]["value"]}
    if kind == "checkboxes":
        return {key: [f.choices[0]["value"]]}
    if kind == "consent":
        return {key: "on"}
    if kind == "file":
        files[key] = SimpleUploadedFile("photo.png", PNG, content_type="image/png")
        return {}
    if kind == "my_number":
        return {key: MY_NUMBER}
    return {}


def start(client, slug) -> Submission:
    catalogue(slug)
    response = client.post(reverse("applications:start", args=[slug]))
    assert response.status_code == 302, response
    return Submission.objects.filter(procedure__slug=slug).latest("created_at")


def test_catalogue_has_at_least_30_real_procedures_and_search(client, demo_catalogue):
    assert Procedure.objects.filter(is_published=True).count() >= 30
    names = set(Procedure.objects.values_list("name", flat=True))
    for required in (
        "児童手当の認定請求",
        "保育施設等の利用申込",
        "妊娠の届出（母子健康手帳の交付）",
        "要介護・要支援認定の申請",
        "住民票の写しの交付請求",
        "転出届",
        "罹災証明書の交付申請",
        "粗大ごみ収集の申込",
        "市民講座・イベントの申込",
    ):
        assert required in names
    response = client.get(reverse("applications:catalogue"), {"q": "そだいごみ"})
    assert "粗大ごみ収集の申込" in response.content.decode()
    response = client.get(reverse("applications:catalogue"), {"event": "care"})
    assert "要介護・要支援認定の申請" in response.content.decode()
    assert "粗大ごみ収集の申込" not in response.content.decode()


def _pdf_fonts(data: bytes) -> bytes:
    """The names of the fonts a PDF embeds (its object streams are deflated)."""
    import re
    import zlib

    streams = []
    for m in re.finditer(rb"stream\r?\n", data):
        try:
            streams.append(zlib.decompress(data[m.end() : data.find(b"endstream", m.end())]))
        except zlib.error:
            continue
    return b" ".join(re.findall(rb"/FontName\s*/([A-Za-z0-9+\-]+)", data + b"".join(streams)))


def test_resident_applies_gets_receipt_email_and_pdf_copy(client, resident, smtp_email, run_tasks, django_capture_on_commit_callbacks):
    user = resident
    client.force_login(user)
    submission = start(client, "juminhyo")
    # once-only: the profile is already in the draft
    assert submission.answers["name"] == user.full_name
    page0 = client.get(reverse("applications:fill", args=[submission.uuid, 0])).content.decode()
    assert user.full_name in page0
    fill_all(client, submission)
    confirm = client.get(reverse("applications:confirm", args=[submission.uuid]))
    assert "入力内容の確認" in confirm.content.decode()
    # double click: two POSTs, one submission, one receipt number
    first = client.post(reverse("applications:confirm", args=[submission.uuid]))
    second = client.post(reverse("applications:confirm", args=[submission.uuid]))
    assert first.status_code == second.status_code == 302
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    assert submission.receipt_number
    assert SubmissionEvent.objects.filter(submission=submission, kind="submitted").count() == 1
    run_tasks()
    messages = smtp_email.wait_for(1)
    assert len(messages) == 1  # the resident's receipt; the section hears in its next digest
    message = messages[0]["message"]
    assert message["To"] == user.email and submission.receipt_number in message["Subject"]
    assert services.section_digest() == 1
    run_tasks()
    section_notice = smtp_email.wait_for(2)[1]["message"]
    assert section_notice["To"] == submission.section.email
    # the section's digest carries no personal data, only the receipt number and a link
    assert "新しい申請 1件" in section_notice["Subject"] and submission.receipt_number in section_notice.get_content()
    assert user.full_name not in section_notice.get_content() and str(submission.uuid) in section_notice.get_content()
    assert not list(section_notice.iter_attachments())
    # the receipt carries no answers and no attachment; the PDF copy is on the signed-in page
    assert not list(message.iter_attachments())
    body = message.get_content()
    assert submission.receipt_number in body and str(submission.uuid) in body
    assert user.full_name not in body.split("様", 1)[1] and "申請内容の控え（PDF）" in body
    detail = client.get(reverse("applications:my_detail", args=[submission.uuid])).content.decode()
    assert "受付済" in detail and submission.receipt_number in detail
    copy = client.get(reverse("applications:my_pdf", args=[submission.uuid]))
    assert copy["Content-Type"] == "application/pdf" and copy.content.startswith(b"%PDF")
    assert b"Noto-Sans-CJK-JP" in _pdf_fonts(copy.content)  # Japanese text in an embedded Japanese font


def test_errors_are_japanese_next_to_field_and_input_is_kept(client, resident):
    client.force_login(resident)
    submission = start(client, "juminhyo")
    fill_all(client, submission, overrides={})  # go through once so page 1 is known
    submission = Submission.objects.get(pk=submission.pk)
    response = client.post(
        reverse("applications:fill", args=[submission.uuid, 1]), {"action": "next", "scope": "all", "copies": "百", "purpose": "work", "receive": "mail"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "必要な通数" in html and "aria-invalid" in html
    assert 'value="all"' in html


def test_my_number_refused_outside_individual_number_field(client, resident):
    client.force_login(resident)
    submission = start(client, "goiken")
    fill_all(client, submission, overrides={})
    submission = Submission.objects.get(pk=submission.pk)
    submission.status = Submission.Status.DRAFT
    submission.save()
    response = client.post(
        reverse("applications:fill", args=[submission.uuid, 1]), {"action": "next", "topic": "other", "opinion": f"私の番号は{MY_NUMBER}です", "reply": "no"}
    )
    assert response.status_code == 400
    assert "マイナンバー" in response.content.decode()


def test_pdf_renamed_jpg_is_refused_and_file_served_only_to_allowed(client, resident):
    client.force_login(resident)
    submission = start(client, "doro-tsuho")
    fill_all(client, submission, overrides={})
    submission = Submission.objects.get(pk=submission.pk)
    submission.status = Submission.Status.DRAFT
    submission.save()
    bad = SimpleUploadedFile("photo.jpg", PDF, content_type="image/jpeg")
    response = client.post(
        reverse("applications:fill", args=[submission.uuid, 1]), {"action": "next", "kind": "pothole", "place": "駅前", "reply": "no", "photo": bad}
    )
    assert response.status_code == 400
    assert "PDF" in response.content.decode()


def test_staff_workflow_correction_and_resubmit(client, resident, smtp_email, run_tasks):
    user = resident
    client.force_login(user)
    submission = start(client, "kodomo-iryo")
    fill_all(client, submission)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    client.get(reverse("applications:my_list"))  # consume the "受付番号は…" flash message
    clerk = staff("kosodate")
    other = staff("gomi")
    # another section's staff cannot see it
    login_staff(client, other)
    assert client.get(reverse("applications:staff_detail", args=[submission.uuid])).status_code == 404
    assert submission.receipt_number not in client.get(reverse("applications:staff_inbox")).content.decode()
    login_staff(client, clerk)
    inbox = client.get(reverse("applications:staff_inbox"), {"q": submission.receipt_number}).content.decode()
    assert submission.receipt_number in inbox
    views_before = AuditLog.objects.filter(action="view", target_id=str(submission.pk)).count()
    assert client.get(reverse("applications:staff_detail", args=[submission.uuid])).status_code == 200
    assert AuditLog.objects.filter(action="view", target_id=str(submission.pk)).count() == views_before + 1
    # a correction needs a comment
    client.post(reverse("applications:staff_detail", args=[submission.uuid]), {"action": "status", "to_status": "correction", "comment": ""})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RECEIVED
    client.post(
        reverse("applications:staff_detail", args=[submission.uuid]),
        {"action": "status", "to_status": "correction", "comment": "保険者名を正しく書いてください。"},
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.CORRECTION
    run_tasks()
    subjects = [m["message"]["Subject"] for m in smtp_email.wait_for(2)]
    assert any("補正依頼" in s for s in subjects)
    # the resident edits and resubmits
    client.force_login(user)
    response = client.post(
        reverse("applications:fill", args=[submission.uuid, 1]),
        {"action": "next", **{k: v for k, v in submission.answers.items() if isinstance(v, str)}, "insurance": "みどり健康保険組合"},
    )
    assert response.status_code in (302, 400)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVIEWING
    assert submission.events.filter(kind="resubmitted").exists()
    # message from the resident, then completion
    client.post(reverse("applications:my_message", args=[submission.uuid]), {"body": "よろしくお願いします。"})
    login_staff(client, clerk)
    client.post(
        reverse("applications:staff_detail", args=[submission.uuid]), {"action": "status", "to_status": "completed", "comment": "医療証を郵送しました。"}
    )
    submission.refresh_from_db()
    assert submission.status == Submission.Status.COMPLETED and submission.retain_until


def test_withdraw(client, resident):
    client.force_login(resident)
    submission = start(client, "kaigo-saikofu")
    fill_all(client, submission)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    client.post(reverse("applications:my_withdraw", args=[submission.uuid]), {"reason": "不要になりました"})
    submission.refresh_from_db()
    assert submission.status == Submission.Status.WITHDRAWN


def test_exports_csv_bom_and_xlsx_mask_my_number(client, resident):
    user = resident
    client.force_login(user)
    submission = start(client, "jidoteate-nintei")
    fill_all(client, submission)
    client.post(reverse("applications:confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    assert MY_NUMBER not in submission.search_text
    login_staff(client, staff("kosodate"))
    procedure = Procedure.objects.get(slug="jidoteate-nintei")
    response = client.get(reverse("applications:staff_export", args=["csv"]), {"procedure": procedure.pk})
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert submission.receipt_number in text and MY_NUMBER not in text
    header = next(csv.reader(io.StringIO(text)))
    assert "受付番号" in header and "お子さんの氏名" in header
    response = client.get(reverse("applications:staff_export", args=["xlsx"]), {"procedure": procedure.pk})
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(response.content))
    values = [c for row in wb.active.iter_rows(values_only=True) for c in row]
    assert submission.receipt_number in values and MY_NUMBER not in values
    assert AuditLog.objects.filter(action="export").count() >= 2
    from madoguchi.core.views import AuditFilterForm

    client.get(reverse("applications:staff_detail", args=[submission.uuid]))
    search = AuditFilterForm(data={"target": submission.receipt_number})
    assert search.is_valid()
    found = search.filter(AuditLog.objects.all())
    assert found.filter(action="export").count() == 2 and found.filter(action="view").exists()  # who exported it, who read it

    # What a resident typed never runs as a formula when staff open the export in Excel.
    formula = '=HYPERLINK("http://evil.example/","開く")'
    Submission.objects.filter(pk=submission.pk).update(applicant_name=formula)
    text = client.get(reverse("applications:staff_export", args=["csv"])).content.decode("utf-8-sig")
    assert "'" + formula.replace('"', '""') in text
    wb = load_workbook(io.BytesIO(client.get(reverse("applications:staff_export", args=["xlsx"])).content))
    cells = [c for row in wb.active.iter_rows() for c in row if c.value == formula]
    assert cells and all(c.data_type == "s" for c in cells)


def test_bulk_status_change_and_filters(client, resident):
    client.force_login(resident)
    cases = []
    for _ in range(2):
        s = start(client, "kaigo-saikofu")
        fill_all(client, s)
        client.post(reverse("applications:confirm", args=[s.uuid]))
        cases.append(s)
    login_staff(client, staff("kaigo"))
    client.post(reverse("applications:staff_inbox"), {"selected": [str(s.uuid) for s in cases], "to_status": "reviewing"})
    assert Submission.objects.filter(pk__in=[s.pk for s in cases], status="reviewing").count() == 2
    html = client.get(reverse("applications:staff_inbox"), {"status": "reviewing", "date_from": "R8.1.1"}).content.decode()
    assert "審査中" in html
    bad = client.get(reverse("applications:staff_inbox"), {"date_from": "令和99年99月"})
    assert bad.status_code == 200 and "申請日" in bad.content.decode()


def test_counter_mode_counts_as_counter_submission(client):
    catalogue("juminhyo")
    clerk = staff("shimin")
    login_staff(client, clerk)
    response = client.post(reverse("applications:counter_start", args=["juminhyo"]))
    submission = Submission.objects.filter(channel="counter").latest("created_at")
    assert response.status_code == 302
    engine = services.engine_for(submission)
    for index, page in enumerate(engine.pages):
        files = {}
        data = {"action": "next"}
        for f in page.fields:
            data.update(valid_input(f, files))
        assert client.post(reverse("applications:counter_fill", args=[submission.uuid, index]), {**data, **files}).status_code == 302
    response = client.post(reverse("applications:counter_confirm", args=[submission.uuid]))
    submission.refresh_from_db()
    assert submission.status == "received" and submission.taken_by == clerk and submission.channel == "counter"
    assert client.get(reverse("applications:counter_print", args=[submission.uuid])).status_code == 200
    assert client.get(reverse("applications:staff_pdf", args=[submission.uuid]))["Content-Type"] == "application/pdf"


def test_anonymous_draft_for_open_procedure_and_saved_draft_is_kept(client):
    submission = start(client, "goiken")
    assert submission.applicant is None and submission.session_key
    client.post(reverse("applications:fill", args=[submission.uuid, 0]), {"action": "save", "name": "匿名 太郎"})
    submission.refresh_from_db()
    assert submission.answers.get("name") == "匿名 太郎"
    # another browser cannot open it
    from django.test import Client

    assert Client().get(reverse("applications:fill", args=[submission.uuid, 0])).status_code == 404


def test_retention_purge_deletes_and_audits():
    import datetime as dt

    from django.utils import timezone

    from madoguchi.applications.services import purge_expired

    procedure = catalogue("goiken")
    s = services.start_draft(procedure, session_key="x")
    Submission.objects.filter(pk=s.pk).update(status="completed", receipt_number="2020-000001", retain_until=dt.date(2021, 3, 31), closed_at=timezone.now())
    stale = services.start_draft(procedure, session_key="y")
    Submission.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - dt.timedelta(days=services.DRAFT_RETENTION_DAYS + 1))
    report = purge_expired()
    assert "2020-000001" in report["submissions"] and report["drafts"] == 1
    assert not Submission.objects.filter(pk__in=[s.pk, stale.pk]).exists()
    assert AuditLog.objects.filter(action="purge", detail__receipt_number="2020-000001").exists()
    summary = AuditLog.objects.get(action="purge", target_label="期限切れの下書き・未使用の添付ファイル")
    assert summary.detail["drafts"] == 1


def test_receipt_numbers_are_unique_and_sequential(city):
    a, b = services.next_receipt_number(), services.next_receipt_number()
    assert a != b and int(b.split("-")[1]) == int(a.split("-")[1]) + 1


def test_counter_mode_takes_counter_only_and_card_procedures(client, resident):
    """書かない窓口 serves visitors for procedures residents cannot do online (identity checked in person)."""
    catalogue("juminhyo"), catalogue("tenshutsu")
    Procedure.objects.filter(slug="juminhyo").update(online=False)
    Procedure.objects.filter(slug="tenshutsu").update(identity_assurance=Procedure.Assurance.MY_NUMBER_CARD)
    login_staff(client, staff("shimin"))
    home = client.get(reverse("applications:counter_home")).content.decode()
    assert "住民票の写しの交付請求" in home
    for slug in ("juminhyo", "tenshutsu"):
        procedure = Procedure.objects.get(slug=slug)
        assert client.post(reverse("applications:counter_start", args=[slug])).status_code == 302
        assert Submission.objects.filter(procedure=procedure, channel="counter").exists()
    # Online, the same procedure is refused.
    client.force_login(resident)
    client.post(reverse("applications:start", args=["juminhyo"]))
    assert not Submission.objects.filter(procedure__slug="juminhyo", channel="online").exists()
