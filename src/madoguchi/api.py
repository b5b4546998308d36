"""One django-ninja API; each capability mounts its router. OpenAPI docs at /api/docs."""

from ninja import NinjaAPI
from ninja.errors import HttpError

from madoguchi.accounts.api import router as accounts_router
from madoguchi.alerts.api import router as alerts_router
from madoguchi.api_parser import NulSafeParser, body_error_message
from madoguchi.applications.api import router as applications_router
from madoguchi.core.api import router as core_router
from madoguchi.forms.api import router as forms_router
from madoguchi.participation.api import router as participation_router
from madoguchi.payments.api import router as payments_router
from madoguchi.plans.api import router as plans_router
from madoguchi.reservations.api import router as reservations_router

api = NinjaAPI(
    title="Madoguchi API",
    version="1",
    description="窓口 — 自治体デジタルサービス基盤の API",
    parser=NulSafeParser(),
)
api.add_router("/core", core_router)
api.add_router("/accounts", accounts_router)
api.add_router("/forms", forms_router)
api.add_router("/applications", applications_router)
api.add_router("/reservations", reservations_router)
api.add_router("/alerts", alerts_router)
api.add_router("/plans", plans_router)
api.add_router("/payments", payments_router)
api.add_router("/participation", participation_router)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """As ninja's own handler, except that a body the parser could not read says why in Japanese
    (ninja wraps every parser error in English "Cannot parse request body")."""
    return api.create_response(request, {"detail": body_error_message(exc)}, status=exc.status_code)
