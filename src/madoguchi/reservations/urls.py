from django.urls import path

from . import staff_views, views

app_name = "reservations"
urlpatterns = [
    path("", views.index, name="index"),
    path("facilities/<int:pk>/", views.facility_detail, name="facility"),
    path("units/<int:pk>/", views.unit_calendar, name="calendar"),
    path("units/<int:pk>/<int:year>/<int:month>/", views.unit_calendar, name="calendar_month"),
    path("units/<int:pk>/hold/", views.hold, name="hold"),
    path("bookings/<str:code>/", views.confirm, name="confirm"),
    path("bookings/<str:code>/cancel/", views.cancel, name="cancel"),
    path("bookings/<str:code>/calendar.ics", views.booking_ics, name="ics"),
    path("my/", views.my, name="my"),
    path("register/", views.register, name="register"),
    path("groups/new/", views.group_new, name="group_new"),
    path("lotteries/<int:pk>/", views.lottery_detail, name="lottery"),
    path("lotteries/<int:pk>/inputs.json", views.lottery_inputs, name="lottery_inputs"),
    path("lotteries/<int:pk>/verify/", views.lottery_verify, name="lottery_verify"),
    path("counters/", views.counters, name="counters"),
    path("counters/<slug:slug>/", views.counter_detail, name="counter"),
    path("visits/<str:code>/cancel/", views.cancel_visit, name="cancel_visit"),
    path("visits/<str:code>/qr.png", views.visit_qr, name="visit_qr"),
    path("queue/<slug:slug>/", views.queue_board, name="queue"),
    path("ticket/<str:token>/", views.ticket, name="ticket"),
    path("ticket/<str:token>/qr.png", views.ticket_qr, name="ticket_qr"),
    path("staff/", staff_views.home, name="staff_home"),
    path("staff/facilities/<int:pk>/", staff_views.facility_day, name="staff_facility"),
    path("staff/bookings/<int:pk>/exemption/", staff_views.decide_exemption, name="staff_exemption"),
    path("staff/groups/", staff_views.groups, name="staff_groups"),
    path("staff/counters/<int:pk>/", staff_views.counter_day, name="staff_counter"),
    path("staff/lotteries/<int:pk>/draw/", staff_views.draw_lottery, name="staff_draw"),
]
