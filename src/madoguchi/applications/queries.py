"""The submission API's read, written as SQL (申請の受付で毎回走る読み取り).

Every API submission needs the procedure with its section, municipality and form, and the
form's latest published version. Through the ORM that is two queries whose compilation costs
more CPU than PostgreSQL spends answering them (~1.2 ms of a ~5.5 ms request); here it is one
statement built once per process from the models' metadata (see ``core.rawsql``).
"""

from __future__ import annotations

import functools

from django.db import connection

from madoguchi.core import rawsql, tenancy
from madoguchi.core.models import Municipality, Section
from madoguchi.forms.models import Form, FormVersion

from .models import Procedure, Submission

_c = rawsql.column


@functools.cache
def _procedure_sql(vendor: str, scoped: bool = True) -> str:
    """``scoped``: limited to one city (the active one), as ``Procedure.objects`` is while a
    city is active; slugs are unique per city only."""
    cols = rawsql.columns(Procedure, "p") + rawsql.columns(Section, "s") + rawsql.columns(Municipality, "m")
    cols += rawsql.columns(Form, "f") + rawsql.columns(FormVersion, "v")
    latest = (
        f"SELECT {_c(FormVersion, 'id', 'lv')} FROM {rawsql.table(FormVersion)} lv WHERE {_c(FormVersion, 'form', 'lv')} = {_c(Form, 'id', 'f')} "
        f"AND {_c(FormVersion, 'status', 'lv')} = '{FormVersion.Status.PUBLISHED}' ORDER BY {_c(FormVersion, 'number', 'lv')} DESC LIMIT 1"
    )
    return (
        f"SELECT {', '.join(cols)} FROM {rawsql.table(Procedure)} p "
        f"INNER JOIN {rawsql.table(Section)} s ON {_c(Section, 'id', 's')} = {_c(Procedure, 'section', 'p')} "
        f"INNER JOIN {rawsql.table(Municipality)} m ON {_c(Municipality, 'id', 'm')} = {_c(Procedure, 'municipality', 'p')} "
        f"LEFT JOIN {rawsql.table(Form)} f ON {_c(Form, 'id', 'f')} = {_c(Procedure, 'form', 'p')} "
        f"LEFT JOIN {rawsql.table(FormVersion)} v ON {_c(FormVersion, 'id', 'v')} = ({latest}) "
        f"WHERE {_c(Procedure, 'slug', 'p')} = %s AND {_c(Procedure, 'is_published', 'p')} = %s"
        + (f" AND {_c(Procedure, 'municipality', 'p')} = %s" if scoped else "")
    )


def published_procedure(slug: str) -> tuple[Procedure, FormVersion | None] | None:
    """The published procedure ``slug`` (section, municipality and form attached) and its
    form's latest published version (None when it has none); None if there is no such
    procedure. What ``Procedure.objects.select_related(...)`` plus ``form.published_version()``
    read, in the active city only."""
    city_id = tenancy._scoping_city_id()
    with connection.cursor() as cur:
        if city_id is None:  # outside any city (commands), as the manager: every city's
            cur.execute(_procedure_sql(connection.vendor, scoped=False), [slug, True])
        else:
            cur.execute(_procedure_sql(connection.vendor), [slug, True, city_id])
        row = cur.fetchone()
    if row is None:
        return None
    procedure, section, municipality, form, version = rawsql.split(row, Procedure, Section, Municipality, Form, FormVersion)
    procedure.section, procedure.municipality, procedure.form = section, municipality, form
    if version is not None:
        version.form = form
    return procedure, version


# What the receipt email (受付のお知らせ) shows: the worker reads it once per submission.
RECEIPT_FIELDS = (
    (Submission, ("uuid", "applicant", "applicant_name", "applicant_email", "receipt_number", "submitted_at", "municipality", "procedure", "section")),
    (Procedure, ("name", "processing_time", "municipality", "fee", "payment_timing")),
    (Section, ("name", "phone")),
)


@functools.cache
def _receipt_sql(vendor: str, scoped: bool = True) -> str:
    """``scoped``: limited to the active city, as ``Submission.objects`` is while one is."""
    (sub, sub_fields), (proc, proc_fields), (sec, sec_fields) = RECEIPT_FIELDS
    cols = rawsql.columns(sub, "a", sub_fields) + rawsql.columns(proc, "p", proc_fields) + rawsql.columns(sec, "s", sec_fields)
    return (
        f"SELECT {', '.join(cols)} FROM {rawsql.table(Submission)} a "
        f"INNER JOIN {rawsql.table(Procedure)} p ON {_c(Procedure, 'id', 'p')} = {_c(Submission, 'procedure', 'a')} "
        f"INNER JOIN {rawsql.table(Section)} s ON {_c(Section, 'id', 's')} = {_c(Submission, 'section', 'a')} "
        f"WHERE {_c(Submission, 'id', 'a')} = %s" + (f" AND {_c(Submission, 'municipality', 'a')} = %s" if scoped else "")
    )


def receipt(submission_id: int) -> Submission:
    """The submission with its procedure and section, only the fields the receipt email shows
    (the rest deferred): what ``Submission.objects.select_related("procedure", "section")
    .only(...)`` reads, without compiling it — that compilation cost the worker more than the
    email's rendering. Raises ``Submission.DoesNotExist`` as ``get()`` would."""
    city_id = tenancy._scoping_city_id()
    with connection.cursor() as cur:
        if city_id is None:
            cur.execute(_receipt_sql(connection.vendor, scoped=False), [submission_id])
        else:
            cur.execute(_receipt_sql(connection.vendor), [submission_id, city_id])
        row = cur.fetchone()
    if row is None:
        raise Submission.DoesNotExist(f"submission {submission_id}")
    submission, procedure, section = rawsql.split(row, *RECEIPT_FIELDS)
    submission.procedure, submission.section = procedure, section
    return submission
