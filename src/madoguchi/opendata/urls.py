from django.urls import path

from . import regional_views, views

app_name = "opendata"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("all/", regional_views.all_cities, name="all_cities"),  # the operator host's page
    path("all/catalog.<str:fmt>", regional_views.all_cities_rdf, name="all_cities_rdf"),
    path("catalog.<str:fmt>", views.catalogue_rdf, name="catalogue_rdf"),
    path("dataset/<slug:name>/", views.dataset, name="dataset"),
    path("dataset/<slug:name>.<str:fmt>", views.dataset_rdf, name="dataset_rdf"),
    path("resource/<uuid:pk>/", views.resource, name="resource"),
    path("resource/<uuid:pk>/map/", views.resource_map, name="map"),
    path("resource/<uuid:pk>/latest", views.latest, name="latest"),
    path("resource/<uuid:pk>/v/<int:number>", views.version_file, name="version"),
]

from . import shelter_views, staff_views  # noqa: E402

urlpatterns += [
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_edit, name="staff_new"),
    path("staff/dataset/<slug:name>/", staff_views.staff_dataset, name="staff_dataset"),
    path("staff/dataset/<slug:name>/edit/", staff_views.staff_edit, name="staff_edit"),
    path("staff/resource/<uuid:pk>/upload/", staff_views.staff_upload, name="staff_upload"),
    path("staff/held/<int:pk>/", staff_views.staff_held, name="staff_held"),
    path("staff/shelters/", shelter_views.shelter_imports, name="staff_shelter_imports"),
    path("staff/shelters/<int:pk>/", shelter_views.shelter_import_detail, name="staff_shelter_import"),
    path("staff/shelters/<int:pk>/file", shelter_views.shelter_import_file, name="staff_shelter_import_file"),
]
