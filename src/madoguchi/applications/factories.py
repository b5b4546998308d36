"""Test factories for online applications (電子申請): procedures with their form, submissions.

    procedure = ProcedureFactory(section=shimin)            # online, a published form in 市民課
    ProcedureFactory(form=None, online=False)               # counter only (窓口のみ)
    ProcedureFactory.from_catalogue("juminhyo")             # one entry of the demo catalogue,
                                                            # its real form, in a 課 of that name
    SubmissionFactory(procedure=procedure, applicant=resident)   # 受付済, with a receipt number

A procedure's municipality is its section's; its form belongs to the same section; a
submission's section and form version are its procedure's.
"""

from __future__ import annotations

import factory
from django.utils import timezone

from madoguchi.core.factories import CityOwnedFactory, ResidentFactory, SectionFactory
from madoguchi.forms.factories import FormFactory

from .models import LifeEvent, Procedure, Submission


class LifeEventFactory(CityOwnedFactory):
    class Meta:
        model = LifeEvent
        django_get_or_create = ("municipality", "slug")

    slug = factory.Sequence(lambda n: f"event-{n}")
    name = factory.LazyAttribute(lambda o: _life_event_names().get(o.slug, o.slug))


def _life_event_names() -> dict:
    from .demo import LIFE_EVENTS

    return dict(LIFE_EVENTS)


class ProcedureFactory(CityOwnedFactory):
    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    section = factory.SubFactory(SectionFactory)
    municipality = factory.SelfAttribute("section.municipality")
    slug = factory.Sequence(lambda n: f"procedure-{n}")
    name = factory.Sequence(lambda n: f"テスト手続{n}")
    name_kana = factory.Sequence(lambda n: f"てすとてつづき{n}")
    summary = "テスト用の手続です。"
    form = factory.SubFactory(FormFactory, section=factory.SelfAttribute("..section"), name=factory.SelfAttribute("..name"))
    identity_assurance = Procedure.Assurance.ACCOUNT

    @factory.post_generation
    def life_events(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.life_events.set([e if isinstance(e, LifeEvent) else LifeEventFactory(slug=e) for e in extracted])

    @classmethod
    def from_catalogue(cls, slug: str, **overrides) -> Procedure:
        """The demo catalogue's procedure ``slug`` (applications/demo.py) with its real form, in
        the 課 the catalogue names (made in the current city, with a contact email, if missing).
        Only this one procedure is made, not the catalogue."""
        from . import demo

        spec = next(s for s in demo.CATALOGUE if s["slug"] == slug)
        section = overrides.pop("section", None) or SectionFactory(name=spec["section"], with_email=True)
        online = spec.get("online", True)
        form = None
        if (online or spec.get("counter_form")) and spec.get("details"):
            form = FormFactory(
                name=spec["name"],
                section=section,
                allows_my_number=spec.get("my_number", False),
                schema=demo.schema(spec["details"], with_birth=spec.get("with_birth", True)),
            )
        fields = dict(
            slug=slug,
            section=section,
            name=spec["name"],
            name_kana=spec.get("kana", ""),
            summary=spec["summary"],
            eligibility=spec.get("eligibility", ""),
            required_documents=spec.get("documents", ""),
            fee=spec.get("fee", 0),
            fee_note=spec.get("fee_note", ""),
            processing_time=spec.get("time", ""),
            online=online,
            external_url=spec.get("external", ""),
            identity_assurance=spec.get("assurance", Procedure.Assurance.ACCOUNT),
            retention_years=spec.get("retention", 5),
            form=form,
            counter_note=spec.get("counter", ""),
            life_events=spec.get("events", []),
        )
        fields.update(overrides)
        return cls(**fields)


class SubmissionFactory(CityOwnedFactory):
    """申請, 受付済 by default (``status=Submission.Status.DRAFT, receipt_number=None`` for a draft).
    Answers are stored as given: use ``applications.services`` when the test is about them."""

    class Meta:
        model = Submission

    procedure = factory.SubFactory(ProcedureFactory)
    section = factory.SelfAttribute("procedure.section")
    form_version = factory.LazyAttribute(lambda o: o.procedure.form.published_version())
    applicant = factory.SubFactory(ResidentFactory)
    applicant_name = factory.LazyAttribute(lambda o: o.applicant.full_name if o.applicant else "")
    applicant_email = factory.LazyAttribute(lambda o: o.applicant.email if o.applicant else "")
    answers = factory.LazyFunction(dict)
    status = Submission.Status.RECEIVED
    receipt_number = factory.Sequence(lambda n: f"2099-{n + 1:06d}")
    submitted_at = factory.LazyFunction(timezone.now)
