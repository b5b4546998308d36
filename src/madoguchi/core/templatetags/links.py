"""``{% absolute_url "reservations:my" %}`` in emails and feeds: the one absolute-URL helper
(``madoguchi.core.links``) for templates. Uses ``municipality`` from the context when present."""

from django import template

from madoguchi.core.links import absolute_url as _absolute_url

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_url(context, target, *args, **kwargs):
    return _absolute_url(target, *args, municipality=context.get("municipality"), **kwargs)
