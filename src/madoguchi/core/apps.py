from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "madoguchi.core"
    label = "core"
    verbose_name = "共通"

    def ready(self):
        # Every extension point is filled from its apps' modules (tasks.py, metrics.py,
        # channels, fields …) once, here; the system check reports a broken one by name.
        from django.core import checks
        from django.db.models.signals import post_migrate

        from . import registry, tenancy

        registry.discover_all()
        checks.register(tenancy.check_tenancy, "madoguchi")
        post_migrate.connect(_row_level_security, sender=self)


def _row_level_security(sender, using="default", verbosity=1, **kwargs):
    """After every migrate on PostgreSQL: the city policy on every city-owned table."""
    from . import tenancy

    tenancy.apply_row_level_security(using=using, verbosity=verbosity)
