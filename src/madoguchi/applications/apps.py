from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "madoguchi.applications"
    label = "applications"
    verbose_name = "電子申請"
