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
    path("staff/<int:pk>/share/", views.staff_share, name="staff_share"),
    path("staff/<int:pk>/origin/apply/", views.staff_origin_apply, name="staff_origin_apply"),
    path("staff/<int:pk>/origin/dismiss/", views.staff_origin_dismiss, name="staff_origin_dismiss"),
    path("staff/templates/", views.staff_templates, name="staff_templates"),
    path("staff/templates/<int:pk>/", views.staff_template, name="staff_template"),
]
