"""Domain rules of the open data catalogue: datasets, versions of resources (encoding detection,
delimiter/header sniffing, datastore rows, diff summary), the activity history, and datasets
generated from other apps' data through the ``datasets`` registry."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from madoguchi.core import spreadsheet
from madoguchi.core.registry import datasets as generated_datasets
from madoguchi.core.uploads import UploadError, check_file

from . import conf
from .models import ActivityEvent, Dataset, DatasetTag, DatastoreRow, Frequency, HeldUpload, Resource, ResourceVersion

BATCH = 5000

ACCEPT = {
    Resource.Format.CSV: ["csv", "txt"],
    Resource.Format.XLSX: ["xlsx"],
    Resource.Format.JSON: ["txt"],
    Resource.Format.GEOJSON: ["txt"],
    Resource.Format.PDF: ["pdf"],
}
MEDIA_TYPES = {
    Resource.Format.CSV: "text/csv",
    Resource.Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    Resource.Format.JSON: "application/json",
    Resource.Format.GEOJSON: "application/geo+json",
    Resource.Format.PDF: "application/pdf",
    Resource.Format.LINK: "text/html",
}


# --- reading tabular files --------------------------------------------------------------------
@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    encoding: str = ""  # label of the original file's encoding (UTF-8, UTF-8 (BOM), Shift_JIS …)
    delimiter: str = ""
    has_header: bool = True
    notes: list[str] = field(default_factory=list)


ENCODINGS = [  # (codec, label), tried in order: a BOM first, then strict UTF-8, then CP932
    ("utf-8-sig", "UTF-8（BOM付き）"),
    ("utf-8", "UTF-8"),
    ("cp932", "Shift_JIS（CP932）"),
]


def detect_encoding(data: bytes) -> tuple[str, str]:
    """(codec, label) of a text file. Shift_JIS files in the wild are nearly always Windows'
    CP932 (with NEC/IBM extensions such as ①), so CP932 is what is tried."""
    if data.startswith(b"\xef\xbb\xbf"):
        return ENCODINGS[0]
    for codec, label in ENCODINGS[1:]:
        try:
            data.decode(codec)
            return codec, label
        except UnicodeDecodeError:
            continue
    raise ValidationError("文字コードを判別できませんでした。UTF-8 または Shift_JIS で保存したファイルを選んでください。", code="encoding")


def _sniff_delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",\t;|").delimiter
    except csv.Error:
        return ","


def _looks_like_header(first: list[str], rest: list[list[str]]) -> bool:
    """A header row has a non-empty, unique, non-numeric value in every column."""
    if not first or any(not c.strip() for c in first) or len(set(first)) != len(first):
        return False
    return not any(_is_number(c) for c in first)


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
        return True
    except ValueError:
        return False


def parse_csv(data: bytes) -> Table:
    codec, label = detect_encoding(data)
    text = data.decode(codec)
    delimiter = _sniff_delimiter(text[:8192])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = [r for r in reader if any(c.strip() for c in r)]
    return _table(rows, encoding=label, delimiter=delimiter)


def parse_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise ValidationError("Excel ファイル（.xlsx）として読めませんでした。ファイルが壊れていないか確認してください。", code="xlsx") from exc
    sheet = book.worksheets[0]
    rows = []
    for r in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else str(v) for v in r]
        if any(c.strip() for c in cells):
            rows.append(cells)
    book.close()
    table = _table(rows, encoding="", delimiter="")
    if len(book.worksheets) > 1:
        table.notes.append("2枚目以降のシートはプレビューとAPIの対象外です（1枚目だけ）。")
    return table


def _table(rows: list[list[str]], *, encoding: str, delimiter: str) -> Table:
    if not rows:
        raise ValidationError("データの行がありません。1行目に見出し、2行目からデータを入れてください。", code="empty")
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    has_header = _looks_like_header(rows[0], rows[1:])
    if has_header:
        columns, body = [c.strip() for c in rows[0]], rows[1:]
    else:
        columns, body = [f"列{i + 1}" for i in range(width)], rows
    return Table(columns=columns, rows=body, encoding=encoding, delimiter=delimiter, has_header=has_header)


def parse(fmt: str, data: bytes) -> Table | None:
    if fmt == Resource.Format.CSV:
        return parse_csv(data)
    if fmt == Resource.Format.XLSX:
        return parse_xlsx(data)
    return None


def diff_summary(columns: list[str], old: list[dict], new: list[dict]) -> tuple[int, int, int]:
    """(added, removed, changed) rows. When the first column is a unique key in both versions
    (ID, NO …) rows are matched by it, so an edit counts as one change; otherwise whole rows are
    compared as multisets (an edit is then one removed and one added)."""
    key = columns[0] if columns else None
    if key is not None:
        old_keys = [r.get(key, "") for r in old]
        new_keys = [r.get(key, "") for r in new]
        if len(set(old_keys)) == len(old_keys) and len(set(new_keys)) == len(new_keys) and all(new_keys):
            before = {r.get(key, ""): r for r in old}
            after = {r.get(key, ""): r for r in new}
            added = len(after.keys() - before.keys())
            removed = len(before.keys() - after.keys())
            changed = sum(1 for k in after.keys() & before.keys() if after[k] != before[k])
            return added, removed, changed
    from collections import Counter

    before_c = Counter(tuple(sorted(r.items())) for r in old)
    after_c = Counter(tuple(sorted(r.items())) for r in new)
    return sum((after_c - before_c).values()), sum((before_c - after_c).values()), 0


# --- datasets ----------------------------------------------------------------------------------
def record(dataset: Dataset, kind: str, *, user=None, detail: str = "", touch: bool = True) -> None:
    now = timezone.now()
    ActivityEvent.objects.create(
        dataset=dataset, municipality_id=dataset.municipality_id, kind=kind, user=user if user and user.is_authenticated else None, detail=detail[:300], at=now
    )
    if touch:
        Dataset.objects.filter(pk=dataset.pk).update(modified_at=now)
        dataset.modified_at = now


def set_tags(dataset: Dataset, names) -> None:
    wanted = []
    for n in names:
        n = n.strip()
        if n and n not in wanted:
            wanted.append(n[:100])
    DatasetTag.objects.filter(dataset=dataset).exclude(name__in=wanted).delete()
    have = set(DatasetTag.objects.filter(dataset=dataset).values_list("name", flat=True))
    DatasetTag.objects.bulk_create([DatasetTag(dataset=dataset, municipality_id=dataset.municipality_id, name=n) for n in wanted if n not in have])


def split_tags(text: str) -> list[str]:
    return [t for t in (p.strip() for p in text.replace("、", ",").replace("，", ",").split(",")) if t]


@transaction.atomic
def save_dataset(dataset: Dataset, *, tags=None, user=None, created: bool = False) -> Dataset:
    if Dataset.objects.filter(municipality_id=dataset.municipality_id or None, name=dataset.name).exclude(pk=dataset.pk).exists():
        raise ValidationError({"name": "この識別名はすでに使われています。別の識別名にしてください。"})
    dataset.modified_at = timezone.now()
    dataset.save()
    if tags is not None:
        set_tags(dataset, tags)
    record(dataset, ActivityEvent.Kind.CREATED if created else ActivityEvent.Kind.UPDATED, user=user)
    return dataset


@transaction.atomic
def add_resource(dataset: Dataset, *, name: str, fmt: str, description: str = "", link_url: str = "", user=None) -> Resource:
    if fmt == Resource.Format.LINK and not link_url:
        raise ValidationError({"link_url": "形式が「リンク」のときは、リンク先のURLを入力してください。"})
    position = dataset.resources.count()
    resource = Resource.objects.create(
        dataset=dataset, municipality_id=dataset.municipality_id, name=name, format=fmt, description=description, link_url=link_url, position=position
    )
    record(dataset, ActivityEvent.Kind.RESOURCE_ADDED, user=user, detail=name)
    return resource


def check_upload(resource: Resource, uploaded) -> str:
    """Check an upload by its content (core.uploads); the Japanese message on failure."""
    try:
        mime, _size = check_file(uploaded, label="ファイル", accept=ACCEPT.get(resource.format, ["txt"]), max_bytes=_max_bytes())
    except UploadError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    return mime


def _max_bytes() -> int:
    from .conf import max_upload_bytes

    return max_upload_bytes()


@transaction.atomic
def add_version(
    resource: Resource,
    *,
    content: bytes,
    filename: str,
    user=None,
    convert: bool = False,
    note: str = "",
    kind: str = ActivityEvent.Kind.VERSION_ADDED,
    checked: tuple[str, int] | None = None,
    override_reason: str = "",
) -> ResourceVersion:
    """Store a new version of ``resource`` (the previous ones stay), parse tabular content into
    datastore rows, count the diff against the previous version and record the activity.
    ``convert``: store a Shift_JIS/BOM file re-encoded as plain UTF-8."""
    table = parse(resource.format, content)
    if resource.format == Resource.Format.JSON or resource.format == Resource.Format.GEOJSON:
        _check_json(content)
    converted = False
    if table is not None and resource.format == Resource.Format.CSV and convert and table.encoding != "UTF-8":
        codec, _label = detect_encoding(content)
        content = content.decode(codec).encode("utf-8")
        converted = True
    previous = resource.versions.order_by("-number").first()
    number = (previous.number + 1) if previous else 1
    version = ResourceVersion(
        resource=resource,
        municipality_id=resource.municipality_id,
        number=number,
        filename=os.path.basename(filename)[:200],
        media_type=MEDIA_TYPES.get(resource.format, "application/octet-stream"),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=user if user and user.is_authenticated else None,
        note=note,
        standard=checked[0] if checked else "",
        error_count=checked[1] if checked else None,
        override_reason=override_reason,
    )
    if table is not None:
        version.encoding = table.encoding
        version.converted = converted
        version.delimiter = table.delimiter
        version.columns = table.columns
        version.row_count = len(table.rows)
    version.file.save(os.path.basename(filename) or "data", ContentFile(content), save=False)
    version.save()
    detail = f"第{number}版（{version.filename}）"
    if table is not None:
        records = [dict(zip(table.columns, r, strict=False)) for r in table.rows]
        _store_rows(version, records)
        if previous is not None and previous.row_count is not None:
            old = [row.data for row in DatastoreRow.objects.filter(version=previous).order_by("number").only("data")]
            added, removed, changed = diff_summary(table.columns, old, records)
            version.rows_added, version.rows_removed, version.rows_changed = added, removed, changed
            version.save(update_fields=["rows_added", "rows_removed", "rows_changed"])
            detail += f" 追加{added}行・削除{removed}行・変更{changed}行"
    now = timezone.now()
    Resource.objects.filter(pk=resource.pk).update(modified_at=now)
    record(resource.dataset, kind, user=user, detail=detail)
    return version


# --- checked before publishing (自治体標準との照合) ---------------------------------------------
def check_against_standard(resource: Resource, content: bytes):
    """(standard, problems) when the dataset declares a 自治体標準 layout this platform knows and
    the resource is tabular; else (None, [])."""
    from . import standards

    standard = standards.get(resource.dataset.standard)
    if standard is None or not resource.is_tabular:
        return None, []
    table = parse(resource.format, content)
    return standard, standards.validate(standard, table.columns, table.rows)


@transaction.atomic
def upload(resource: Resource, *, content: bytes, filename: str, user=None, convert: bool = False, note: str = ""):
    """A staff upload: checked against the dataset's standard first. Without errors it becomes
    a published version; with errors it is held (``HeldUpload``) — nothing with errors is
    published unless staff give a reason (``publish_held``)."""
    from . import standards

    standard, problems = check_against_standard(resource, content)
    errors, _notes = standards.summary(problems)
    if errors:
        held = HeldUpload(
            resource=resource,
            municipality_id=resource.municipality_id,
            filename=os.path.basename(filename)[:200],
            convert=convert,
            note=note,
            standard=standard.name,
            problems=[p.as_list() for p in problems],
            error_count=errors,
            uploaded_by=user if user and user.is_authenticated else None,
        )
        held.file.save(os.path.basename(filename) or "data", ContentFile(content), save=False)
        held.save()
        return held
    return add_version(resource, content=content, filename=filename, user=user, convert=convert, note=note, checked=(standard.name, 0) if standard else None)


@transaction.atomic
def publish_held(held: HeldUpload, *, reason: str, user=None) -> ResourceVersion:
    """Publish a held upload despite its errors: the reason is required and kept on the version."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "誤りがあるまま公開する理由を入力してください。"})
    if held.state != HeldUpload.State.HELD:
        raise ValidationError({"reason": "この登録はすでに処理されています。"})
    with held.file.open("rb") as f:
        content = f.read()
    version = add_version(
        held.resource, content=content, filename=held.filename, user=user, convert=held.convert, note=held.note,
        checked=(held.standard, held.error_count), override_reason=reason,
    )  # fmt: skip
    held.state, held.reason, held.decided_at, held.version = HeldUpload.State.PUBLISHED, reason, timezone.now(), version
    held.decided_by = user if user and user.is_authenticated else None
    held.save(update_fields=["state", "reason", "decided_at", "decided_by", "version"])
    return version


