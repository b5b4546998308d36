from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"
    verbose_name = "共通"

    def ready(self):
        # Every app's tasks.py registers its handlers with core.tasks.
        autodiscover_modules("tasks")
