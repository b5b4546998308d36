"""The invited random sample of a survey (無作為抽出): staff upload a register extract (CSV), the
platform draws the sample with the published-seed method of ``core.draw`` (the one the facility
lottery uses: commitment published when the survey was saved, seed = SHA-256 of the secret and
the register's digest, order by hash), and prints invitation letters with a one-time code and a
QR code (segno). The extract is personal data: every staff read is audited, and it is deleted
once the letters are printed — then only the drawn sample's codes (with the coarse age group
and area used for breakdowns) remain."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from madoguchi.core import audit, draw, links
from madoguchi.core.models import AuditLog
from madoguchi.core.uploads import UploadError, check_file
from madoguchi.core.validation import mask_my_numbers
from madoguchi.core.wareki import WarekiError, parse_date

from .survey_models import RegisterEntry, Survey, SurveyInvitation

# The extract's header (the order does not matter; 郵便番号・生年月日・地区 may be absent).
COLUMNS = {"宛名番号": "person_id", "氏名": "name", "郵便番号": "postal_code", "住所": "address", "生年月日": "birth_date", "地区": "area"}
REQUIRED = ("宛名番号", "氏名", "住所")
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read from paper
CODE_LENGTH = 12


def age_group(birth: dt.date, on: dt.date) -> str:
    """The age group (年齢区分) of the demographic questions, as the survey's own question values."""
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age < 20:
        return "under20"
    if age >= 70:
        return "70plus"
    return f"{age // 10 * 10}s"


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError("名簿のCSVの文字コードを読めません。UTF-8 か Shift_JIS（CP932）で保存してください。")


def load_register(survey: Survey, uploaded, *, staff, request=None) -> int:
    """Replace the survey's register extract with the uploaded CSV; every bad line is named."""
    if survey.drawn_at is not None:
        raise ValidationError("抽選が済んでいるため、名簿を入れ替えられません。")
    try:
        check_file(uploaded, label="名簿のCSV", accept=["csv", "txt"])
    except UploadError as exc:
        raise ValidationError(str(exc)) from exc
    uploaded.seek(0)
    reader = csv.reader(io.StringIO(_decode(uploaded.read())))
    header = [h.strip() for h in next(reader, [])]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ValidationError(f"名簿のCSVの1行目（見出し）に「{'」「'.join(missing)}」の列がありません。見出しは {'、'.join(COLUMNS)} です。")
    index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    today = timezone.localdate()
    rows, errors, seen = [], [], set()
    for line_no, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue

        def cell(name, cells=cells):
            i = index.get(name)
            return mask_my_numbers(cells[i].strip())[0] if i is not None and i < len(cells) else ""

        person_id, name, address = cell("person_id"), cell("name"), cell("address")
        if not person_id or not name or not address:
            errors.append(f"{line_no}行目: 宛名番号・氏名・住所のどれかが空です。")
            continue
        if person_id in seen:
            errors.append(f"{line_no}行目: 宛名番号「{person_id}」が重複しています。")
            continue
        seen.add(person_id)
        group = ""
        if cell("birth_date"):
            try:
                group = age_group(parse_date(cell("birth_date")), today)
            except WarekiError as exc:
                errors.append(f"{line_no}行目: 生年月日 — {exc}")
                continue
        rows.append(
            RegisterEntry(
                survey=survey,
                municipality_id=survey.municipality_id,
                person_id=person_id[:40],
                name=name[:100],
                postal_code=cell("postal_code")[:10],
                address=address[:300],
                age_group=group,
                area=cell("area")[:100],
            )
        )
    if errors:
        raise ValidationError(errors[:20] + ([f"ほかに{len(errors) - 20}件の問題があります。"] if len(errors) > 20 else []))
    if not rows:
        raise ValidationError("名簿のCSVに行がありません。")
    with transaction.atomic():
        RegisterEntry.objects.filter(survey=survey).delete()
        RegisterEntry.objects.bulk_create(rows, batch_size=2000)
        Survey.objects.filter(pk=survey.pk).update(register_size=len(rows))
        survey.register_size = len(rows)
        audit.record(AuditLog.Action.CREATE, survey, request=request, actor=staff, detail={"register_rows": len(rows)})
    return len(rows)


def register_digest(person_ids) -> str:
    """The canonical input of the draw: the sorted 宛名番号 (anyone holding the same extract
    computes the same digest)."""
    return draw.digest(sorted(str(i) for i in person_ids))