def withdraw_held(held: HeldUpload, *, user=None) -> None:
    if held.state == HeldUpload.State.HELD:
        held.state, held.decided_at = HeldUpload.State.WITHDRAWN, timezone.now()
        held.decided_by = user if user and user.is_authenticated else None
        held.save(update_fields=["state", "decided_at", "decided_by"])


def _check_json(content: bytes) -> None:
    import json

    try:
        codec, _label = detect_encoding(content)
        json.loads(content.decode(codec))
    except (ValueError, ValidationError) as exc:
        raise ValidationError({"file": f"JSON として読めませんでした（{exc}）。"}) from exc


def _store_rows(version: ResourceVersion, records: list[dict]) -> None:
    batch = []
    for i, data in enumerate(records, start=1):
        batch.append(DatastoreRow(version=version, municipality_id=version.municipality_id, number=i, data=data, text=" ".join(v for v in data.values() if v)))
        if len(batch) >= BATCH:
            DatastoreRow.objects.bulk_create(batch)
            batch = []
    if batch:
        DatastoreRow.objects.bulk_create(batch)


def current_version(resource: Resource) -> ResourceVersion | None:
    return resource.versions.order_by("-number").first()


def count_download(resource: Resource) -> None:
    from django.db.models import F

    Resource.objects.filter(pk=resource.pk).update(download_count=F("download_count") + 1)


