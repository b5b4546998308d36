"""Text transcribed from an imported plan document is never refused for a マイナンバー: it is
stored masked and the saved row says which fields were masked (issue #11 item 2)."""

from __future__ import annotations

import pytest

from madoguchi.core.factories import MunicipalityFactory
from madoguchi.plans.factories import ItemFactory
from madoguchi.plans.models import Item

pytestmark = pytest.mark.django_db


def test_imported_item_text_is_masked_and_flagged():
    MunicipalityFactory()
    item = ItemFactory(title="窓口のデジタル化", description="担当 1234ー5678ー9018 まで（令和8年4月1日開始、電話 042-123-4567）")
    assert item.my_number_masked_fields == {"description"}
    stored = Item.objects.get(pk=item.pk)
    assert stored.description == "担当 [個人番号] まで（令和8年4月1日開始、電話 042-123-4567）"
    assert stored.title == "窓口のデジタル化"
