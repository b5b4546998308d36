"""Read an uploaded document into rows of cells, recognising the format by its content."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass


class PlanImportError(ValueError):
    """The document could not be read; the message is shown to staff as is."""


@dataclass
class Row:
    line: int  # 1-based line (text) or row (spreadsheet) in the source
    cells: list[str]
    sheet: str = ""

    @property
    def where(self) -> str:
        return f"{self.sheet} {self.line}行目" if self.sheet else f"{self.line}行目"

    def nonempty(self) -> list[tuple[int, str]]:
        return [(i, c) for i, c in enumerate(self.cells) if c and c.strip()]


MAX_BYTES = 10 * 1024 * 1024
# A plan is a few thousand rows; a workbook of a million small cells took minutes and hundreds
# of MB to read (issue #11 item 6). Bounded before and while reading.
MAX_ROWS = 20_000
MAX_CELLS = 300_000
MAX_SHEET_XML = 40 * 1024 * 1024  # uncompressed worksheet XML
TOO_MANY_CELLS = (
    "表が大きすぎるため読み込みませんでした（{rows:,}行・{cells:,}セルまで）。"
    "計画の部分だけのシートを新しいブックにコピーして保存し、そのファイルを選んでください。"
)


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, or Shift_JIS/CP932."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PlanImportError("文字コードを判別できませんでした。UTF-8 または Shift_JIS（CP932）で保存したファイルを選んでください。")


def sniff(data: bytes) -> str:
    """The document's kind ("xlsx" or "text") from its first bytes, or PlanImportError with a
    Japanese message; cheap enough to answer at upload for a file read later in the worker."""
    if not data:
        raise PlanImportError("ファイルが空です。計画の表（XLSX・CSV・TSV）またはPDFから変換したテキストを選んでください。")
    if len(data) > MAX_BYTES:
        raise PlanImportError("ファイルが大きすぎます（10MBまで）。計画の部分だけを保存したファイルを選んでください。")
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"%PDF"):
        raise PlanImportError(
            "PDFはそのままでは取り込めません。PDFからテキストに変換したファイル、または計画の表をExcel（XLSX）・CSVで保存したファイルを選んでください。"
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise PlanImportError("古いExcel形式（.xls）やWord形式（.doc）には対応していません。Excelで「.xlsx」形式に保存し直してから選んでください。")
    import filetype

    kind = filetype.guess(data)
    if kind is not None and not kind.mime.startswith("text/"):
        raise PlanImportError(
            f"このファイルは{kind.extension.upper()}形式（{kind.mime}）のため取り込めません。XLSX・CSV・TSV またはテキストファイルを選んでください。"
        )
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise PlanImportError("テキストでも表計算ファイルでもない形式のため取り込めません。XLSX・CSV・TSV またはテキストファイルを選んでください。")
    return "text"


def read_rows(data: bytes, filename: str = "", progress=None) -> list[Row]:
    """``progress(done, total)``, when given, is called as the rows are read (a workbook's rows
    one block at a time; a text file, read at once, when it is done)."""
    if sniff(data) == "xlsx":
        return _read_xlsx(data, progress)
    rows = _read_text(decode_text(data), filename)
    if progress is not None:
        progress(len(rows), len(rows))
    return rows


def _read_text(text: str, filename: str) -> list[Row]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_ROWS * 5:
        raise PlanImportError(f"行数が多すぎるため読み込みませんでした（{MAX_ROWS * 5:,}行まで）。計画の部分だけを保存したファイルを選んでください。")
    tabbed = sum(1 for line in lines if "\t" in line)
    commas = sum(1 for line in lines if line.count(",") >= 3)
    if tabbed == 0 and commas > max(3, len([x for x in lines if x.strip()]) // 3) or filename.lower().endswith(".csv"):
        return _read_csv(text)
    # Tab-separated text (TSV, or text converted from PDF): split each line on tabs; quotes are
    # literal here because cells carry HTML attributes.
    return [Row(i + 1, html_cells(line) or line.split("\t")) for i, line in enumerate(lines)]


_HTML_CELL = re.compile(r"<t([dh])\b[^>]*>(.*?)(?=</t[dh]>|<t[dh]\b|</tr>|$)", re.I | re.S)


def html_cells(line: str) -> list[str] | None:
    """A row of an HTML table on one line (a CMS export: 「<tr><th>担当課</th><td>市民課</td></tr>」)
    → its cells, each as a cell of its own like a TSV row's; None when the line is not one."""
    if "<t" not in line.lower():
        return None
    cells = [m.group(2) for m in _HTML_CELL.finditer(line)]
    return cells if len(cells) >= 2 else None


