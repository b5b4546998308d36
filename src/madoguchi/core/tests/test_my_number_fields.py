"""マイナンバー in free text, one mechanism (issue #11 item 2): detection of the common spellings
(core.codes), and every model's free-text column declared as resident-typed (refused), transcribed
or imported (masked and flagged), or exempt with a reason."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import models

from madoguchi.core import validation
from madoguchi.core.codes import contains_my_number, find_my_numbers, my_number_check_digit, redact_my_numbers

NUMBER = "12345678901" + str(my_number_check_digit("12345678901"))  # 123456789018
A, B, C = NUMBER[:4], NUMBER[4:8], NUMBER[8:]
FULL = NUMBER.translate(str.maketrans("0123456789", "０１２３４５６７８９"))


@pytest.mark.parametrize(
    "text",
    [
        NUMBER,
        f"番号は{NUMBER}です",
        FULL,
        f"{A} {B} {C}",
        f"{A}-{B}-{C}",
        f"{A}ー{B}ー{C}",
        f"{A}−{B}−{C}",
        f"{A}‐{B}‐{C}",
        f"{A}－{B}－{C}",
        f"{A}\u3000{B}\u3000{C}",
        f"{FULL[:4]}\u3000{FULL[4:8]}\u3000{FULL[8:]}",
        f"{A}\n{B}\n{C}",
        f"{A}\r\n{B}\r\n{C}",
        f"個人番号：{A}-{B} {C}。",
        f"{NUMBER[:3]}-{NUMBER[3:6]}-{NUMBER[6:9]}-{NUMBER[9:]}",  # four groups of three (issue #11 item 2)
        f"{NUMBER[:3]} {NUMBER[3:6]} {NUMBER[6:9]} {NUMBER[9:]}",
    ],
)
def test_common_spellings_are_found_and_masked(text):
    assert contains_my_number(text)
    masked = redact_my_numbers(text)
    assert "[個人番号]" in masked and not contains_my_number(masked)
    assert find_my_numbers(text)[0] in text


@pytest.mark.parametrize(
    "text",
    [
        f"{A}.{B}.{C}",  # dots join nothing
        f"{A}/{B}/{C}",
        f"{A}  {B}  {C}",  # one separator, not two
        f"{NUMBER[:3]}-{NUMBER[3:7]}-{NUMBER[7:]}",  # mixed groups (3-4-5)
        f"{NUMBER[:2]}-{NUMBER[2:6]}-{NUMBER[6:]}",  # 2-4-6
        f"{A}-{B}-{C}-1234",  # part of a longer (card) number
        NUMBER + "1",
        "9" + NUMBER,
        f"0.{NUMBER}",
        f"{NUMBER}.5",
        "2026-12-04 12:34:56",
        "2026/12/04 10:30〜12:00",
        "令和8年12月4日 13時45分",
        "03-1234-5678",
        "090-1234-5678",
        "0120-123-456",
        "042-123-4567 / 090-1234-5678",
        "12:34:56.789012",
        "金額 1,234,567,890,123円",
        "123456789019",  # 12 digits, wrong check digit
    ],
)
def test_dates_times_phone_numbers_and_other_groups_do_not_trigger(text):
    assert not contains_my_number(text)
    assert redact_my_numbers(text) == text


def test_the_fast_path_finds_what_the_per_character_pass_finds():
    """Text already in NFKC form with ASCII digits skips the per-character normalisation; on
    seeded random text mixing every spelling (full-width and other digits, combining marks,
    half-width kana, separators) both ways give the same spans."""
    import random

    from madoguchi.core import codes

    def slow(text):
        normalised, where = codes._normalise(text)
        out = []
        for m in codes._MY_NUMBER_CANDIDATE.finditer(normalised):
            digits = m.group(1) or "".join(g for g in m.groups()[1:] if g)
            if codes.is_valid_my_number(digits):
                out.append((where[m.start()], where[m.end() - 1] + 1))
        return out

    pieces = [NUMBER, FULL, A, B, C, "0", "7", "０", "٣", "①", "-", "ー", "－", " ", "\u3000", "\n", ".", "．", "，"]
    pieces += ["緑野", "さくら", "ｶﾞ", "ﾞ", "\u3099", "e\u0301", "é", "Å", "\u212b", "ｱｲｳ", "電話03-1234-5678", "〒100-0001"]
    rng = random.Random(20261204)
    fast_paths = 0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        fast_paths += codes._is_nfkc(text) and not text.isascii()
        assert codes._spans(text) == slow(text), text
    assert fast_paths > 100  # the random texts exercise the fast path, not only the slow one


def test_the_validator_refuses_with_the_current_message():
    with pytest.raises(validation.ValidationError) as exc:
        validation.refuse_my_number(f"{A}ー{B}ー{C}", "利用目的", "purpose")
    assert exc.value.message_dict == {"purpose": [validation.my_number_message("利用目的")]}
    assert "番号を消して入力し直してください" in validation.my_number_message()
    validation.refuse_my_number("03-1234-5678")  # no error


def test_declaring_the_kind_needs_no_migration():
    field = validation.ResidentTextField("内容")
    field.set_attributes_from_name("body")
    assert field.deconstruct()[1] == "django.db.models.TextField"
    field = validation.TranscribedCharField("件名", max_length=10)
    field.set_attributes_from_name("title")
    assert field.deconstruct()[1] == "django.db.models.CharField"


# Free-text columns that are neither typed by a person here nor imported: each with why.
MACHINE = "machine-written value (code, key, hash, token, status, log), never free text"
STAFF_REFERENCE = "staff-maintained reference data of the city; pending: declare Resident*/Transcribed* in its app"
PROFILE = "the resident's profile: refused at form level by accounts.forms (same detection); model field pending"
EXEMPT: dict[str, str] = {
    **dict.fromkeys(
        [
            "opendata.Dataset.standard",
            "opendata.Dataset.generator",
            "opendata.ResourceVersion.filename",
            "opendata.ResourceVersion.media_type",
            "opendata.ResourceVersion.sha256",
            "opendata.ResourceVersion.encoding",
            "opendata.ResourceVersion.delimiter",
            "opendata.ResourceVersion.standard",
            "opendata.HeldUpload.filename",
            "opendata.HeldUpload.standard",
            "opendata.ActivityEvent.detail",
        ],
        MACHINE,
    ),
    "opendata.DatastoreRow.text": "search text joined from a published open data file's cells (published as uploaded; masking would alter the data)",
    **dict.fromkeys(
        [
            "core.Municipality.code",
            "core.Municipality.postal_code",
            "core.Municipality.phone",
            "core.Municipality.line_channel_secret",
            "core.Municipality.line_channel_access_token",
            "core.MunicipalityDomain.domain",
            "core.Section.code",
            "core.Section.phone",
            "core.AuditLog.actor_label",
            "core.AuditLog.target_type",
            "core.AuditLog.target_id",
            "core.AuditLog.user_agent",
            "core.Task.name",
            "core.Task.dedupe_key",
            "core.Task.locked_by",
            "core.Task.last_error",
            "accounts.User.password",
            "forms.Upload.session_key",
            "forms.Upload.content_type",
            "forms.Upload.sha256",
            "participation.Opinion.text_hash",
            "participation.Proposal.text_hash",
            "participation.Comment.text_hash",
            "participation.CommentCampaign.text_hash",
            "participation.Survey.draw_secret",
            "participation.Survey.draw_commitment",
            "participation.Survey.draw_digest",
            "participation.Survey.draw_seed",
            "participation.SurveyResponse.browser_key",
            "applications.Submission.session_key",
            "applications.Submission.receipt_number",
            "applications.Submission.idempotency_key",
            "applications.SubmissionEvent.from_status",
            "applications.SubmissionEvent.to_status",
            "reservations.Facility.code",
            "reservations.Facility.postal_code",
            "reservations.Facility.phone",
            "reservations.Booking.code",
            "reservations.Visit.code",
            "reservations.QueueTicket.token",
            "reservations.QueueTicket.window",
            "reservations.Lottery.secret_seed",
            "reservations.Lottery.seed_commitment",
            "reservations.Lottery.inputs_digest",
            "reservations.Lottery.draw_seed",
            "reservations.Registration.phone",
            "alerts.Topic.cap_category",
            "alerts.Area.code",
            "alerts.Subscription.address",
            "alerts.Subscription.push_p256dh",
            "alerts.Subscription.push_auth",
            "alerts.Subscription.token",
            "alerts.Subscription.link_code",
            "alerts.Subscription.failure_reason",
            "alerts.Notice.source",
            "alerts.Notice.source_identifier",
            "alerts.Notice.import_warning",
            "alerts.Delivery.claimed_by",
            "alerts.Delivery.error",
            "plans.Node.key",
            "plans.Item.key",
            "plans.Indicator.metric",
            "plans.PlanImport.filename",
            "identity.IdentityLink.provider",
            "identity.IdentityLink.subject",
            "applications.Submission.identity_provider",
            "applications.Submission.identity_subject",
            "applications.Submission.corporate_number",
            "payments.Payment.object_id",
            "payments.Payment.provider",
            "payments.Payment.provider_reference",
            "payments.Payment.merchant_reference",
            "payments.PaymentEvent.provider",
            "payments.PaymentEvent.provider_event_id",
            "payments.Refund.provider_reference",
            "payments.NotificationAnomaly.provider",
            "payments.NotificationAnomaly.reference",
        ],
        MACHINE,
    ),
    # 検索用: answers flattened by the form engine, which already refused or masked them.
    "applications.Submission.search_text": "built by forms.engine.search_text, which removes マイナンバー",
    **dict.fromkeys(
        [
            "core.Municipality.name",
            "core.Municipality.name_kana",
            "core.Municipality.name_en",
            "core.Municipality.prefecture",
            "core.Municipality.address",
            "core.SpecialDay.reason",
            "core.Section.name",
            "core.Section.name_kana",
            "core.Section.location",
            "core.AuditLog.target_label",  # audit.record redacts it
            "reservations.Facility.name",
            "reservations.Facility.name_kana",
            "reservations.Facility.name_en",
            "reservations.Facility.purposes",
            "reservations.Facility.area",
            "reservations.Facility.address",
            "reservations.Facility.description",
            "reservations.Facility.accessibility",
            "reservations.Facility.hours_note",
            "reservations.Facility.photo_alt",
            "reservations.ClosedPeriod.reason",
            "reservations.Unit.name",
            "reservations.Unit.equipment",
            "reservations.FrameDefinition.label",
            "reservations.ExemptionRule.name",
            "reservations.ExemptionRule.documents",
            "reservations.UseAgreement.note",
            "reservations.Counter.name",
            "reservations.Counter.procedures",
            "reservations.Counter.location",
            "alerts.TargetingConsent.consent_text",
        ],
        STAFF_REFERENCE,
    ),
    **dict.fromkeys(
        [
            "accounts.User.family_name",
            "accounts.User.given_name",
            "accounts.User.family_name_kana",
            "accounts.User.given_name_kana",
            "accounts.User.postal_code",
            "accounts.User.address",
            "accounts.User.address_building",
            "accounts.User.phone",
        ],
        PROFILE,
    ),
}


def _free_text_columns():
    for model in apps.get_models():
        if not model.__module__.startswith("madoguchi."):
            continue
        for field in model._meta.get_fields():
            if not isinstance(field, (models.CharField, models.TextField)) or isinstance(field, (models.EmailField, models.URLField, models.SlugField)):
                continue
            if field.choices:  # a value from a list, not free text
                continue
            yield f"{model._meta.label}.{field.name}", field


def test_every_free_text_column_is_declared_or_exempt():
    undeclared = []
    for name, field in _free_text_columns():
        kind = validation.my_number_kind(field)
        if kind and name in EXEMPT:
            undeclared.append(f"{name}: declared {kind}, remove it from EXEMPT")
        elif not kind and name not in EXEMPT:
            undeclared.append(f"{name}: a ResidentCharField/ResidentTextField (typed here) or Transcribed* (imported), or EXEMPT with a reason")
    assert not undeclared, "\n".join(undeclared)
    seen = {name for name, _ in _free_text_columns()}
    assert not set(EXEMPT) - seen, f"stale EXEMPT entries: {sorted(set(EXEMPT) - seen)}"


def test_imported_plan_text_is_transcribed_and_notices_are_typed():
    kinds = {name: validation.my_number_kind(field) for name, field in _free_text_columns()}
    assert kinds["plans.Item.title"] == kinds["plans.Item.description"] == kinds["plans.Node.description"] == "transcribed"
    assert kinds["plans.ProgressReport.done"] == kinds["alerts.Notice.body"] == "resident"


def test_resident_typed_columns_of_this_issue_are_declared():
    wanted = [
        "reservations.Booking.purpose",  # 利用目的
        "reservations.Group.name",  # 団体名
        "reservations.Group.representative",  # 代表者
        "reservations.Group.activity",  # 活動内容
        "reservations.Visit.procedure",
        "applications.SubmissionEvent.body",  # messages, comments, reasons
    ]
    kinds = {name: validation.my_number_kind(field) for name, field in _free_text_columns()}
    assert all(kinds[name] == "resident" for name in wanted), {n: kinds[n] for n in wanted}


@pytest.mark.django_db
def test_declared_columns_never_store_nul_or_a_my_number(db):
    """A path that skips the forms (a view reading request.POST itself) still stores neither a
    NUL (PostgreSQL refuses it: a 500) nor a マイナンバー."""
    from madoguchi.applications.factories import SubmissionFactory
    from madoguchi.applications.models import SubmissionEvent
    from madoguchi.core.factories import MunicipalityFactory

    MunicipalityFactory()
    submission = SubmissionFactory()
    event = SubmissionEvent.objects.create(submission=submission, kind="note", body=f"メモ\x00 {A}-{B}-{C}", visible_to_applicant=False)
    event.refresh_from_db()
    assert event.body == "メモ [個人番号]"
