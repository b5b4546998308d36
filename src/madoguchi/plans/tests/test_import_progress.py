"""The worker's extraction of a large upload reports its progress as a percentage, stored on the
PlanImport row and shown (htmx-polled) on the preview page while it runs (issue #13 item 7)."""

import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.plans.importer import read as read_mod
from madoguchi.plans.models import PlanImport

from .conftest import staff_login
from .test_importer_corpus import CORPUS


def _workbook(filler_rows: int) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    for line in (CORPUS / "s5_spreadsheet.csv").read_text().splitlines():
        ws.append(line.split(","))
    ws.append([])
    for n in range(filler_rows):
        ws.append([f"注{n}", "用語の説明です。"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_extraction_progress_is_stored_and_polled(client, org, run_tasks, monkeypatch):
    staff_login(client, org["users"]["ip"])
    muni = MunicipalityFactory(name="あおば市", code="132055")
    big = (CORPUS / "s2_heading_items.txt").read_bytes() + b"\n" + "".join(f"用語{n}\t{'説明の文です。' * 8}\n" for n in range(3000)).encode()
    resp = client.post(reverse("plans:import_upload"), {"file": SimpleUploadedFile("big.txt", big), "municipality": muni.pk})
    url = resp["Location"]
    imp = PlanImport.objects.get(filename="big.txt")
    assert imp.extraction == PlanImport.Extraction.PENDING and imp.extraction_progress == 0

    # The page while it runs: the stored share, and the htmx poll that answers with it alone.
    PlanImport.objects.filter(pk=imp.pk).update(extraction_progress=40)
    page = client.get(url).content.decode()
    assert "読み取り済み: 40%" in page and 'value="40"' in page and f'hx-get="{url}?progress=1"' in page
    poll = client.get(url, {"progress": "1"}, HTTP_HX_REQUEST="true")
    assert poll.status_code == 200 and "読み取り済み: 40%" in poll.content.decode() and "<html" not in poll.content.decode()

    # The worker on a workbook: record every share it stores (small report blocks so a small
    # workbook reports several times; no sleeps, the task runs inline).
    PlanImport.objects.filter(pk=imp.pk).update(content=_workbook(400), filename="big.xlsx", extraction_progress=0)
    monkeypatch.setattr(read_mod, "PROGRESS_EVERY", 50)
    stored = []
    original = PlanImport.save

    def spy(self, *args, **kwargs):
        if "extraction_progress" in (kwargs.get("update_fields") or []):
            stored.append(self.extraction_progress)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(PlanImport, "save", spy)
    run_tasks()
    imp.refresh_from_db()
    assert imp.extraction == PlanImport.Extraction.DONE and imp.extraction_progress == 100, imp.extraction_error
    assert stored == sorted(stored) and stored[-1] == 100 and stored[-2] == 95
    assert len([p for p in stored if 0 < p < 80]) >= 3  # reported while reading, not only at the end
    assert all(b - a >= 5 for a, b in zip(stored, stored[1:], strict=False))  # few writes

    # A poll that arrives after the end reloads the page into the preview.
    poll = client.get(url, {"progress": "1"}, HTTP_HX_REQUEST="true")
    assert poll["HX-Refresh"] == "true"
    assert "取込内容の確認" in client.get(url).content.decode()
