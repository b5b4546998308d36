from django.urls import path

from . import views

app_name = "plans"
urlpatterns = [
    path("", views.public_list, name="public_list"),
    path("<int:pk>/", views.public_detail, name="public_detail"),
    path("staff/", views.staff_plans, name="staff_plans"),
    path("staff/<int:pk>/", views.plan_tree, name="tree"),
    path("staff/<int:pk>/settings/", views.plan_settings, name="settings"),
    path("staff/items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("staff/items/<int:pk>/predecessor/", views.item_predecessor, name="item_predecessor"),
    path("staff/<int:pk>/gantt/", views.gantt, name="gantt"),
    path("staff/<int:pk>/dashboard/", views.dashboard, name="dashboard"),
    path("staff/<int:pk>/evaluation/", views.evaluation, name="evaluation"),
    path("staff/items/<int:pk>/", views.item_detail, name="item"),
    path("staff/items/<int:pk>/report/<int:year>/", views.report_form, name="report"),
    path("staff/indicators/<int:pk>/bind/", views.bind_indicator, name="bind_indicator"),
    path("staff/reports/", views.reports, name="reports"),
    path("staff/reports/<int:pk>/review/", views.review, name="review"),
    path("staff/sections/", views.section_view, name="section"),
    path("staff/compare/", views.compare, name="compare"),
    path("staff/import/", views.import_upload, name="import_upload"),
    path("staff/import/<int:pk>/", views.import_preview, name="import_preview"),
]
