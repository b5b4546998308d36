"""The import's lines are extracted once at upload and stored; the preview works from them; a
workbook too large to read gets a Japanese message before it is read in full (issue #11 item 6,
issue #13 item 7)."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.plans.importer import PlanImportError, parse
from madoguchi.plans.importer import read as read_mod
from madoguchi.plans.models import PlanImport

from .conftest import staff_login
from .test_importer_outline import doc


def _xlsx(rows: int, cols: int) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("data")
    for r in range(rows):
        ws.append([f"{r}-{c}" for c in range(cols)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_workbook_over_the_bound_is_refused_with_a_message(monkeypatch):
    monkeypatch.setattr(read_mod, "MAX_CELLS", 500)
    monkeypatch.setattr(read_mod, "MAX_ROWS", 100)
    for data in (_xlsx(101, 1), _xlsx(30, 20)):
        with pytest.raises(PlanImportError) as exc:
            parse(data, "big.xlsx")
        assert "表が大きすぎる" in str(exc.value) and "シート" in str(exc.value)


def test_upload_stores_lines_and_the_preview_reads_them(client, org):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="武蔵野市", code="132039")
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("000.txt", doc("000_")), "municipality": muni.pk})
    assert resp.status_code == 302
    imp = PlanImport.objects.get(filename="000.txt")
    assert imp.line_count == 1133 and imp.lines[204] == [205, "", ["施策番号", "1", "施策名", "いつでも、どこでも行える窓口サービスの提供"]]
    PlanImport.objects.filter(pk=imp.pk).update(content=b"")  # the file is not read again
    body = client.get(resp["Location"]).content.decode()
    assert "窓口サービスの利便性向上" in body and "行政手続き、イベントや講座の申込等のオンライン化の推進" in body


def test_upload_of_text_without_structure_says_so(client, org):
    staff_login(client, org["users"]["ip"])
    resp = client.post(
        reverse("plans:import_upload"),
        {"file": SimpleUploadedFile("memo.txt", "会議のメモです。\n次回は来週です。\n".encode()), "municipality": org["muni"].pk},
    )
    assert resp.status_code == 200 and "計画の構成" in resp.content.decode()
    assert not PlanImport.objects.exists()


def test_a_large_file_is_extracted_in_the_worker_with_its_state_shown(client, org, run_tasks):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="武蔵野市", code="132039")
    glossary = "".join(f"用語{n}\t{'説明の文です。' * 8}\n" for n in range(3000)).encode()
    big = doc("000_") + b"\n" + glossary
    assert len(big) > 512 * 1024
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("000-big.txt", big), "municipality": muni.pk})
    assert resp.status_code == 302
    imp = PlanImport.objects.get(filename="000-big.txt")
    assert imp.extraction == PlanImport.Extraction.PENDING and imp.lines is None
    page = client.get(resp["Location"]).content.decode()
    assert "読み取っています" in page and 'http-equiv="refresh"' in page
    run_tasks()
    imp.refresh_from_db()
    assert imp.extraction == PlanImport.Extraction.DONE and imp.line_count > 4000
    assert "窓口サービスの利便性向上" in client.get(resp["Location"]).content.decode()

    # A large file without a plan's structure: the worker's message, and a way back.
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("glossary.txt", glossary), "municipality": muni.pk})
    run_tasks()
    page = client.get(resp["Location"])
    assert page.status_code == 422 and "計画の構成" in page.content.decode() and "別のファイルを選ぶ" in page.content.decode()
    # A large PDF is refused at upload, before any worker.
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("plan.pdf", b"%PDF-1.7\n" + b"x" * 600_000), "municipality": muni.pk})
    assert resp.status_code == 200 and "PDF" in resp.content.decode()


def test_plan_page_shows_classifications_and_the_previous_plans_evaluation(client, org):
    from madoguchi.core import tenancy
    from madoguchi.plans.importer import save_preview

    muni = org["muni"]
    with tenancy.using(muni):
        plan = save_preview(parse(doc("000_"), "000.txt"), muni, source_name="000.txt").plan
    staff_login(client, org["users"]["ip"])
    page = client.get(reverse("plans:tree", args=[plan.pk])).content.decode()
    assert "計画の分類（基本方針など）" in page and "基本方針1 市民目線の行政サービス" in page
    assert reverse("plans:evaluation", args=[plan.predecessor_id]) in page
    evaluation = client.get(reverse("plans:evaluation", args=[plan.predecessor_id])).content.decode()
    assert "窓口手続時間の短縮および簡素化の研究" in evaluation and "概ね達成" in evaluation
