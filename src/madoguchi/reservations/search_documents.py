"""施設 in the platform's search (``search_documents`` registry): every facility, with its kana
name and purposes as keywords and its description, address and units as the body."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.core.registry import SearchDocument, SearchDocuments, search_documents

from .models import Facility, Unit


@search_documents.register("facilities")
class Facilities(SearchDocuments):
    label = "施設"
    order = 30

    def models(self) -> list[type]:
        return [Facility, Unit]

    def documents(self, municipality):
        for f in Facility.objects.filter(municipality=municipality).select_related("section").prefetch_related("units"):
            units = "、".join(u.name for u in f.units.all() if u.is_active)
            body = "\n".join(
                part
                for part in (
                    f"{f.get_kind_display()}（施設の予約ができます）",
                    f.description,
                    f"利用目的: {f.purposes.replace(';', '、')}" if f.purposes else "",
                    f"所在地: {f.address}" if f.address else "",
                    f"利用できる部屋・設備: {units}" if units else "",
                    f.accessibility,
                    f.hours_note,
                )
                if part
            )
            yield SearchDocument(
                key=str(f.pk),
                title=f.name,
                body=body,
                url=reverse("reservations:facility", args=[f.pk]),
                section=f.section,
                keywords=f"{f.name_kana} {f.purposes.replace(';', ' ')} {f.area}".strip(),
            )
