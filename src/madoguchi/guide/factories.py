"""Test factories for guides and FAQs.

guide = GuideFactory(section=shimin, definition=defn)     # published version 1 of ``defn``
GuideFactory(published=False)                             # only a draft
FaqFactory(section=shimin)
"""

from __future__ import annotations

import factory

from madoguchi.core.factories import CityOwnedFactory, SectionFactory

from .models import Faq, Guide, GuideVersion


def simple_definition(slug: str = "tennyu") -> dict:
    return {
        "title": {"ja": "転入", "en": "Moving in"},
        "questions": [{"key": "children", "type": "yes_no", "text": {"ja": "お子さんがいますか", "en": "Do you have children?"}}],
        "groups": [
            {"title": {"ja": "まず"}, "steps": [{"key": "tennyu", "procedure": slug, "deadline_days": 14, "minutes": 30}]},
            {
                "title": {"ja": "つぎに"},
                "steps": [
                    {"key": "jido", "title": {"ja": "児童手当"}, "section": "子育て支援課", "where": "2階", "when": {"children": "yes"}, "deadline_days": 15},
                    {"key": "inkan", "title": {"ja": "印鑑登録"}, "optional": True},
                ],
            },
        ],
    }


class GuideFactory(CityOwnedFactory):
    class Meta:
        model = Guide
        skip_postgeneration_save = True

    section = factory.SubFactory(SectionFactory)
    municipality = factory.LazyAttribute(lambda o: o.section.municipality)
    slug = factory.Sequence(lambda n: f"guide-{n}")
    definition = factory.LazyFunction(simple_definition)  # not a model field: version 1's rules

    @factory.post_generation
    def published(obj, create, extracted, **kwargs):
        if not create:
            return
        status = GuideVersion.Status.DRAFT if extracted is False else GuideVersion.Status.PUBLISHED
        version = GuideVersion.objects.create(guide=obj, number=1, definition=obj._definition, status=status)
        if status == GuideVersion.Status.PUBLISHED:
            obj.published = version
            obj.save(update_fields=["published"])

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        definition = kwargs.pop("definition", None)
        obj = super()._create(model_class, *args, **kwargs)
        obj._definition = definition if definition is not None else simple_definition()
        return obj


class FaqFactory(CityOwnedFactory):
    class Meta:
        model = Faq

    section = factory.SubFactory(SectionFactory)
    municipality = factory.LazyAttribute(lambda o: o.section.municipality)
    question = factory.Sequence(lambda n: f"よくある質問{n}はどうすればいいですか。")
    answer = "窓口でお尋ねください。"
