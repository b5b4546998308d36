"""共同運営 (issue #10), step 2 of 3: copy each row's municipality, set-based, parents first.

- Submission: its procedure's; SubmissionEvent: its submission's.
- LifeEvent: the list used to be shared by every city. Each life event goes to the city of the
  procedures linked to it; when procedures of several cities link one event, each further city
  gets its own copy and its procedures' links move to it (a few rows: the list is ~10 long).
  An event no procedure links goes to the default city.
- ReceiptCounter: each city continues from the shared year's counter, so no new number repeats
  one already given in that city (numbers were unique across cities until now).
"""

from django.db import migrations
from django.db.models import F, OuterRef, Subquery


def backfill(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    # Every city's rows: the tables may already have row-level security (PostgreSQL).
    tenancy.set_database_city(None, using=db)
    Municipality = apps.get_model("core", "Municipality")
    Procedure, Submission, SubmissionEvent, LifeEvent = (apps.get_model("applications", n) for n in ("Procedure", "Submission", "SubmissionEvent", "LifeEvent"))
    Link = Procedure.life_events.through

    Submission.objects.using(db).filter(municipality__isnull=True).update(
        municipality_id=Subquery(Procedure.objects.using(db).filter(pk=OuterRef("procedure_id")).values("municipality_id")[:1])
    )
    SubmissionEvent.objects.using(db).filter(municipality__isnull=True).update(
        municipality_id=Subquery(Submission.objects.using(db).filter(pk=OuterRef("submission_id")).values("municipality_id")[:1])
    )

    first_city = Link.objects.using(db).filter(lifeevent_id=OuterRef("pk")).order_by("procedure__municipality_id").values("procedure__municipality_id")[:1]
    LifeEvent.objects.using(db).filter(municipality__isnull=True).update(municipality_id=Subquery(first_city))
    pairs = (
        Link.objects.using(db)
        .exclude(procedure__municipality_id=F("lifeevent__municipality_id"))
        .values_list("lifeevent_id", "procedure__municipality_id")
        .distinct()
    )
    for event_id, city_id in list(pairs):
        event = LifeEvent.objects.using(db).get(pk=event_id)
        copy = LifeEvent.objects.using(db).filter(municipality_id=city_id, slug=event.slug).first() or LifeEvent.objects.using(db).create(
            municipality_id=city_id, slug=event.slug, name=event.name, description=event.description, order=event.order
        )
        Link.objects.using(db).filter(lifeevent_id=event_id, procedure__municipality_id=city_id).update(lifeevent_id=copy.pk)
    default = (
        Municipality.objects.using(db).filter(is_default=True).values_list("pk", flat=True).first()
        or Municipality.objects.using(db).order_by("code").values_list("pk", flat=True).first()
    )
    orphans = LifeEvent.objects.using(db).filter(municipality__isnull=True)
    if default is not None:
        orphans.update(municipality_id=default)
    else:
        orphans.delete()  # no city at all: nothing can list them

    Legacy, Counter = apps.get_model("applications", "LegacyReceiptCounter"), apps.get_model("applications", "ReceiptCounter")
    legacy = list(Legacy.objects.using(db).values_list("fiscal_year", "last"))
    if legacy:
        cities = list(Municipality.objects.using(db).values_list("pk", flat=True))
        Counter.objects.using(db).bulk_create([Counter(municipality_id=c, fiscal_year=fy, last=last) for c in cities for fy, last in legacy])


class Migration(migrations.Migration):
    dependencies = [
        ("applications", "0004_city_owned_columns"),
        ("forms", "0003_backfill_municipality"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
