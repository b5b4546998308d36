"""Cities of a 共同運営 deployment (自治体の追加と運用状況): adding a city, and the usage and
health figures the operator sees per city — counts only, never a resident's personal data."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from . import tenancy
from .models import Municipality, MunicipalityDomain, Section, StaffRole, Task, validate_local_government_code


@dataclass(frozen=True)
class NewCity:
    """What adding a city needs (自治体の追加)."""

    name: str
    code: str  # 全国地方公共団体コード (6 digits with check digit)
    domain: str  # its host name, e.g. aobadai.localhost
    admin_email: str  # the first 情報政策課 管理者
    prefecture: str = ""
    name_kana: str = ""
    is_fictional: bool = False


def new_city_from(data) -> NewCity:
    """A ``NewCity`` from a form's cleaned data or a command's options (same names)."""
    import dataclasses

    return NewCity(**{f.name: data[f.name] for f in dataclasses.fields(NewCity) if f.name in data})


def add_city(new: NewCity, invite_by=None) -> tuple[Municipality, object]:
    """Create the city, its host name, its 情報政策課 and the first administrator (who sets a
    password through the reset link and a TOTP device at first sign-in). Refuses a code or host
    name already in use, with a Japanese message naming it."""
    from django.contrib.auth import get_user_model

    errors = {}
    try:
        validate_local_government_code(new.code)
    except ValidationError as exc:
        errors["code"] = exc.messages
    domain = tenancy.normalise_host(new.domain)
    if Municipality.objects.filter(code=new.code).exists():
        errors["code"] = [f"団体コード {new.code} の自治体はすでにあります。"]
    if not domain or "." not in domain and domain != "localhost":
        errors["domain"] = ["ホスト名を「aobadai.localhost」「www.city.example.lg.jp」の形で入力してください。"]
    elif MunicipalityDomain.objects.filter(domain=domain).exists():
        errors["domain"] = [f"ホスト名 {domain} はほかの自治体が使っています。"]
    User = get_user_model()
    email = User.objects.normalize_email(new.admin_email).lower()
    existing = User.objects.filter(email=email).first()
    if existing is not None and (existing.staff_roles.exists() or existing.is_platform_admin or existing.is_operator):
        errors["admin_email"] = ["このメールアドレスはすでにほかの自治体の職員または運営者です。職員は1つの自治体に属します。"]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        city = Municipality.objects.create(
            name=new.name, name_kana=new.name_kana, code=new.code, prefecture=new.prefecture, is_fictional=new.is_fictional, is_default=False
        )
        MunicipalityDomain.objects.create(municipality=city, domain=domain, is_primary=True)
        section = Section.objects.create(municipality=city, name="情報政策課", kind=Section.Kind.SECTION, is_information_policy=True)
        admin = existing or User.objects.create_user(email=email, password=None)
        admin.is_staff = True
        admin.save(update_fields=["is_staff"])
        StaffRole.objects.create(user=admin, section=section, role=StaffRole.Role.MANAGER)
        if invite_by:
            from madoguchi.accounts.services import send_staff_welcome_email

            with tenancy.using(city):  # the welcome link goes to the new city's host
                send_staff_welcome_email(admin, invite_by)
    return city, admin


@dataclass
class CityHealth:
    city: Municipality
    domain: str
    sections: int
    staff: int
    tasks_pending: int
    tasks_failed: int
    oldest_pending: object  # datetime | None
    usage: list  # [(label, value, unit)] from the metrics registry, this fiscal year


def health(fiscal_year: int | None = None) -> list[CityHealth]:
    """Per city: organisation size, the outbox's state, and this year's usage figures from the
    metrics every app contributes (core.registry.metrics) — aggregates only."""
    from . import registry
    from .wareki import fiscal_year as fiscal_year_of

    year = fiscal_year or fiscal_year_of(timezone.localdate())
    cities = list(
        Municipality.objects.annotate(n_sections=Count("sections", distinct=True), n_staff=Count("sections__staff_roles__user", distinct=True)).order_by("code")
    )
    domains = dict(MunicipalityDomain.objects.filter(is_primary=True).values_list("municipality_id", "domain"))
    tasks = {
        row["municipality_id"]: row
        for row in Task.objects.filter(status__in=[Task.Status.PENDING, Task.Status.FAILED])
        .values("municipality_id")
        .annotate(
            pending=Count("id", filter=Q(status=Task.Status.PENDING)),
            failed=Count("id", filter=Q(status=Task.Status.FAILED)),
            oldest=Min("created_at", filter=Q(status=Task.Status.PENDING)),
        )
    }
    out = []
    for city in cities:
        t = tasks.get(city.pk, {})
        usage = []
        with tenancy.using(city):
            for key, metric in registry.metrics.items():
                try:
                    value = registry.compute_metric(key, city, year)
                except registry.MetricError:
                    value = "集計エラー"
                usage.append((metric.label, value, metric.unit))
        out.append(
            CityHealth(
                city=city,
                domain=domains.get(city.pk, ""),
                sections=city.n_sections,
                staff=city.n_staff,
                tasks_pending=t.get("pending", 0),
                tasks_failed=t.get("failed", 0),
                oldest_pending=t.get("oldest"),
                usage=usage,
            )
        )
    return out
