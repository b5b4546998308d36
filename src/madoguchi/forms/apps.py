from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "madoguchi.forms"
    label = "forms"
    verbose_name = "フォーム"
