from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.<str:fmt>", views.audit_log_export, name="audit_log_export"),
    path("emblem/", views.emblem, name="emblem"),
]
