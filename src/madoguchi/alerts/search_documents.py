"""お知らせ in the platform's search (``search_documents`` registry): every published notice
(sent or being sent), newest first, with its topic and やさしい日本語 title as keywords."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.core.registry import SearchDocument, SearchDocuments, search_documents

from .models import Notice

PUBLISHED = [Notice.Status.SENDING, Notice.Status.SENT]


@search_documents.register("notices")
class Notices(SearchDocuments):
    label = "お知らせ"
    order = 40

    def models(self) -> list[type]:
        return [Notice]

    def documents(self, municipality):
        rows = Notice.objects.filter(municipality=municipality, status__in=PUBLISHED).select_related("section", "topic").order_by("-sent_at")
        for n in rows[:2000]:  # old notices age out of the search, not out of the archive
            yield SearchDocument(
                key=str(n.pk),
                title=n.title,
                body=n.body,
                url=reverse("alerts:notice_detail", args=[n.pk]),
                section=n.section,
                keywords=" ".join(x for x in (n.topic.name if n.topic_id else "", n.title_easy) if x),
                updated=n.sent_at or n.updated_at,
            )
