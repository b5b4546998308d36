from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "madoguchi.accounts"
    label = "accounts"
    verbose_name = "アカウント"

    staff_menu = [
        (_("職員の管理"), "accounts:staff_list", _("職員アカウントの作成、課ごとの役割、二要素認証のリセット"), "manage_staff"),
        (_("監査ログ"), "core:audit_log", _("職員による閲覧・変更の記録の検索と出力（情報政策課）"), "audit_log"),
        (_("自治体の設定"), "core:city_settings", _("表示名・テーマ色・市章・差出人・LINE・決済や本人確認の登録情報（情報政策課）"), "city_settings"),
    ]
