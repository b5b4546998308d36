from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "madoguchi.payments"
    label = "payments"
    verbose_name = "キャッシュレス決済"
