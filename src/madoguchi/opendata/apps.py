from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "madoguchi.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"
    public_menu = [("オープンデータ", "opendata:catalogue")]

    def ready(self):
        # Generated datasets name their own models (registry discovery imports <app>/datasets.py).
        from .tasks import connect_signals

        connect_signals()
