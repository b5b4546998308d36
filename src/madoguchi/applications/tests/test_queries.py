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
