"""One django-ninja API; each capability mounts its router. OpenAPI docs at /api/docs."""

from ninja import NinjaAPI

from madoguchi.accounts.api import router as accounts_router
from madoguchi.alerts.api import router as alerts_router
from madoguchi.api_parser import NulSafeParser
from madoguchi.applications.api import router as applications_router
from madoguchi.core.api import router as core_router
from madoguchi.forms.api import router as forms_router
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
