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

from madoguchi.core.wareki import fiscal_year as fiscal_year_of
from madoguchi.core.wareki import fiscal_year_range

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Metric:
    code: str
    label: str
    unit: str
    compute: Callable[[object, int], Decimal | None]
    models: tuple[str, ...] = ()  # the sibling models it reads; none installed → "not available"

    @property
    def available(self) -> bool:
        return not self.models or _model(*self.models) is not None


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


# How a sibling model reaches its municipality: directly, or through the procedure, facility,
# form or section it belongs to. The first path that exists is used.
_MUNICIPALITY_PATHS = (
    "municipality",
    "procedure__municipality",
    "facility__municipality",
    "unit__facility__municipality",
    "form__municipality",
    "section__municipality",
)


def _for_municipality(model, qs, municipality):
    if municipality is None:
        return qs
    for path in _MUNICIPALITY_PATHS:
        *links, last = path.split("__")
        current = model
        try:
            for part in links:
                current = current._meta.get_field(part).related_model
            if current is None:
                continue
            current._meta.get_field(last)
        except (FieldDoesNotExist, AttributeError):
            continue
        return qs.filter(**{path: municipality})
    return qs  # single-municipality installs: nothing to filter by


def _base(model, municipality, fiscal_year: int, date_fields=("submitted_at", "created_at", "created", "published_at")):
    qs = _for_municipality(model, model._default_manager.all(), municipality)
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


_SUBMISSIONS = ("applications.Submission", "applications.Application")
_PROCEDURES = ("applications.Procedure",)
_BOOKINGS = ("reservations.Booking", "reservations.Reservation")
_SUBSCRIBERS = ("alerts.Subscription", "alerts.Subscriber")
_DATASETS = ("opendata.Dataset", "catalog.Dataset", "core.Dataset", "applications.Dataset")
_SURVEYS = ("forms.SurveyResponse", "forms.Response", "surveys.Response")


@_safe
def online_applications(municipality, fiscal_year):
    model = _model(*_SUBMISSIONS)
    if model is None:
        return None
    qs = _base(model, municipality, fiscal_year)
    if qs is None:
        return None
    status = _field(model, "status")
    if status:
        qs = qs.exclude(**{f"{status}__in": ["draft", "withdrawn"]})
    channel = _field(model, "channel")
    if channel:  # counter submissions (書かない窓口) are not online applications
        qs = qs.filter(**{channel: "online"})
    return Decimal(qs.count())


@_safe
def online_procedures(municipality, fiscal_year):
    """Published procedures a resident can apply for here, counted as
    ``Procedure.can_apply_online`` decides: online, with a form, not sent to an external site
    (マイナポータル …), and not requiring the マイナンバーカード. The catalogue keeps no history, so
    without a date field only the current fiscal year is answered: a closed year's actual is
    never rewritten with today's count."""
    model = _model(*_PROCEDURES)
    if model is None:
        return None
    qs = _for_municipality(model, model._default_manager.all(), municipality)
    for flag in (_field(model, "is_published", "published", "is_active"), _field(model, "online", "is_online")):
        if flag:
            qs = qs.filter(**{flag: True})
    if _field(model, "form"):
        qs = qs.filter(form__isnull=False)
    if _field(model, "external_url"):
        qs = qs.filter(external_url="")
    if _field(model, "identity_assurance"):
        qs = qs.exclude(identity_assurance="my_number_card")
    created = _field(model, "published_at", "created_at")
    if created:
        _, end = fiscal_year_range(fiscal_year)
        qs = qs.filter(**{f"{created}__date__lte" if _is_datetime(model, created) else f"{created}__lte": end})
    elif fiscal_year != current_fiscal_year():
        return None  # a snapshot: only the current year can be known
    return Decimal(qs.count())


def current_fiscal_year() -> int:
    from django.utils import timezone

    return fiscal_year_of(timezone.localdate())


