"""URL map. Each capability owns its own URL prefix inside its app's urls.py."""

from django.urls import include, path

from .api import api

urlpatterns = [
    # CKAN Action API v3 (opendata/ckan.py): before ninja's api/ so its paths are CKAN's own
    path("api/3/action/", include("madoguchi.opendata.ckan_urls")),
    path("api/action/", include("madoguchi.opendata.ckan_urls", namespace="ckan-unversioned")),  # CKAN answers both; ckanapi calls this one
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("madoguchi.accounts.urls")),
    path("forms/", include("madoguchi.forms.urls")),
    path("reservations/", include("madoguchi.reservations.urls")),
    path("alerts/", include("madoguchi.alerts.urls")),
    path("plans/", include("madoguchi.plans.urls")),
    path("search/", include("madoguchi.search.urls")),
    path("payments/", include("madoguchi.payments.urls")),
    path("opendata/", include("madoguchi.opendata.urls")),
    path("participation/", include("madoguchi.participation.urls")),
    path("identity/", include("madoguchi.identity.urls")),
    path("guides/", include("madoguchi.guide.urls")),
    path("core/", include("madoguchi.core.urls")),
    path("operator/", include("madoguchi.core.operator_urls")),
    # applications owns /procedures/, /my/ and /staff/applications/ (see its urls.py)
    path("", include("madoguchi.applications.urls")),
    path("", include("madoguchi.web.urls")),
]

# Japanese error pages in the site layout (core/errors.py); CSRF failures: settings.CSRF_FAILURE_VIEW.
handler400 = "madoguchi.core.errors.bad_request"
handler403 = "madoguchi.core.errors.permission_denied"
handler404 = "madoguchi.core.errors.page_not_found"
handler500 = "madoguchi.core.errors.server_error"
