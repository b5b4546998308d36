from django.urls import path

from . import statistics_views, views

app_name = "applications"
urlpatterns = [
    path("procedures/", views.catalogue, name="catalogue"),
    path("procedures/<slug:slug>/", views.procedure_detail, name="procedure"),
    path("procedures/<slug:slug>/apply/", views.start, name="start"),
    path("my/applications/", views.my_list, name="my_list"),
    path("my/applications/link-resend/", views.case_link_resend, name="case_link_resend"),
    path("my/applications/link/<str:token>/", views.case_link, name="case_link"),
    path("my/applications/<uuid:uuid>/", views.my_detail, name="my_detail"),
    path("my/applications/<uuid:uuid>/fill/<int:page>/", views.fill, name="fill"),
    path("my/applications/<uuid:uuid>/confirm/", views.confirm, name="confirm"),
    path("my/applications/<uuid:uuid>/message/", views.my_message, name="my_message"),
    path("my/applications/<uuid:uuid>/withdraw/", views.my_withdraw, name="my_withdraw"),
    path("my/applications/<uuid:uuid>/pdf/", views.my_pdf, name="my_pdf"),
    path("applications/<uuid:uuid>/files/<int:upload_id>/", views.submission_file, name="file"),
    path("staff/applications/", views.staff_inbox, name="staff_inbox"),
    path("staff/applications/export.<str:fmt>", views.staff_export, name="staff_export"),
    path("staff/applications/statistics/", statistics_views.staff_statistics, name="staff_statistics"),
    path("staff/applications/<uuid:uuid>/", views.staff_detail, name="staff_detail"),
    path("staff/applications/<uuid:uuid>/pdf/", views.staff_pdf, name="staff_pdf"),
    path("staff/procedures/", views.staff_procedures, name="staff_procedures"),
    path("staff/procedures/new/", views.staff_procedure_edit, name="staff_procedure_new"),
    path("staff/procedures/<slug:slug>/", views.staff_procedure_edit, name="staff_procedure_edit"),
    path("staff/counter/", views.counter_home, name="counter_home"),
    path("staff/counter/<slug:slug>/start/", views.counter_start, name="counter_start"),
    path("staff/counter/<uuid:uuid>/fill/<int:page>/", views.counter_fill, name="counter_fill"),
    path("staff/counter/<uuid:uuid>/confirm/", views.counter_confirm, name="counter_confirm"),
    path("staff/counter/<uuid:uuid>/print/", views.counter_print, name="counter_print"),
    path("staff/counter/<uuid:uuid>/receipt/", views.counter_receipt, name="counter_receipt"),
]
