from django.urls import path

from madoguchi.core import ratelimit

from . import shelter_views, views

# Endpoints that send mail are limited per recipient and per address (core.ratelimit).
# The subscribe page answers its done page without a redirect: every email POST counts.
_subscribe = ratelimit.limit_mail("email", when=lambda r: r.POST.get("channel", "email") == "email", sent=lambda response: True)(views.subscribe)
_manage = ratelimit.limit_mail("change-new_email", when=lambda r: r.POST.get("action") == "email")(views.manage)
# Called by LINE's servers from few addresses, authenticated by X-Line-Signature.
_line_webhook = ratelimit.exempt("LINE's servers, authenticated by X-Line-Signature")(views.line_webhook)

app_name = "alerts"
urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("<int:pk>/", views.notice_detail, name="notice_detail"),
    path("feed.rss", views.feed, {"kind": "rss"}, name="feed_rss"),
    path("feed.atom", views.feed, {"kind": "atom"}, name="feed_atom"),
    path("cap/feed.atom", views.cap_index, name="cap_index"),
    path("cap/<uuid:identifier>.xml", views.cap_notice, name="cap_notice"),
    path("subscribe/", _subscribe, name="subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("manage/<str:key>/", _manage, name="manage"),
    path("mine/", views.mine, name="mine"),
    path("change-email/<str:value>/", views.change_email, name="change_email"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("line/webhook", _line_webhook, name="line_webhook"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_edit, name="staff_new"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/settings/", views.staff_settings, name="staff_settings"),
    path("staff/shelters/", shelter_views.shelter_list, name="staff_shelters"),
    path("staff/shelters/new/", shelter_views.shelter_edit, name="staff_shelter_new"),
    path("staff/shelters/<int:pk>/edit/", shelter_views.shelter_edit, name="staff_shelter_edit"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/<str:action>/", views.staff_action, name="staff_action"),
]
