from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"
    verbose_name = "共通"

    def ready(self):
        # Every extension point is filled from its apps' modules (tasks.py, metrics.py,
        # channels, fields …) once, here; the system check reports a broken one by name.
        from . import registry

        registry.discover_all()