# --- generated datasets (自動生成) ------------------------------------------------------------
def generated_csv(plugin, municipality) -> bytes:
    """The plugin's rows as UTF-8 CSV (BOM, as most Japanese publishers ship, so Excel opens it)."""
    out = io.StringIO()
    writer = spreadsheet.csv_writer(out)
    writer.writerow(list(plugin.columns))
    rows = plugin.rows(municipality)
    if getattr(plugin, "small_counts", ()):
        rows = suppress_rows(plugin, list(rows), conf.suppress_below())
    for row in rows:
        writer.writerow([_cell(row.get(c, "")) for c in plugin.columns])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


SUPPRESSED = "X"  # as e-Stat marks a 秘匿 cell


def suppress_rows(plugin, rows: list[dict], below: int) -> list[dict]:
    """Small-cell suppression (秘匿) of a generated dataset's rows:

    1. primary: a ``small_counts`` cell from 1 to ``below`` − 1 becomes ``X``;
    2. secondary: within each group of rows sharing the ``suppression_groups`` columns (a fiscal
       year, whose total another dataset publishes), a column with exactly one ``X`` also hides
       its smallest other non-zero cell, so the total minus the shown cells gives only a sum;
    3. a row with an ``X`` hides its ``derived`` cells (a rate would give the count away)."""
    small = tuple(getattr(plugin, "small_counts", ()))
    rows = [dict(r) for r in rows]
    hidden: set[tuple[int, str]] = set()
    for i, row in enumerate(rows):
        for column in small:
            if suppressed(row.get(column, ""), below) == SUPPRESSED:
                hidden.add((i, column))
    group_by = tuple(getattr(plugin, "suppression_groups", ()))
    if group_by:
        groups: dict[tuple, list[int]] = {}
        for i, row in enumerate(rows):
            groups.setdefault(tuple(row.get(c) for c in group_by), []).append(i)
        for members in groups.values():
            for column in small:
                if sum((i, column) in hidden for i in members) != 1:
                    continue
                shown = [i for i in members if (i, column) not in hidden and isinstance(rows[i].get(column), int) and rows[i][column] > 0]
                if shown:
                    hidden.add((min(shown, key=lambda i: rows[i][column]), column))
    for i, column in hidden:
        rows[i][column] = SUPPRESSED
    for i in {i for i, _c in hidden}:
        for column in getattr(plugin, "derived", ()):
            if rows[i].get(column) not in ("", None):
                rows[i][column] = SUPPRESSED
    return rows


