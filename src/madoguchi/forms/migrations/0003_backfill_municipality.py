"""共同運営 (issue #10), step 2 of 3: copy each row's municipality, set-based (one UPDATE …
SET municipality_id = (SELECT …) per step), parents before children.

- Form: its section's city; a form without a section, the city of a procedure using it; else
  the deployment's default city (is_default, or the first).
- FormVersion: its form's.
- Upload: an uploaded file is tied to a city only through the answers (JSON) of the case it was
  attached to. With one city (every deployment before 共同運営) all files are that city's, one
  UPDATE. With several, the files named in each city's cases (answers and the as-submitted
  copies kept during a 補正) get that city, one UPDATE per city and batch of ids. A file never
  attached to a case (abandoned or replaced while filling a form) has no city to find, so the
  column stays nullable: such rows are seen only outside any city, where the retention purge
  (applications.services._purge_orphan_uploads) deletes them after the draft retention period.
"""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def _default_city_id(Municipality, db):
    return (
        Municipality.objects.using(db).filter(is_default=True).values_list("pk", flat=True).first()
        or Municipality.objects.using(db).order_by("code").values_list("pk", flat=True).first()
    )


def _upload_ids(answers) -> set[int]:
    ids = set()
    for value in (answers or {}).values() if isinstance(answers, dict) else ():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict) and item.get("upload_id"):
                try:
                    ids.add(int(item["upload_id"]))
                except (TypeError, ValueError):
                    pass
    return ids


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    # Every city's rows: the tables may already have row-level security (PostgreSQL).
    tenancy.set_database_city(None, using=db)
    Municipality = apps.get_model("core", "Municipality")
    Section = apps.get_model("core", "Section")
    Procedure = apps.get_model("applications", "Procedure")
    Submission = apps.get_model("applications", "Submission")
    SubmissionEvent = apps.get_model("applications", "SubmissionEvent")
    Form, FormVersion, Upload = (apps.get_model("forms", n) for n in ("Form", "FormVersion", "Upload"))

    forms = Form.objects.using(db).filter(municipality__isnull=True)
    forms.filter(section__isnull=False).update(
        municipality_id=Subquery(Section.objects.using(db).filter(pk=OuterRef("section_id")).values("municipality_id")[:1])
    )
    forms.update(municipality_id=Subquery(Procedure.objects.using(db).filter(form_id=OuterRef("pk")).order_by("pk").values("municipality_id")[:1]))
    default = _default_city_id(Municipality, db)
    if default is not None:
        forms.update(municipality_id=default)
    FormVersion.objects.using(db).filter(municipality__isnull=True).update(
        municipality_id=Subquery(Form.objects.using(db).filter(pk=OuterRef("form_id")).values("municipality_id")[:1])
    )

    uploads = Upload.objects.using(db).filter(municipality__isnull=True)
    if Municipality.objects.using(db).count() == 1:
        uploads.update(municipality_id=default)
        return
    by_city: dict[int, set[int]] = {}
    cases = Submission.objects.using(db).values_list("procedure__municipality_id", "answers")
    snapshots = SubmissionEvent.objects.using(db).filter(answers__isnull=False).values_list("submission__procedure__municipality_id", "answers")
    for rows in (cases, snapshots):
        for city_id, answers in rows.iterator(chunk_size=500):
            by_city.setdefault(city_id, set()).update(_upload_ids(answers))
    for city_id, ids in by_city.items():
        ids = sorted(ids)
        for start in range(0, len(ids), 500):
            uploads.filter(pk__in=ids[start : start + 500]).update(municipality_id=city_id)


class Migration(migrations.Migration):
    dependencies = [
        ("forms", "0002_city_owned_columns"),
        ("applications", "0003_correction_snapshot"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
