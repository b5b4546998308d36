"""Menus assembled from the apps, so each capability adds its own links without editing shared
templates. An AppConfig may declare:

    public_menu = [("手続きをさがす", "applications:catalogue")]   # site header
    staff_menu = [("申請の受付箱", "applications:staff_inbox")]    # staff top page
    home_cards = [("手続きをさがす・申請する", "applications:catalogue", "説明文")]  # top page
"""

from django.apps import apps
from django.urls import NoReverseMatch, reverse


def _collect(attr: str):
    items = []
    for config in apps.get_app_configs():
        for entry in getattr(config, attr, ()):
            label, url_name, *rest = entry
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "description": rest[0] if rest else ""})
    return items


def menus(request):
    return {"public_menu": _collect("public_menu"), "staff_menu": _collect("staff_menu"), "home_cards": _collect("home_cards")}
