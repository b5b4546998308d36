from django.urls import include, path

from . import signature_views, views

app_name = "identity"
urlpatterns = [
    path("verify/<slug:provider>/", views.verify, name="verify"),
    path("callback/<slug:provider>/", views.callback, name="callback"),
    path("linked/", views.linked, name="linked"),
    path("linked/link/", views.link, name="link"),
    path("linked/<int:pk>/unlink/", views.unlink, name="unlink"),
    path("sign/<uuid:uuid>/", signature_views.sign, name="sign"),
    path("staff/signatures/<uuid:uuid>/", signature_views.staff_detail, name="staff_signature"),
    path("staff/signatures/<uuid:uuid>/<slug:part>", signature_views.staff_file, name="staff_signature_file"),
    path("demo-op/", include("madoguchi.identity.demo_provider.urls")),
]
