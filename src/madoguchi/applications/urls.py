from django.urls import path
from django.views.generic import TemplateView

app_name = "applications"
# Placeholder routes; the applications capability replaces these.
urlpatterns = [
    path("procedures/", TemplateView.as_view(template_name="web/home.html"), name="catalogue"),
    path("my/applications/", TemplateView.as_view(template_name="web/home.html"), name="my_list"),
    path("staff/applications/", TemplateView.as_view(template_name="web/home.html"), name="staff_inbox"),
]