def suppress_row(plugin, row: dict, below: int) -> dict:
    """One row suppressed on its own (no secondary suppression: that needs the other rows)."""
    return suppress_rows(plugin, [row], below)[0]


def suppressed(value, below: int):
    """A count of people, or ``X`` when it is small enough to point at someone (1 … below − 1).
    Zero stays: nobody is identified by an empty cell."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < below:
        return SUPPRESSED
    return value


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


def publisher_section(municipality):
    from madoguchi.core.models import Section

    return (
        Section.objects.filter(municipality=municipality, is_information_policy=True).order_by("pk").first()
        or Section.objects.filter(municipality=municipality).order_by("pk").first()
    )


@transaction.atomic
def refresh_generated(key: str, municipality) -> ResourceVersion | None:
    """Regenerate one registered dataset for one city: a new version only when the content
    changed (a refresh after an unrelated save adds nothing to the history)."""
    plugin = generated_datasets[key]
    section = publisher_section(municipality)
    if section is None:
        return None
    dataset = Dataset.objects.filter(municipality=municipality, generator=key).first()
    if dataset is None:
        dataset = Dataset(
            municipality=municipality,
            name=plugin.name.replace("_", "-"),
            section=section,
            title=plugin.label,
            notes=plugin.description,
            theme=plugin.theme,
            frequency=Frequency.CONTINUOUS,
            standard=plugin.standard,
            generator=key,
            spatial=f"{municipality.prefecture}{municipality.name}",
        )
        save_dataset(dataset, tags=[t for t in ("自動生成", plugin.standard) if t], created=True)
    resource = dataset.resources.first()
    if resource is None:
        resource = Resource.objects.create(dataset=dataset, municipality=municipality, name=f"{plugin.label}（CSV）", format=Resource.Format.CSV)
    content = generated_csv(plugin, municipality)
    latest = current_version(resource)
    if latest is not None and latest.sha256 == hashlib.sha256(content).hexdigest():
        return None
    return add_version(resource, content=content, filename=f"{municipality.code}_{plugin.name}.csv", kind=ActivityEvent.Kind.GENERATED)
