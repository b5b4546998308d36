from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "madoguchi.plans"
    label = "plans"
    verbose_name = "DX推進計画"
