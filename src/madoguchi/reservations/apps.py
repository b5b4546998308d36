from django.apps import AppConfig


class ReservationsConfig(AppConfig):
    name = "madoguchi.reservations"
    label = "reservations"
    verbose_name = "予約"
