"""他自治体の計画（参考例）: example plans are other municipalities' published plans, kept under
that municipality — a reference city with no host name of its own, not one of the cities this
deployment serves. 情報政策課 imports them, so the import steps over the city walls (the
``TenantManager`` scope and PostgreSQL's row-level security) on purpose, for a reference
municipality only: never into another city of the deployment."""

from __future__ import annotations

import contextlib

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from madoguchi.core import tenancy
from madoguchi.core.models import Municipality


def import_choices():
    """The municipalities a plan may be imported for: the active city, and reference
    municipalities (no host name, not the deployment's default city)."""
    active = tenancy.current_id()
    qs = Municipality.objects.all()
    if active is None:
        return qs
    return qs.filter(Q(pk=active) | Q(domains__isnull=True, is_default=False)).distinct()


def is_reference(municipality) -> bool:
    active = tenancy.current_id()
    if active is None or municipality.pk == active:
        return True
    return not municipality.is_default and not municipality.domains.exists()


@contextlib.contextmanager
def writing_for(municipality):
    """Run the body for ``municipality``: as it is when it is the active city; across the walls
    when it is a reference municipality; refused for another city of the deployment."""
    active = tenancy.current_id()
    if active is None or municipality.pk == active:
        yield
        return
    if not is_reference(municipality):
        raise PermissionDenied("他の自治体の計画は取り込めません。")
    with tenancy.unscoped():
        tenancy.set_database_city(None)
        try:
            yield
        finally:
            tenancy.set_database_city(active)


@contextlib.contextmanager
def reading_import(pk: int):
    """The pending import ``pk`` (of the active city or a reference municipality), with the body
    run as :func:`writing_for` its municipality. None when there is no such import."""
    from .models import PlanImport

    with tenancy.unscoped():
        tenancy.set_database_city(None)
        try:
            imp = PlanImport.objects.select_related("municipality").filter(pk=pk, status=PlanImport.Status.PREVIEW).first()
        finally:
            tenancy.set_database_city(tenancy.current_id())
    if imp is None or not is_reference(imp.municipality):
        yield None
        return
    with writing_for(imp.municipality):
        yield imp


@contextlib.contextmanager
def reading():
    """Read across the walls (example plans only: callers filter with :func:`visible_plans`)."""
    with tenancy.unscoped():
        tenancy.set_database_city(None)
        try:
            yield
        finally:
            tenancy.set_database_city(tenancy.current_id())


def visible_plans():
    """The active city's plans and the reference municipalities' example plans (use inside
    :func:`reading`; outside any city, every plan)."""
    from .models import Plan

    active = tenancy.current_id()
    if active is None:
        return Plan.objects.all()
    return Plan.objects.filter(Q(municipality_id=active) | Q(is_example=True, municipality__domains__isnull=True, municipality__is_default=False)).distinct()


@contextlib.contextmanager
def viewing_plan(pk: int):
    """A plan of the active city, or an example plan, for a read-only page: the body (render
    included) runs inside :func:`reading` for an example plan. None when there is no such plan."""
    from .models import Plan

    own = Plan.objects.filter(pk=pk).first()
    if own is not None or tenancy.current_id() is None:
        yield own
        return
    with reading():
        yield visible_plans().filter(pk=pk, is_example=True).first()
