"""避難所一覧の取込 (shelter list import): staff upload the city's 指定緊急避難場所一覧 in the
自治体標準オープンデータセット 03 layout (the same columns the generated dataset publishes); it
is checked row by row (frictionless, through ``standards.validate``, plus what the shelter list
itself needs), kept whatever the result, and applied in one transaction when it has no errors.

What a row sets on ``alerts.Shelter`` (matched by 名称 within the city; a name not yet listed adds
a shelter, nothing is deleted — a notice may still name a shelter missing from the file):
名称, 所在地 (所在地_連結表記, else 都道府県…番地以下 joined), 緯度/経度, 想定収容人数, the 8
災害種別 flags and 指定避難所との重複 (``1`` or blank), and 指定緊急避難場所 = yes (this is the 03
list). A column missing from the file leaves that field as it was; a blank cell in a present
column clears it. Other 03 columns (名称_カナ, 電話番号 …) are not kept by the shelter list and
are ignored (a note says so).

The shelters belong to alerts; this importer writes them because the layout, its validation and
the file handling are the open data app's (alerts' shelter form stays the way to edit one)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from madoguchi.alerts.models import Shelter
from madoguchi.core import audit
from madoguchi.core.models import AuditLog
from madoguchi.core.uploads import UploadError, check_file
from madoguchi.core.validation import mask_my_numbers

from . import conf, standards
from .models import ShelterImport
from .services import parse_csv

STANDARD = "指定緊急避難場所一覧"
HAZARD_COLUMNS = tuple((field, f"災害種別_{label}") for field, label in Shelter.HAZARDS)
ADDRESS_PARTS = ("所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)")
USED = {"名称", "所在地_連結表記", *ADDRESS_PARTS, "緯度", "経度", "想定収容人数", "指定避難所との重複", *(c for _f, c in HAZARD_COLUMNS)}
NAME_MAX = Shelter._meta.get_field("name").max_length
ADDRESS_MAX = Shelter._meta.get_field("address").max_length


@dataclass(frozen=True)
class Row:
    line: int  # the file's line (header = 1)
    values: dict  # Shelter field → value, only for the columns the file has


def _problem(row: int, column: str, message: str, error: bool = True) -> list:
    return standards.Problem(row, column, message, error).as_list()


def _decimal(text: str) -> Decimal | None:
    try:
        return Decimal(text).quantize(Decimal("0.000001")) if text else None
    except InvalidOperation:
        return None


def read(content: bytes) -> tuple[list[Row], list[list]]:
    """The rows to apply and the problems ([row, column, message, is_error]) of a file."""
    try:
        table = parse_csv(content)
    except (ValidationError, UnicodeDecodeError, LookupError) as exc:
        message = (
            exc.messages[0] if isinstance(exc, ValidationError) else "文字コードを判別できませんでした。UTF-8 か Shift_JIS の CSV で保存し直してください。"
        )
        return [], [_problem(1, "", message)]
    if not table.has_header:
        return [], [_problem(1, "", "1行目に見出し（全国地方公共団体コード, ID, 名称 …）がありません。標準の見出し行を入れてください。")]
    standard = standards.get(STANDARD)
    problems = [p.as_list() for p in standards.validate(standard, table.columns, table.rows)]
    if "名称" not in table.columns:
        return [], problems
    ignored = [c for c in table.columns if c in standard.names and c not in USED]
    if ignored:
        problems.append(_problem(1, "", f"次の列は避難所の一覧に保存しないため取り込みません: {'、'.join(ignored)}", error=False))
    index = {c: i for i, c in enumerate(table.columns)}
    rows, seen = [], {}
    for n, cells in enumerate(table.rows, start=2):
        cell = {c: cells[i].strip() for c, i in index.items()}
        name = mask_my_numbers(cell["名称"])[0]
        if not name:
            continue  # reported by the standard's check (名称 is required)
        if len(name) > NAME_MAX:
            problems.append(_problem(n, "名称", f"名称が長すぎます（{NAME_MAX}文字まで）。略称にしてください。"))
        if name in seen:
            problems.append(_problem(n, "名称", f"同じ名称が{seen[name]}行目にもあります。避難所ごとに1行にしてください。"))
        seen.setdefault(name, n)
        values: dict = {"name": name}
        if "所在地_連結表記" in index or any(p in index for p in ADDRESS_PARTS):
            address = cell.get("所在地_連結表記") or "".join(cell.get(p, "") for p in ADDRESS_PARTS)
            if len(address) > ADDRESS_MAX:
                problems.append(_problem(n, "所在地_連結表記", f"所在地が長すぎます（{ADDRESS_MAX}文字まで）。"))
            values["address"] = mask_my_numbers(address)[0]
        for column, field in (("緯度", "latitude"), ("経度", "longitude")):
            if column in index:
                values[field] = _decimal(cell[column])  # its range is the standard's check
        if "想定収容人数" in index:
            values["capacity"] = int(cell["想定収容人数"]) if cell["想定収容人数"].isdigit() else None
        for field, column in HAZARD_COLUMNS:
            if column in index:
                values[field] = cell[column] == "1"
        if "指定避難所との重複" in index:
            values["is_designated_shelter"] = cell["指定避難所との重複"] == "1"
        rows.append(Row(n, values))
    problems.sort(key=lambda p: (p[0], table.columns.index(p[1]) if p[1] in index else -1))
    return rows, problems


def upload(uploaded, *, user=None, replaces: ShelterImport | None = None) -> ShelterImport:
    """Check and keep an upload. Raises ``ValidationError({"file": …})`` only for a file that is
    not a CSV at all (checked by content); anything else is kept with its problems."""
    try:
        check_file(uploaded, label="ファイル", accept=["csv", "txt"], max_bytes=conf.max_upload_bytes())
    except UploadError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    uploaded.seek(0)
    content = uploaded.read()
    rows, problems = read(content)
    errors = sum(1 for p in problems if p[3])
    if not rows and not errors:
        problems.append(_problem(1, "", "避難所の行がありません。2行目から1避難所1行で入れてください。"))
        errors = 1
    with transaction.atomic():
        item = ShelterImport(
            filename=uploaded.name[:200],
            row_count=len(rows),
            problems=problems,
            error_count=errors,
            state=ShelterImport.State.HELD if errors else ShelterImport.State.READY,
            uploaded_by=user if getattr(user, "pk", None) else None,
            replaces=replaces,
        )
        item.file.save(uploaded.name, ContentFile(content), save=False)
        item.save()
        if replaces is not None and replaces.state in (ShelterImport.State.HELD, ShelterImport.State.READY):
            ShelterImport.objects.filter(pk=replaces.pk).update(state=ShelterImport.State.REPLACED)
        audit.record(AuditLog.Action.CREATE, item, actor=user, detail={"rows": len(rows), "errors": errors, "replaces": replaces.pk if replaces else None})
    return item


def preview(item: ShelterImport) -> tuple[list[str], list[str]]:
    """(names added, names updated) if the import were applied now."""
    rows, _problems = read(item.file.open("rb").read())
    existing = set(Shelter.objects.filter(municipality_id=item.municipality_id, name__in=[r.values["name"] for r in rows]).values_list("name", flat=True))
    return [r.values["name"] for r in rows if r.values["name"] not in existing], [r.values["name"] for r in rows if r.values["name"] in existing]


def apply(item: ShelterImport, *, user=None) -> ShelterImport:
    """Every row or none: the import's row is locked, the kept file read again and checked again,
    then each shelter added or updated in the same transaction; audited with what changed."""
    with transaction.atomic():
        item = ShelterImport.objects.select_for_update().get(pk=item.pk)
        if item.state != ShelterImport.State.READY:
            raise ValidationError("この取込はすでに反映したか、差し替え・取り下げ済みです。一覧から最新の取込を開いてください。", code="state")
        rows, problems = read(item.file.open("rb").read())
        if any(p[3] for p in problems):
            raise ValidationError("ファイルに誤りがあるため反映できません。修正したファイルを登録してください。", code="errors")
        current = {s.name: s for s in Shelter.objects.select_for_update().filter(municipality_id=item.municipality_id)}
        created, updated = [], []
        for row in rows:
            shelter = current.get(row.values["name"])
            if shelter is None:
                shelter = Shelter(municipality_id=item.municipality_id, is_evacuation_site=True, **row.values)
                shelter.save()
                created.append(shelter.pk)
                continue
            changed = [f for f, v in row.values.items() if getattr(shelter, f) != v] + ([] if shelter.is_evacuation_site else ["is_evacuation_site"])
            if changed:
                for field, value in row.values.items():
                    setattr(shelter, field, value)
                shelter.is_evacuation_site = True
                shelter.save()
                updated.append(shelter.pk)
        item.state = ShelterImport.State.APPLIED
        item.applied_at, item.applied_by = timezone.now(), (user if getattr(user, "pk", None) else None)
        item.created_count, item.updated_count = len(created), len(updated)
        item.save()
        audit.record(AuditLog.Action.UPDATE, item, actor=user, detail={"created": created, "updated": updated, "rows": len(rows)})
    return item


def withdraw(item: ShelterImport, *, user=None) -> None:
    with transaction.atomic():
        item = ShelterImport.objects.select_for_update().get(pk=item.pk)
        if item.state in (ShelterImport.State.HELD, ShelterImport.State.READY):
            item.state = ShelterImport.State.WITHDRAWN
            item.save(update_fields=["state"])
            audit.record(AuditLog.Action.DELETE, item, actor=user, detail={"withdrawn": True})
