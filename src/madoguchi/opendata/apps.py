from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "madoguchi.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"
    public_menu = [("オープンデータ", "opendata:catalogue")]
    staff_menu = [("オープンデータの管理", "opendata:staff_list", "データセットの作成・編集、新しい版の登録（文字コードの判別・変換）")]

    def ready(self):
        # Generated datasets name their own models (registry discovery imports <app>/datasets.py).
        from .tasks import connect_signals

        connect_signals()
