"""``manage.py search_reindex [--city CODE] [--kind KEY]``: rebuild the search index now
(after a deploy that changed the tokenizer, or to fill it the first time)."""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.core import tenancy
from madoguchi.core.models import Municipality
from madoguchi.core.registry import search_documents


class Command(BaseCommand):
    help = "検索索引を作り直します。"

    def add_arguments(self, parser):
        parser.add_argument("--city", help="自治体コード（6桁）。省略するとすべての自治体")
        parser.add_argument("--kind", help="対象の種類（procedures など）。省略するとすべて")

    def handle(self, *args, city=None, kind=None, **options):
        from madoguchi.search import services

        with tenancy.unscoped():
            cities = list(Municipality.objects.filter(code=city) if city else Municipality.objects.all())
        if city and not cities:
            raise CommandError(f"自治体コード {city} の自治体はありません。")
        kinds = [kind] if kind else search_documents.keys()
        if kind and kind not in search_documents:
            raise CommandError(f"種類 {kind} はありません（{', '.join(search_documents.keys())}）。")
        for m in cities:
            for k in kinds:
                n = services.index(k, m)
                self.stdout.write(f"{m.name} {k}: {n}件")
