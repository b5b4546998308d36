"""The submission API's written-out read (queries.py) reads what the ORM reads, on SQLite and
PostgreSQL."""

import pytest

from madoguchi.applications import queries
from madoguchi.applications.factories import ProcedureFactory
from madoguchi.applications.models import Procedure
from madoguchi.forms.models import FormVersion

pytestmark = pytest.mark.django_db


def _same(a, b):
    assert type(a) is type(b)
    for f in type(a)._meta.concrete_fields:
        assert getattr(a, f.attname) == getattr(b, f.attname), f.name


def test_published_procedure_matches_the_orm(db):
    slug = ProcedureFactory.from_catalogue("kaigo-saikofu").slug
    procedure, version = queries.published_procedure(slug)
    orm = Procedure.objects.select_related("section", "municipality", "form").get(slug=slug)
    _same(procedure, orm)
    for rel in ("section", "municipality", "form"):
        _same(getattr(procedure, rel), getattr(orm, rel))
    _same(version, orm.form.published_version())
    assert version.form is procedure.form and version.schema["pages"]


def test_unpublished_and_formless(db):
    ProcedureFactory()
    ProcedureFactory(form=None, online=False)
    procedure = Procedure.objects.exclude(form=None).first()
    FormVersion.objects.filter(form=procedure.form).update(status=FormVersion.Status.DRAFT)
    assert queries.published_procedure(procedure.slug)[1] is None  # the form has no published version
    Procedure.objects.filter(pk=procedure.pk).update(is_published=False)
    assert queries.published_procedure(procedure.slug) is None
    assert queries.published_procedure("no-such-procedure") is None
    formless = Procedure.objects.filter(form=None, is_published=True).first()
    if formless is not None:
        found, version = queries.published_procedure(formless.slug)
        assert found.form is None and version is None


def test_receipt_reads_what_the_orms_only_reads(db):
    from madoguchi.applications.factories import SubmissionFactory
    from madoguchi.applications.models import Submission
    from madoguchi.core import tenancy

    submission = SubmissionFactory()
    with tenancy.using(submission.municipality):
        raw = queries.receipt(submission.pk)
        sub_fields, proc_fields, sec_fields = (fields for _, fields in queries.RECEIPT_FIELDS)
        only = [*sub_fields, *(f"procedure__{f}" for f in proc_fields), *(f"section__{f}" for f in sec_fields)]
        orm = Submission.objects.select_related("procedure", "section").only(*only).get(pk=submission.pk)
        for a, b in ((raw, orm), (raw.procedure, orm.procedure), (raw.section, orm.section)):
            assert type(a) is type(b) and a.get_deferred_fields() == b.get_deferred_fields()
            for f in type(a)._meta.concrete_fields:
                if f.attname not in b.get_deferred_fields():
                    assert getattr(a, f.attname) == getattr(b, f.attname), f.name
        assert "answers" in raw.get_deferred_fields()
        assert raw.answers == orm.answers  # a deferred field still loads on use
        with pytest.raises(Submission.DoesNotExist):
            queries.receipt(submission.pk + 1000)
    from madoguchi.core.factories import MunicipalityFactory

    with tenancy.using(MunicipalityFactory(name="別の市")), pytest.raises(Submission.DoesNotExist):
        queries.receipt(submission.pk)  # another city's submission, as the scoped manager


# --- core.rawsql.insert: a submission and its event, as submit() writes them ---------------------


def test_insert_writes_what_save_writes(db):
    """The submission and event rows written by ``rawsql.insert`` read back as those ``save``
    writes (every concrete column, ``auto_now_add`` filled, JSON as given); the SQL names every
    concrete column but the primary key, from the model's metadata."""
    import re

    from django.db import connection

    from madoguchi.applications.factories import SubmissionFactory
    from madoguchi.applications.models import Submission, SubmissionEvent
    from madoguchi.core import rawsql, tenancy

    def pair(build):
        by_orm, by_raw = build(), build()
        by_orm.save(force_insert=True)
        rawsql.insert(by_raw)
        assert by_raw.pk and by_raw.pk != by_orm.pk and not by_raw._state.adding and by_raw._state.db == "default"
        return [type(by_orm).objects.get(pk=x.pk) for x in (by_orm, by_raw)]

    first = SubmissionFactory()
    with tenancy.using(first.municipality):
        answers = {"name": "緑野 さくら", "address": {"postal_code": "100-0001"}, "agree": True, "n": [1, "二"]}

        def submission():
            return SubmissionFactory.build(
                procedure=first.procedure, applicant=first.applicant, answers=answers, receipt_number=None, idempotency_key=None, search_text="緑野"
            )

        orm, raw = pair(submission)
        skip = {"id", "uuid", "submitted_at", "updated_at", "created_at"}
        for f in Submission._meta.concrete_fields:
            if f.name not in skip:
                assert getattr(raw, f.attname) == getattr(orm, f.attname), f.name
        assert raw.created_at is not None and raw.answers == answers

        def event():
            # No municipality given: taken from the submission (tenant_parent), as save() does.
            return SubmissionEvent(submission=raw, kind=SubmissionEvent.Kind.SUBMITTED, body="本文", to_status="received", section_pending=True)

        orm_event, raw_event = pair(event)
        for f in SubmissionEvent._meta.concrete_fields:
            if f.name not in {"id", "created_at"}:
                assert getattr(raw_event, f.attname) == getattr(orm_event, f.attname), f.name
        assert raw_event.municipality_id == first.municipality_id and raw_event.created_at is not None

    for model in (Submission, SubmissionEvent):
        fields, sql = rawsql._insert_plan(model, connection.vendor)
        quoted = [connection.ops.quote_name(f.column) for f in model._meta.concrete_fields if not f.primary_key]
        assert re.match(r"INSERT INTO \S+ \((.*?)\) VALUES", sql).group(1).split(", ") == quoted


def test_insert_refuses_another_citys_row_and_sends_the_save_signals(db):
    from django.db.models import signals

    from madoguchi.applications.factories import SubmissionFactory
    from madoguchi.applications.models import SubmissionEvent
    from madoguchi.core import rawsql, tenancy
    from madoguchi.core.factories import MunicipalityFactory

    submission = SubmissionFactory()
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append((kwargs["signal"], instance.pk, kwargs.get("created")))

    for signal in (signals.pre_save, signals.post_save):
        signal.connect(receiver, sender=SubmissionEvent)
    try:
        with tenancy.using(submission.municipality):
            event = SubmissionEvent(submission=submission, kind=SubmissionEvent.Kind.SUBMITTED)
            rawsql.insert(event)
        assert seen == [(signals.pre_save, None, None), (signals.post_save, event.pk, True)]
        with tenancy.using(MunicipalityFactory()), pytest.raises(PermissionError):
            rawsql.insert(SubmissionEvent(submission=submission, municipality_id=submission.municipality_id, kind="submitted"))
    finally:
        for signal in (signals.pre_save, signals.post_save):
            signal.disconnect(receiver, sender=SubmissionEvent)
