from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "madoguchi.opendata"
    label = "opendata"
    verbose_name = "オープンデータ"
    public_menu = [("オープンデータ", "opendata:catalogue")]
    staff_menu = [
        ("オープンデータの管理", "opendata:staff_list", "データセットの作成・編集、新しい版の登録（文字コードの判別・変換）"),
        (
            "避難所一覧の取込",
            "opendata:staff_shelter_imports",
            "標準形式（指定緊急避難場所一覧）の CSV で避難所をまとめて更新（行ごとの確認、一括反映）",
            "manage",
        ),
    ]

    def ready(self):
        # Generated datasets name their own models (registry discovery imports <app>/datasets.py).
        from .tasks import connect_signals

        connect_signals()
