"""CKAN Action API v3 at /api/3/action/ (mounted in madoguchi/urls.py before ninja's api/)."""

from django.urls import path  # noqa: F401

app_name = "ckan"
urlpatterns: list = []
