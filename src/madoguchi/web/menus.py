"""Menus assembled from the apps, so each capability adds its own links without editing shared
templates. An AppConfig may declare:

    public_menu = [("手続きをさがす", "applications:catalogue")]   # site header
    staff_menu = [("申請の受付箱", "applications:staff_inbox")]    # staff top page
    staff_menu = [("監査ログ", "core:audit_log", "説明文", "audit_log")]  # shown only if permissions.can(user, "audit_log")
    home_cards = [("手続きをさがす・申請する", "applications:catalogue", "説明文")]  # top page
    home_panels = ["madoguchi.applications.home.panel"]  # top page sections, in app order

A home panel is a function ``(request) -> (template_name, context) | None``; None hides it.
"""

from django.apps import apps
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string


def _collect(attr: str):
    items = []
    for config in apps.get_app_configs():
        for entry in getattr(config, attr, ()):
            label, url_name, *rest = entry
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            # A fourth element names the permission (core.permissions.can) the entry needs.
            items.append({"label": label, "url": url, "description": rest[0] if rest else "", "permission": rest[1] if len(rest) > 1 else ""})
    return items


def menus(request):
    return {"public_menu": _collect("public_menu"), "staff_menu": _collect("staff_menu"), "home_cards": _collect("home_cards")}


def home_panels(request) -> list[str]:
    """Rendered panels for the top page (urgent notices first, then search, then the rest)."""
    rendered = []
    for config in apps.get_app_configs():
        for path in getattr(config, "home_panels", ()):
            result = import_string(path)(request)
            if result:
                template, context = result
                rendered.append((context.get("priority", 50), render_to_string(template, context, request=request)))
    return [html for _, html in sorted(rendered, key=lambda r: r[0])]
