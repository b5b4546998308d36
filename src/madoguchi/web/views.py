"""Pages that belong to no single capability: the top page, the staff top, the accessibility policy."""

from django.db import connection
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static

from madoguchi.core.permissions import is_staff_member
from madoguchi.core.staff import staff_required
from madoguchi.web.menus import home_panels


def home(request):
    return render(request, "web/home.html", {"is_staff_member": is_staff_member(request.user), "panels": home_panels(request)})


@staff_required
def staff_home(request):
    return render(request, "web/staff_home.html")


def accessibility(request):
    return render(request, "web/accessibility.html")


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def favicon(request):
    """/favicon.ico, which browsers ask for whatever the page links: the static icon."""
    return HttpResponseRedirect(static("web/favicon.ico"))
