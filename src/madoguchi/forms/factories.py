"""Test factories for forms (フォーム) and their versions (版).

form = FormFactory(section=shimin)                      # with a published first version
form = FormFactory(schema={...}, allows_my_number=True)
form = FormFactory(published=False)                     # only a draft
form = FormFactory(schema=None)                         # no version at all
FormVersionFactory(form=form, schema={...}, status="draft")   # the next version
form.published_version()
"""

from __future__ import annotations

import copy

import factory

from madoguchi.core.factories import CityOwnedFactory, SectionFactory

from .models import Form, FormVersion

# The smallest useful form: who is applying, and one question.
SIMPLE_SCHEMA = {
    "pages": [
        {
            "key": "applicant",
            "title": "申請者の情報",
            "fields": [
                {"key": "name", "type": "text", "label": "氏名", "max_length": 50, "prefill": "full_name"},
                {"key": "email", "type": "email", "label": "メールアドレス", "required": False, "prefill": "email"},
            ],
        },
        {
            "key": "details",
            "title": "申請の内容",
            "fields": [{"key": "note", "type": "textarea", "label": "連絡事項", "required": False, "max_length": 1000}],
        },
    ]
}


class FormVersionFactory(CityOwnedFactory):
    class Meta:
        model = FormVersion

    form = factory.SubFactory("madoguchi.forms.factories.FormFactory", schema=None)
    number = factory.LazyAttribute(lambda o: o.form.versions.count() + 1)
    schema = factory.LazyFunction(lambda: copy.deepcopy(SIMPLE_SCHEMA))
    status = FormVersion.Status.PUBLISHED


class FormFactory(CityOwnedFactory):
    """フォーム with version 1 (``schema=``), published unless ``published=False``."""

    class Meta:
        model = Form

    name = factory.Sequence(lambda n: f"テスト申請フォーム{n}")
    section = factory.SubFactory(SectionFactory)
    allows_my_number = False
    # Not model fields: the first version (taken off in _create/_build).
    schema = factory.LazyFunction(lambda: copy.deepcopy(SIMPLE_SCHEMA))
    published = True

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        kwargs.pop("schema", None), kwargs.pop("published", None)
        return super()._build(model_class, *args, **kwargs)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        schema, published = kwargs.pop("schema"), kwargs.pop("published")
        form = super()._create(model_class, *args, **kwargs)
        if schema is not None:
            status = FormVersion.Status.PUBLISHED if published else FormVersion.Status.DRAFT
            FormVersion.objects.create(form=form, number=1, schema=copy.deepcopy(schema), status=status)
        return form
