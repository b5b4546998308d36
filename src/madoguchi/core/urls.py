from django.urls import path

from . import city_settings, views, waitingroom

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.<str:fmt>", views.audit_log_export, name="audit_log_export"),
    path("emblem/", views.emblem, name="emblem"),
    path("city/settings/", city_settings.edit, name="city_settings"),
    path("waiting-room/<slug:room_name>/", waitingroom.status, name="waiting_room"),
]
