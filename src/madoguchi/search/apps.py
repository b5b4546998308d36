from django.apps import AppConfig


class SearchConfig(AppConfig):
    name = "madoguchi.search"
    label = "search"
    verbose_name = "検索"
    public_menu = [("サイト内検索", "search:search")]
    staff_menu = [
        ("検索の同義語辞書", "search:staff_synonyms", "住民の言葉とページの言葉の言い換え（引っ越し → 転入届 など）"),
        ("ヒットしなかった検索語", "search:staff_zero", "住民が検索して見つからなかった言葉"),
    ]

    def ready(self):
        # Contributors name their own models (registry discovery imports <app>/search_documents.py).
        from .tasks import connect_signals

        connect_signals()
