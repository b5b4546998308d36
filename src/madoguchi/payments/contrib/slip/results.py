"""収納代行の速報・確報ファイル (daily result file, CSV) → settled payments.

Each 収納代行 writes its own layout, so the column mapping is configuration
(``provider_settings["payments"]["slip"]["result_format"]``)::

    {"encoding": "cp932", "header": true, "barcode": "バーコード情報", "amount": "収納金額",
     "paid_on": "収納日", "date_format": "%Y%m%d", "skip_when": {"column": "種別", "values": ["取消"]}}

A column is a header name (``"header": true``) or a 0-based position. ``barcode`` (the 44 digits,
checked) or ``reference`` (the 21-digit 企業任意欄, or the 支払番号) identifies the payment.
Every row goes through the same rules as a provider's notification (``services.apply_notification``):
a row already imported is a duplicate (idempotent re-import), an amount that differs or a
reference that matches nothing is listed, never applied."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from madoguchi.core.registry import PaymentNotification

from ... import services
from . import barcode
from .provider import config

DEFAULT_FORMAT = {"encoding": "cp932", "header": True, "barcode": "バーコード情報", "amount": "収納金額", "paid_on": "収納日", "date_format": "%Y%m%d"}


REASONS = {
    "unknown_reference": "該当する支払がありません",
    "amount_mismatch": "金額が一致しません",
    "illegal_transition": "この支払の状態では支払済にできません",
    "bad_row": "行が読めません",
    "bad_format": "ファイルの形式が設定と違います",
}


@dataclass
class Row:
    line: int
    reference: str
    amount: int | None
    paid_on: str
    result: str  # applied, duplicate, unchanged, stale, or a problem
    message: str = ""
    payment_id: int | None = None

    @property
    def reason(self) -> str:
        return REASONS.get(self.result, self.result)


@dataclass
class ImportResult:
    rows: list[Row] = field(default_factory=list)

    @property
    def settled(self) -> list[Row]:
        return [r for r in self.rows if r.result == "applied"]

    @property
    def already(self) -> list[Row]:
        return [r for r in self.rows if r.result in ("duplicate", "unchanged", "stale")]

    @property
    def unmatched(self) -> list[Row]:
        return [r for r in self.rows if r.result not in ("applied", "duplicate", "unchanged", "stale", "skipped")]


def _column(row: list[str], header: list[str] | None, spec) -> str:
    if spec is None or spec == "":
        return ""
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit() and not header):
        index = int(spec)
    else:
        if not header or spec not in header:
            raise KeyError(spec)
        index = header.index(spec)
    return row[index].strip() if index < len(row) else ""


def import_results(municipality, content: bytes, *, fmt: dict | None = None) -> ImportResult:
    """Settle the payments a 収納代行 reports paid. Safe to run twice on one file."""
    fmt = {**DEFAULT_FORMAT, **(fmt or config(municipality).get("result_format") or {})}
    text = content.decode(fmt.get("encoding") or "utf-8-sig", errors="strict").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) if fmt.get("header", True) else None
    header = [h.strip() for h in header] if header else None
    skip = fmt.get("skip_when") or {}
    result = ImportResult()
    for line, row in enumerate(reader, start=2 if header else 1):
        if not any(cell.strip() for cell in row):
            continue
        try:
            result.rows.append(_apply_row(line, row, header, fmt, skip))
        except KeyError as exc:
            result.rows.append(Row(line, "", None, "", "bad_format", f"列「{exc.args[0]}」がありません。設定を確認してください。"))
            break  # the whole file has the wrong layout
    return result


def _apply_row(line, row, header, fmt, skip) -> Row:
    if skip and _column(row, header, skip.get("column")) in (skip.get("values") or []):
        return Row(line, "", None, "", "skipped")
    paid_on = _column(row, header, fmt.get("paid_on"))
    raw_amount = _column(row, header, fmt.get("amount")).replace(",", "")
    amount = int(raw_amount) if raw_amount.isdigit() else None
    if fmt.get("barcode") and (code := _column(row, header, fmt["barcode"])):
        try:
            parsed = barcode.parse(code)
        except ValueError as exc:
            return Row(line, code, amount, paid_on, "bad_row", str(exc))
        reference, amount = parsed.merchant_reference, amount if amount is not None else parsed.amount
    else:
        ref = _column(row, header, fmt.get("reference")).replace("-", "")
        if not (ref.isdigit() and len(ref) >= 19):
            return Row(line, ref, amount, paid_on, "bad_row", "支払番号が読めません。")
        reference = barcode.merchant_reference_from(ref)
    if amount is None:
        return Row(line, reference, None, paid_on, "bad_row", "金額が読めません。")
    try:
        day = dt.datetime.strptime(paid_on, fmt.get("date_format") or "%Y%m%d").date().isoformat() if paid_on else ""
    except ValueError:
        return Row(line, reference, amount, paid_on, "bad_row", "収納日が読めません。")
    notification = PaymentNotification(
        event_id=f"slip:{reference}:{day}:{amount}",
        status="paid",
        amount=amount,
        merchant_reference=reference,
        payload={"line": line, "row": row[:30], "paid_on": day},
    )
    try:
        outcome = services.apply_notification("slip", notification)
    except services.NotificationError as exc:
        services.record_anomaly("slip", exc.kind, reference=reference, payment=exc.payment, detail={"line": line, "amount": amount, "paid_on": day})
        return Row(line, reference, amount, day, exc.kind, str(exc), exc.payment.pk if exc.payment else None)
    return Row(line, reference, amount, day, outcome.result, "", outcome.payment.pk)
