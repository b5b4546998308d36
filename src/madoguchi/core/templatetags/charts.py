"""``{% load charts %}{% chart chart %}``: a chart from ``madoguchi.core.charts`` as a figure — the
SVG, a caption, and its data table one click away (``core/charts/figure.html``). Pages showing
charts link ``core/charts.css`` in ``{% block head %}``."""

from django import template
from django.template.loader import render_to_string

from madoguchi.core import charts

register = template.Library()


@register.simple_tag
def chart(chart_obj, heading_level: int = 0):
    """Renders nothing for no chart (a page may pass None when there is nothing to draw)."""
    if chart_obj is None:
        return ""
    return render_to_string("core/charts/figure.html", {"figure": charts.figure(chart_obj), "heading_level": heading_level})
