from django.apps import AppConfig


class GuideConfig(AppConfig):
    name = "madoguchi.guide"
    label = "guide"
    verbose_name = "手続きガイド・よくある質問"
    public_menu = [("手続きガイド", "guide:list"), ("よくある質問", "guide:faq")]
    home_cards = [
        ("手続きガイド（ライフイベント）", "guide:list", "引越し・出生・おくやみなど。いくつかの質問に答えると、あなたに必要な手続きの一覧ができます"),
        ("よくある質問", "guide:faq", "課ごとのよくある質問と答え"),
    ]
    staff_menu = [
        ("手続きガイドの編集", "guide:staff_list", "質問と手続きの対応（ルール）の編集・プレビュー・承認"),
        ("よくある質問の編集", "guide:staff_faq", "課ごとのよくある質問"),
        ("まとめて来庁の予約（窓口）", "guide:staff_visits", "手続きガイドからまとめて予約した住民の手続きを、書かない窓口で入力を始める"),
    ]
