from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "madoguchi.applications"
    label = "applications"
    verbose_name = "電子申請"
    public_menu = [("手続きをさがす", "applications:catalogue"), ("申請状況", "applications:my_list")]
    staff_menu = [
        ("申請の受付箱", "applications:staff_inbox", "担当課に届いた申請の確認・審査"),
        ("申請の統計", "applications:staff_statistics", "月別・手続別の申請件数とオンライン申請の割合（グラフと表）"),
        ("手続の管理", "applications:staff_procedures", "手続の案内・保存年限・申請フォームの設定"),
        ("書かない窓口（窓口で代行入力）", "applications:counter_home", "来庁者の申請を職員がタブレットで入力し、署名用に印刷"),
    ]
    home_panels = ["madoguchi.applications.home.panel"]
    home_cards = [("手続きをさがす・申請する", "applications:catalogue", "届出や証明書の請求、各種申込みをオンラインで。")]
