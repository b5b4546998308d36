from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "madoguchi.identity"
    label = "identity"
    verbose_name = "本人確認"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system check)
