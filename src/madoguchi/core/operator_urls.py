from django.urls import path

from . import operator

app_name = "operator"
urlpatterns = [
    path("", operator.home, name="home"),
    path("cities/add/", operator.add_city, name="add_city"),
]
