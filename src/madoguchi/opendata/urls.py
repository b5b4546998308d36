from django.urls import path

from . import views

app_name = "opendata"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("catalog.<str:fmt>", views.catalogue_rdf, name="catalogue_rdf"),
    path("dataset/<slug:name>/", views.dataset, name="dataset"),
    path("dataset/<slug:name>.<str:fmt>", views.dataset_rdf, name="dataset_rdf"),
    path("resource/<uuid:pk>/", views.resource, name="resource"),
    path("resource/<uuid:pk>/latest", views.latest, name="latest"),
    path("resource/<uuid:pk>/v/<int:number>", views.version_file, name="version"),
]
