from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "madoguchi.alerts"
    label = "alerts"
    verbose_name = "お知らせ・緊急情報"
    public_menu = [("お知らせ・緊急情報", "alerts:notice_list")]
    home_panels = ["madoguchi.alerts.home.urgent_panel", "madoguchi.alerts.home.latest_panel"]
    home_cards = [
        ("お知らせ・緊急情報", "alerts:notice_list", "防災・防犯などのお知らせと、これまでの配信"),
        ("メール・LINE・プッシュ通知で受け取る", "alerts:subscribe", "分野・地域・言語を選んで登録。いつでも停止できます"),
        ("お知らせの受け取り設定", "alerts:mine", "登録した分野・地域・言語の変更、同意の取り消し、配信停止（ログインが必要）"),
    ]
    staff_menu = [
        ("お知らせ・緊急情報の配信", "alerts:staff_list", "作成・承認・配信予約・訂正/取消・配信結果"),
        ("CAP の取り込み", "alerts:staff_import", "上流の CAP 1.2 メッセージを下書きとして取り込む"),
        ("分野・地域の設定", "alerts:staff_settings", "配信の分野と地域（町丁目）の編集", "manage"),
        ("避難所の管理", "alerts:staff_shelters", "避難所の追加・編集（災害種別・指定避難所・想定収容人数。オープンデータにも反映）", "manage"),
    ]
