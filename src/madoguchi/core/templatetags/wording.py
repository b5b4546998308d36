"""{% load wording %}{{ n|count }} → 3つ / 10個 (core.wording.count)."""

from django import template

from madoguchi.core import wording

register = template.Library()


@register.filter(name="count")
def count_filter(value):
    try:
        return wording.count(int(value))
    except (TypeError, ValueError):
        return value
