"""The real URL map plus views that fail on purpose (tests of core/errors.py)."""

from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.urls import path

from madoguchi.core.errors import LoginRequired
from madoguchi.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


def db_down(request):
    raise OperationalError("could not connect to server")


def forbidden(request):
    raise PermissionDenied


def bad(request):
    raise BadRequest


def suspicious(request):
    raise SuspiciousOperation("odd")


def needs_login(request):
    raise LoginRequired


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/db-down/", db_down),
    path("test-errors/forbidden/", forbidden),
    path("test-errors/bad/", bad),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/needs-login/", needs_login),
    *urlpatterns,
]
