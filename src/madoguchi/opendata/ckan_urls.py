"""CKAN Action API v3 at /api/3/action/ (mounted in madoguchi/urls.py before ninja's api/)."""

from django.urls import path

from . import ckan

app_name = "ckan"
urlpatterns = [path("<str:name>", ckan.dispatch, name="action")]
