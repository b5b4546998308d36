from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "madoguchi.alerts"
    label = "alerts"
    verbose_name = "お知らせ・緊急情報"