def _read_csv(text: str) -> list[Row]:
    rows: list[Row] = []
    reader = csv.reader(io.StringIO(text))
    start = 1
    try:
        for cells in reader:
            rows.append(Row(start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PlanImportError(f'CSVの{reader.line_num}行目を読み取れませんでした（{exc}）。引用符「"」の対応を確かめてください。') from None
    return rows


PROGRESS_EVERY = 200  # rows between two progress reports while reading a workbook


def _count_cells(data: bytes) -> int:
    """Stream the workbook once (read-only mode holds one row at a time) and stop at the bound."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
        raise PlanImportError(f"XLSXファイルを読み込めませんでした（{type(exc).__name__}）。Excelで開いて保存し直してから選んでください。") from None
    rows = cells = width = 0
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows(values_only=True):
                rows += 1
                width = max(width, len(row))
                cells += sum(1 for v in row if v is not None)
                # The full read below builds every cell of the grid, empty ones too.
                if rows > MAX_ROWS or cells > MAX_CELLS or rows * width > 4 * MAX_CELLS:
                    raise PlanImportError(TOO_MANY_CELLS.format(rows=MAX_ROWS, cells=MAX_CELLS))
    finally:
        wb.close()
    return rows


def _read_xlsx(data: bytes, progress=None) -> list[Row]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zf.namelist()
            bad = zf.testzip()
    except zipfile.BadZipFile:
        raise PlanImportError("XLSXファイルが壊れているため読み込めませんでした。Excelで開いて保存し直してから選んでください。") from None
    if bad is not None:
        raise PlanImportError(f"XLSXファイルの一部（{bad}）が壊れているため読み込めませんでした。Excelで開いて保存し直してから選んでください。")
    if "xl/workbook.xml" not in names:
        if "word/document.xml" in names:
            raise PlanImportError("Word文書（.docx）は取り込めません。計画の表をExcel（XLSX）かCSVで保存するか、テキストに変換して選んでください。")
        raise PlanImportError("ZIP形式ですがExcel（XLSX）ファイルではありません。XLSX・CSV・TSV またはテキストファイルを選んでください。")
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheet_xml = sum(i.file_size for i in zf.infolist() if i.filename.startswith("xl/worksheets/"))
    if sheet_xml > MAX_SHEET_XML:
        raise PlanImportError(TOO_MANY_CELLS.format(rows=MAX_ROWS, cells=MAX_CELLS))
    import openpyxl

    total = _count_cells(data)
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged workbooks
        raise PlanImportError(f"XLSXファイルを読み込めませんでした（{type(exc).__name__}）。Excelで開いて保存し直してから選んでください。") from None
    rows: list[Row] = []
    for ws in wb.worksheets:
        merged = {}
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            # Horizontal merges are header groups; only vertical merges repeat the value.
            for r in range(rng.min_row + 1, rng.max_row + 1):
                for c in range(rng.min_col, rng.min_col + 1):
                    merged[(r, c)] = value
        for r_idx, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = []
            for c_idx, value in enumerate(row, start=1):
                if value is None:
                    value = merged.get((r_idx, c_idx))
                cells.append("" if value is None else str(value))
            rows.append(Row(r_idx, cells, sheet=ws.title))
            if progress is not None and len(rows) % PROGRESS_EVERY == 0:
                progress(min(len(rows), total), total)
        rows.append(Row(ws.max_row + 1, [], sheet=ws.title))  # sheets are separate blocks
    if progress is not None:
        progress(total, total)
    return rows
