from django.urls import path

from . import views

app_name = "forms"
urlpatterns = [
    path("postal-code/", views.postal_code, name="postal_code"),
    path("uploads/<int:pk>/", views.upload_download, name="upload"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/json/", views.staff_edit_json, name="staff_edit_json"),
    path("staff/<int:pk>/preview/", views.staff_preview, name="staff_preview"),
    path("staff/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
]
