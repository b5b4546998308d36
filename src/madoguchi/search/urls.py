from django.urls import path

from . import views

app_name = "search"
urlpatterns = [
    path("", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("staff/synonyms/", views.staff_synonyms, name="staff_synonyms"),
    path("staff/synonyms/new/", views.staff_synonym_edit, name="staff_synonym_new"),
    path("staff/synonyms/<int:pk>/", views.staff_synonym_edit, name="staff_synonym_edit"),
    path("staff/zero/", views.staff_zero, name="staff_zero"),
]
