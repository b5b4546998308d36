from django.urls import path

from . import sharing_views, staff_views, views

app_name = "guide"
urlpatterns = [
    path("", views.guide_list, name="list"),
    path("faq/", views.faq_list, name="faq"),
    path("faq/<int:pk>/", views.faq_detail, name="faq_detail"),
    path("my/", views.my_list, name="my_list"),
    path("my/<int:pk>/", views.my_detail, name="my_detail"),
    path("my/<int:pk>/done/", views.my_done, name="my_done"),
    path("my/<int:pk>/reminders/", views.my_reminders, name="my_reminders"),
    path("my/<int:pk>/delete/", views.my_delete, name="my_delete"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_new, name="staff_new"),
    path("staff/faq/", staff_views.staff_faq, name="staff_faq"),
    path("staff/faq/new/", staff_views.staff_faq_edit, name="staff_faq_new"),
    path("staff/faq/<int:pk>/", staff_views.staff_faq_edit, name="staff_faq_edit"),
    path("staff/templates/", sharing_views.staff_templates, name="staff_templates"),
    path("staff/templates/<int:pk>/", sharing_views.staff_template, name="staff_template"),
    path("staff/<slug:slug>/edit/", staff_views.staff_edit, name="staff_edit"),
    path("staff/<slug:slug>/sharing/", sharing_views.staff_sharing, name="staff_sharing"),
    path("staff/<slug:slug>/share/", sharing_views.staff_share, name="staff_share"),
    path("staff/<slug:slug>/origin/apply/", sharing_views.staff_origin_apply, name="staff_origin_apply"),
    path("staff/<slug:slug>/origin/dismiss/", sharing_views.staff_origin_dismiss, name="staff_origin_dismiss"),
    path("staff/<slug:slug>/map-procedure/", sharing_views.staff_map_procedure, name="staff_map_procedure"),
    path("staff/<slug:slug>/v<int:number>/", staff_views.staff_version, name="staff_version"),
    path("staff/<slug:slug>/v<int:number>/review/", staff_views.staff_review, name="staff_review"),
    path("<slug:slug>/", views.guide_detail, name="detail"),
    path("<slug:slug>/checklist/", views.checklist, name="checklist"),
    path("<slug:slug>/checklist.pdf", views.checklist_pdf, name="checklist_pdf"),
    path("<slug:slug>/checklist/email/", views.checklist_email, name="checklist_email"),
    path("<slug:slug>/checklist/save/", views.checklist_save, name="checklist_save"),
    path("<slug:slug>/checklist/visit/", views.checklist_visit, name="checklist_visit"),
]
