from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "madoguchi.search"
    label = "search"
    verbose_name = "検索"

    def ready(self):
        # After every app is loaded: contributors name their own models (registry discovery
        # imports <app>/search_documents.py).
        from .tasks import connect_signals

        connect_signals()