def new_code() -> str:
    """A one-time code. Never one that reads as a マイナンバー (12 digits with a valid check
    digit, about 6 in 10⁹): the code column masks those on save, as browser keys once did."""
    from madoguchi.core.codes import contains_my_number

    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if not contains_my_number(code):
            return code


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def draw_sample(survey: Survey, *, staff, request=None) -> list[SurveyInvitation]:
    """Draw ``sample_size`` people from the register with the survey's committed secret."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.drawn_at is not None:
            raise ValidationError("抽選はすでに済んでいます。")
        if not survey.draw_secret:
            raise ValidationError("抽選の事前公表値がありません。対象を「無作為抽出」にして保存し直してください。")
        entries = {e.person_id: e for e in RegisterEntry.objects.filter(survey=survey)}
        if not entries:
            raise ValidationError("先に名簿のCSVを取り込んでください。")
        survey.draw_digest = register_digest(entries)
        survey.draw_seed = draw.derive_seed(survey.draw_secret, survey.draw_digest)
        chosen = draw.sample(survey.draw_seed, entries, survey.sample_size)
        invitations = []
        used = set(SurveyInvitation.objects.filter(municipality_id=survey.municipality_id).values_list("code", flat=True))
        for position, person_id in enumerate(chosen, start=1):
            code = new_code()
            while code in used:
                code = new_code()
            used.add(code)
            entry = entries[person_id]
            invitations.append(
                SurveyInvitation(
                    survey=survey, municipality_id=survey.municipality_id, code=code, position=position, age_group=entry.age_group, area=entry.area
                )
            )
        SurveyInvitation.objects.bulk_create(invitations)
        for invitation, person_id in zip(SurveyInvitation.objects.filter(survey=survey).order_by("position"), chosen, strict=True):
            entries[person_id].invitation = invitation
        RegisterEntry.objects.bulk_update([entries[p] for p in chosen], ["invitation"], batch_size=2000)
        survey.drawn_at = timezone.now()
        survey.register_size = len(entries)
        survey.save(update_fields=["draw_digest", "draw_seed", "drawn_at", "register_size"])
        audit.record(AuditLog.Action.UPDATE, survey, request=request, actor=staff, detail={"draw": True, "register": len(entries), "sample": len(chosen)})
    return invitations


def verify(survey: Survey, person_ids) -> list[str]:
    """Re-run the published draw (for a test or an auditor holding the extract): the drawn ids."""
    assert draw.verify_commitment(survey.draw_secret, survey.draw_commitment)
    seed = draw.derive_seed(survey.draw_secret, register_digest(person_ids))
    return draw.sample(seed, person_ids, survey.sample_size)


def letters_pdf(survey: Survey, *, staff, request=None) -> bytes:
    """Invitation letters (案内状) for the drawn sample, one page each: name, address, the one-time
    code and a QR code of the answer link. Reads the register: audited as an export."""
    import segno
    from weasyprint import HTML

    if survey.drawn_at is None:
        raise ValidationError("抽選が済んでいません。")
    if survey.register_purged_at is not None:
        raise ValidationError("案内状の印刷後に名簿を削除したため、案内状は作り直せません。")
    entries = list(RegisterEntry.objects.filter(survey=survey, invitation__isnull=False).select_related("invitation").order_by("invitation__position"))
    audit.record(AuditLog.Action.EXPORT, survey, request=request, actor=staff, detail={"letters": len(entries), "register": True})
    start = links.absolute_url("participation:survey_code", survey.pk, municipality=survey.municipality)
    letters = []
    for entry in entries:
        url = f"{start}?code={entry.invitation.code}"
        letters.append(
            {"entry": entry, "code": format_code(entry.invitation.code), "url": start, "qr": segno.make(url, error="m").svg_data_uri(scale=4, border=2)}
        )
    html = render_to_string("participation/survey_letters.html", {"survey": survey, "letters": letters, "municipality": survey.municipality})
    if survey.letters_printed_at is None:
        Survey.objects.filter(pk=survey.pk).update(letters_printed_at=timezone.now())
    return HTML(string=html).write_pdf()


def purge_register(survey: Survey, *, staff=None, request=None) -> int:
    """Delete the register extract (after printing): only the codes remain. Audited."""
    with transaction.atomic():
        n, _ = RegisterEntry.objects.filter(survey=survey).delete()
        Survey.objects.filter(pk=survey.pk).update(register_purged_at=timezone.now())
        audit.record(AuditLog.Action.PURGE, survey, request=request, actor=staff, detail={"register_rows": n})
    return n


def purge_printed_registers(keep_days: int) -> int:
    """Registers whose letters were printed more than ``keep_days`` ago and that staff did not
    delete themselves (periodic task, every city)."""
    cutoff = timezone.now() - dt.timedelta(days=keep_days)
    from madoguchi.core.tenancy import unscoped

    done = 0
    with unscoped():
        for survey in Survey.objects.filter(letters_printed_at__lt=cutoff, register_purged_at__isnull=True):
            purge_register(survey)
            done += 1
    return done
