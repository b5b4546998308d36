"""オープンデータ in the platform's search (``search_documents`` registry): every published
dataset of the city, with its description, tags, standard and resource names, so the site
search finds 「避難所」 or 「AED」 in the catalogue as well as on the pages."""

from __future__ import annotations

from django.urls import reverse

from madoguchi.core.registry import SearchDocument, SearchDocuments, search_documents

from .models import Dataset, DatasetTag, Resource, Theme

_THEMES = dict(Theme.choices)


@search_documents.register("datasets")
class Datasets(SearchDocuments):
    label = "オープンデータ"
    order = 60  # after procedures, facilities, guides and notices: residents look for those first

    def models(self) -> list[type]:
        # Versions are not here: a new file (a generated dataset's refresh) changes no text indexed.
        return [Dataset, DatasetTag, Resource]

    def documents(self, municipality):
        rows = Dataset.objects.filter(municipality=municipality, is_published=True).select_related("section").prefetch_related("tags", "resources")
        for ds in rows.order_by("name"):
            tags = [t.name for t in ds.tags.all()]
            resources = "、".join(f"{r.name}（{r.get_format_display()}）" for r in ds.resources.all())
            parts = [
                ds.notes,
                f"分類: {_THEMES.get(ds.theme, '')}",
                f"準拠する標準: {ds.standard}" if ds.standard else "",
                f"データ: {resources}" if resources else "",
                f"タグ: {'、'.join(tags)}" if tags else "",
            ]
            yield SearchDocument(
                key=ds.name,
                title=ds.title,
                body="\n".join(p for p in parts if p),
                url=reverse("opendata:dataset", args=[ds.name]),
                section=ds.section,
                keywords=" ".join(["オープンデータ", *tags]),
                updated=ds.modified_at,
            )
