"""Load the fictional demo cities: ``manage.py load_demo``. Idempotent.

みどり野市 (the default city, ``midorino.localhost`` and any other host) and its neighbour あおば台町
(``aobadai.localhost``) served from one deployment, with the 共同運営 operator. ``--single``
loads みどり野市 only (the test suite's demo fixture; a single-city deployment).

Every app may contribute a ``demo.py`` module with a ``load(municipality)`` function; they run
in INSTALLED_APPS order after the core (municipality, sections, staff accounts), once per city
with that city active.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from madoguchi.core import demo, tenancy


class Command(BaseCommand):
    help = "架空の自治体「みどり野市」「あおば台町」のデモデータを読み込みます。"

    def add_arguments(self, parser):
        parser.add_argument("--single", action="store_true", help="みどり野市だけを読み込む（単独運用）")

    def handle(self, *args, **options):
        with transaction.atomic():
            cities = [demo.load()]
            if not options["single"]:
                cities.append(demo.load_neighbour())
            for city in cities:
                with tenancy.using(city):
                    for config in apps.get_app_configs():
                        if not config.name.startswith("madoguchi.") or config.label == "core":
                            continue
                        try:
                            module = import_module(f"{config.name}.demo")
                        except ModuleNotFoundError as exc:
                            if exc.name != f"{config.name}.demo":
                                raise
                            continue
                        module.load(city)
                        self.stdout.write(f"demo: {config.label} ({city.name})")
        tenancy.clear_caches()
        self.stdout.write(self.style.SUCCESS("デモデータを読み込みました: " + "、".join(str(c) for c in cities)))
