"""Platform figures an indicator can be bound to, computed per fiscal year from the platform's
own data. Written defensively: the apps they read are built separately, so a metric whose model
or field does not exist (yet) reports ``None`` instead of failing."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from madoguchi.core.wareki import fiscal_year_range

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    compute: Callable[[object, int], Decimal | None]


def _model(*candidates: str):
    for dotted in candidates:
        app_label, name = dotted.split(".")
        try:
            return apps.get_model(app_label, name)
        except (LookupError, ValueError):
            continue
    return None


def _field(model, *names: str) -> str | None:
    for name in names:
        try:
            model._meta.get_field(name)
            return name
        except FieldDoesNotExist:
            continue
    return None


def _base(model, municipality, fiscal_year: int, date_fields=("submitted_at", "created_at", "created", "published_at")):
    qs = model._default_manager.all()
    muni = _field(model, "municipality")
    if muni and municipality is not None:
        qs = qs.filter(**{muni: municipality})
    date_field = _field(model, *date_fields)
    if date_field is None:
        return None
    start, end = fiscal_year_range(fiscal_year)
    return (
        qs.filter(**{f"{date_field}__date__gte": start, f"{date_field}__date__lte": end})
        if _is_datetime(model, date_field)
        else qs.filter(**{f"{date_field}__gte": start, f"{date_field}__lte": end})
    )


def _is_datetime(model, name: str) -> bool:
    return model._meta.get_field(name).get_internal_type() == "DateTimeField"


def _safe(func):
    def wrapper(municipality, fiscal_year):
        try:
            return func(municipality, fiscal_year)
        except Exception:  # a sibling app's schema changed: skip, never break the dashboard
            log.warning("plans metric %s failed", func.__name__, exc_info=True)
            return None

    wrapper.__name__ = func.__name__
    return wrapper


@_safe
def online_applications(municipality, fiscal_year):
    model = _model("applications.Submission", "applications.Application")
    if model is None:
        return None
    qs = _base(model, municipality, fiscal_year)
    if qs is None:
        return None
    status = _field(model, "status")
    if status:
        qs = qs.exclude(**{status: "draft"})
    return Decimal(qs.count())


@_safe
def online_procedures(municipality, fiscal_year):
    model = _model("applications.Procedure")
    if model is None:
        return None
    qs = model._default_manager.all()
    flag = _field(model, "is_published", "published", "is_active")
    if flag:
        qs = qs.filter(**{flag: True})
    created = _field(model, "published_at", "created_at")
    if created:
        _, end = fiscal_year_range(fiscal_year)
        qs = qs.filter(**{f"{created}__date__lte" if _is_datetime(model, created) else f"{created}__lte": end})
    return Decimal(qs.count())


@_safe
def online_booking_share(municipality, fiscal_year):
    model = _model("reservations.Booking", "reservations.Reservation")
    if model is None:
        return None
    qs = _base(model, municipality, fiscal_year)
    channel = _field(model, "channel", "source", "via")
    if qs is None or channel is None:
        return None
    total = qs.count()
    if not total:
        return None
    online = qs.filter(**{f"{channel}__in": ["online", "web", "internet"]}).count()
    return (Decimal(online) * 100 / Decimal(total)).quantize(Decimal("0.1"))


@_safe
def alert_subscribers(municipality, fiscal_year):
    model = _model("alerts.Subscription", "alerts.Subscriber")
    if model is None:
        return None
    qs = model._default_manager.all()
    created = _field(model, "created_at", "confirmed_at")
    if created:
        _, end = fiscal_year_range(fiscal_year)
        qs = qs.filter(**{f"{created}__date__lte" if _is_datetime(model, created) else f"{created}__lte": end})
    active = _field(model, "is_active", "active", "confirmed")
    if active:
        qs = qs.filter(**{active: True})
    return Decimal(qs.count())


@_safe
def open_datasets(municipality, fiscal_year):
    model = _model("opendata.Dataset", "core.Dataset", "applications.Dataset")
    if model is None:
        return None
    qs = model._default_manager.all()
    created = _field(model, "published_at", "created_at")
    if created:
        _, end = fiscal_year_range(fiscal_year)
        qs = qs.filter(**{f"{created}__date__lte" if _is_datetime(model, created) else f"{created}__lte": end})
    return Decimal(qs.count())


@_safe
def survey_responses(municipality, fiscal_year):
    model = _model("forms.SurveyResponse", "forms.Response", "surveys.Response")
    if model is None:
        return None
    qs = _base(model, municipality, fiscal_year)
    return None if qs is None else Decimal(qs.count())


REGISTRY: dict[str, Metric] = {
    m.code: m
    for m in [
        Metric("online_applications", "オンライン申請の受付件数", "件", online_applications),
        Metric("online_procedures", "オンラインで申請できる手続の数", "手続", online_procedures),
        Metric("online_booking_share", "施設予約のオンライン比率", "%", online_booking_share),
        Metric("alert_subscribers", "防災・お知らせ配信の登録者数", "人", alert_subscribers),
        Metric("open_datasets", "公開しているオープンデータの数", "件", open_datasets),
        Metric("survey_responses", "アンケートの回答数", "件", survey_responses),
    ]
}


def choices() -> list[tuple[str, str]]:
    return [("", "（連動しない）")] + [(m.code, f"{m.label}（{m.unit}）") for m in REGISTRY.values()]


def compute(code: str, municipality, fiscal_year: int) -> Decimal | None:
    metric = REGISTRY.get(code)
    return metric.compute(municipality, fiscal_year) if metric else None
