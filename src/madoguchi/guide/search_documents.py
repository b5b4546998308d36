"""よくある質問 and 手続きガイド in the platform's search (``search_documents`` registry)."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.core.registry import SearchDocument, SearchDocuments, search_documents

from . import definition
from .models import Faq, FaqGuide, FaqProcedure, Guide, GuideVersion


@search_documents.register("faq")
class Faqs(SearchDocuments):
    label = "よくある質問"
    order = 15

    def models(self) -> list[type]:
        return [Faq, FaqProcedure, FaqGuide]

    def documents(self, municipality):
        rows = Faq.objects.filter(municipality=municipality, is_published=True).select_related("section").prefetch_related("procedures")
        for faq in rows:
            names = "、".join(p.name for p in faq.procedures.all())
            yield SearchDocument(
                key=str(faq.pk),
                title=faq.question,
                body="\n".join(part for part in (faq.answer, f"関連する手続: {names}" if names else "") if part),
                url=reverse("guide:faq_detail", args=[faq.pk]),
                section=faq.section,
                keywords=faq.keywords,
                updated=faq.updated_at,
            )


@search_documents.register("guides")
class Guides(SearchDocuments):
    label = "手続きガイド"
    order = 12

    def models(self) -> list[type]:
        return [Guide, GuideVersion]

    def documents(self, municipality):
        rows = Guide.objects.filter(municipality=municipality, published__isnull=False).select_related("published", "section")
        for guide in rows:
            defn = guide.published.definition
            # Titles of self-described steps only (死亡届 finds おくやみ): a procedure is its own
            # document, and its name here would rank the guide above the procedure itself.
            steps = [
                definition.text(step.get("title"))[0] for group in defn.get("groups") or [] for step in group.get("steps") or [] if not step.get("procedure")
            ]
            questions = [definition.text(q.get("text"))[0] for q in defn.get("questions") or []]
            yield SearchDocument(
                key=guide.slug,
                title=definition.text(defn.get("title"))[0],
                body="\n".join([definition.text(defn.get("intro"))[0], *questions, *[s for s in steps if s]]),
                url=guide.get_absolute_url(),
                section=guide.section,
                keywords=" ".join(definition.text(defn.get("keywords"))[0].split("、")),
                updated=guide.published.updated_at,
            )
