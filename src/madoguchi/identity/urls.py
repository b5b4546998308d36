from django.urls import include, path

from . import views

app_name = "identity"
urlpatterns = [
    path("verify/<slug:provider>/", views.verify, name="verify"),
    path("callback/<slug:provider>/", views.callback, name="callback"),
    path("linked/", views.linked, name="linked"),
    path("linked/link/", views.link, name="link"),
    path("linked/<int:pk>/unlink/", views.unlink, name="unlink"),
    path("demo-op/", include("madoguchi.identity.demo_provider.urls")),
]
