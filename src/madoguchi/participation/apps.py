from django.apps import AppConfig


class ParticipationConfig(AppConfig):
    name = "madoguchi.participation"
    label = "participation"
    verbose_name = "市民参加"
