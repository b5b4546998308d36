"""手続 in the platform's search (``search_documents`` registry): each published procedure, with
its ふりがな and life events as keywords and what a resident reads on its page as the body."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.core.registry import SearchDocument, SearchDocuments, search_documents

from .models import LifeEvent, Procedure, ProcedureLifeEvent


@search_documents.register("procedures")
class Procedures(SearchDocuments):
    label = "手続"
    order = 10

    def models(self) -> list[type]:
        return [Procedure, LifeEvent, ProcedureLifeEvent]

    def documents(self, municipality):
        rows = Procedure.objects.filter(municipality=municipality, is_published=True).select_related("section").prefetch_related("life_events")
        for p in rows:
            events = "、".join(e.name for e in p.life_events.all())
            body = "\n".join(
                part
                for part in (
                    p.summary,
                    p.eligibility,
                    p.required_documents,
                    p.fee_note,
                    p.counter_note,
                    f"ライフイベント: {events}" if events else "",
                    f"担当: {p.section.name}" if p.section_id else "",
                )
                if part
            )
            yield SearchDocument(
                key=p.slug,
                title=p.name,
                body=body,
                url=reverse("applications:procedure", args=[p.slug]),
                section=p.section,
                keywords=f"{p.name_kana} {events}".strip(),
            )
