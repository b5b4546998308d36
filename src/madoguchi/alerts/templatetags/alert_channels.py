"""{{ "email"|channel_label }} → メール; {{ notice.channels|channel_labels|join:"、" }}: channel
names as people read them, from the channel plugins' labels (never the stored keys)."""

from django import template

from madoguchi.alerts import channels

register = template.Library()


@register.filter
def channel_label(name):
    return channels.label_for(name)


@register.filter
def channel_labels(names):
    return channels.labels_for(names)
