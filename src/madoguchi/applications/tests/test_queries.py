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
