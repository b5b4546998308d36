"""Load the fictional demo city: ``manage.py load_demo``. Idempotent.

Every app may contribute a ``demo.py`` module with a ``load(municipality)`` function; they run
in INSTALLED_APPS order after the core (municipality, sections, staff accounts).
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from madoguchi.core import demo


class Command(BaseCommand):
    help = "架空の自治体「みどり野市」のデモデータを読み込みます。"

    def handle(self, *args, **options):
        with transaction.atomic():
            municipality = demo.load()
            for config in apps.get_app_configs():
                if not config.name.startswith("madoguchi.") or config.label == "core":
                    continue
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{config.name}.demo":
                        raise
                    continue
                module.load(municipality)
                self.stdout.write(f"demo: {config.label}")
        self.stdout.write(self.style.SUCCESS(f"デモデータを読み込みました: {municipality}"))
