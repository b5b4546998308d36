from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"
    verbose_name = "キャッシュレス決済"
    public_menu: list = []
    staff_menu = [("支払", "payments:staff_list", "支払の一覧・窓口払いの記録・返金・日計表")]
