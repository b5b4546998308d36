"""Template filters: {{ d|wareki }} → 令和8年4月1日, {{ dt|wareki_datetime }}, {{ 2026|fiscal_year }}."""

from django import template

from madoguchi.core import wareki as w

register = template.Library()


@register.filter
def wareki(value, arg=""):
    return w.format_wareki(value, with_weekday=(arg == "weekday")) if value else ""


@register.filter
def wareki_datetime(value):
    return w.format_wareki_datetime(value) if value else ""


@register.filter
def fiscal_year(value):
    return w.format_fiscal_year(int(value)) if value not in (None, "") else ""
