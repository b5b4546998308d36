"""Regenerate the generated datasets (``datasets`` registry) now, for every city or one."""

from django.core.management.base import BaseCommand, CommandError

from madoguchi.core import tenancy
from madoguchi.core.models import Municipality
from madoguchi.core.registry import datasets
from madoguchi.opendata import services


class Command(BaseCommand):
    help = "自動生成のオープンデータを今すぐ作り直します（--city 団体コード, --dataset キー）。"

    def add_arguments(self, parser):
        parser.add_argument("--city", help="全国地方公共団体コード（省略時はすべての自治体）")
        parser.add_argument("--dataset", action="append", help=f"キー（省略時はすべて）: {', '.join(datasets.keys())}")

    def handle(self, *args, **options):
        keys = options["dataset"] or datasets.keys()
        unknown = [k for k in keys if k not in datasets]
        if unknown:
            raise CommandError(f"知らないデータセットです: {', '.join(unknown)}")
        cities = Municipality.objects.all()
        if options["city"]:
            cities = cities.filter(code=options["city"])
            if not cities.exists():
                raise CommandError(f"団体コード {options['city']} の自治体がありません。")
        for city in cities:
            with tenancy.using(city):
                for key in keys:
                    version = services.refresh_generated(key, city)
                    state = f"第{version.number}版（{version.row_count}行）" if version else "変更なし"
                    self.stdout.write(f"{city.code} {key}: {state}")