@_safe
def online_booking_share(municipality, fiscal_year):
    model = _model(*_BOOKINGS)
    if model is None:
        return None
    qs = _base(model, municipality, fiscal_year, date_fields=("created_at", "booked_at", "date"))
    channel = _field(model, "channel", "source", "via")
    if qs is None or channel is None:
        return None
    status = _field(model, "status")
    if status:  # bookings that never became real do not count either way
        qs = qs.exclude(**{f"{status}__in": ["held", "cancelled", "expired", "released", "draft"]})
    total = qs.count()
    if not total:
        return None
    # Booking apps name the online channel differently (first_come, lottery, web …) but agree
    # on what is not online: taken at the counter, by phone or on paper.
    offline = qs.filter(**{f"{channel}__in": list(OFFLINE_CHANNELS)}).count()
    return (Decimal(total - offline) * 100 / Decimal(total)).quantize(Decimal("0.1"))


OFFLINE_CHANNELS = ("staff", "counter", "window", "phone", "telephone", "paper", "fax", "madoguchi")


@_safe
def alert_subscribers(municipality, fiscal_year):
    """Subscriptions confirmed by the end of the fiscal year and not stopped by then."""
    model = _model(*_SUBSCRIBERS)
    if model is None:
        return None
    qs = _for_municipality(model, model._default_manager.all(), municipality)
    _, end = fiscal_year_range(fiscal_year)
    started = _field(model, "confirmed_at", "created_at")
    if started:
        qs = qs.filter(**{f"{started}__date__lte" if _is_datetime(model, started) else f"{started}__lte": end})
    stopped = _field(model, "unsubscribed_at", "cancelled_at")
    if stopped:
        qs = qs.filter(**{f"{stopped}__isnull": True}) | qs.filter(**{f"{stopped}__date__gt": end})
    active = _field(model, "is_active", "active", "confirmed")
    if active:
        qs = qs.filter(**{active: True})
    status = _field(model, "status")
    if status:
        qs = qs.exclude(**{f"{status}__in": ["pending", "failed"] + ([] if stopped else ["unsubscribed"])})
    return Decimal(qs.count())


@_safe
def open_datasets(municipality, fiscal_year):
    model = _model(*_DATASETS)
    if model is None:
        return None
    qs = _for_municipality(model, model._default_manager.all(), municipality)
    flag = _field(model, "is_published", "published", "is_public")
    if flag:
        qs = qs.filter(**{flag: True})
    created = _field(model, "published_at", "created_at")
    if created:
        _, end = fiscal_year_range(fiscal_year)
        qs = qs.filter(**{f"{created}__date__lte" if _is_datetime(model, created) else f"{created}__lte": end})
    return Decimal(qs.count())


@_safe
def survey_responses(municipality, fiscal_year):
    model = _model(*_SURVEYS)
    if model is None:
        return None
    qs = _base(model, municipality, fiscal_year)
    return None if qs is None else Decimal(qs.count())


REGISTRY: dict[str, Metric] = {
    m.code: m
    for m in [
        Metric("online_applications", "オンライン申請の受付件数", "件", online_applications, _SUBMISSIONS),
        Metric("online_procedures", "オンラインで申請できる手続の数", "手続", online_procedures, _PROCEDURES),
        Metric("online_booking_share", "施設予約のオンライン比率", "%", online_booking_share, _BOOKINGS),
        Metric("alert_subscribers", "防災・お知らせ配信の登録者数", "人", alert_subscribers, _SUBSCRIBERS),
        Metric("open_datasets", "公開しているオープンデータの数", "件", open_datasets, _DATASETS),
        Metric("survey_responses", "アンケートの回答数", "件", survey_responses, _SURVEYS),
    ]
}


def choices() -> list[tuple[str, str]]:
    return [("", "（連動しない）")] + [
        (m.code, f"{m.label}（{m.unit}）" + ("" if m.available else "※この機能は未導入のため集計できません")) for m in REGISTRY.values()
    ]


def available(code: str) -> bool:
    metric = REGISTRY.get(code)
    return bool(metric and metric.available)


def compute(code: str, municipality, fiscal_year: int) -> Decimal | None:
    metric = REGISTRY.get(code)
    return metric.compute(municipality, fiscal_year) if metric else None
