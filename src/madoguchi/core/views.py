"""監査ログの閲覧と出力 (platform administrators only). Filtering, pagination, CSV (UTF-8 with
BOM for Excel) and XLSX; every export is itself written to the audit log."""

from __future__ import annotations

import datetime as dt
import io
import json

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from madoguchi.core.staff import staff_required

from . import audit, spreadsheet
from .models import AuditLog, Section
from .permissions import is_platform_admin
from .wareki import WarekiError, parse_date

EXPORT_LIMIT = 100_000
COLUMNS = [
    ("created_at", _("日時")),
    ("actor_label", _("操作者")),
    ("action", _("操作")),
    ("target_type", _("対象の種類")),
    ("target_id", _("対象ID")),
    ("target_label", _("対象")),
    ("section", _("課")),
    ("ip_address", _("接続元アドレス")),
    ("user_agent", _("ブラウザ")),
    ("detail", _("詳細")),
]


def _date_field(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=30,
        help_text=_("西暦・和暦どちらでも。例: 2026-04-01、R8.4.1"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class AuditFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("操作者（メールアドレスの一部）"), required=False, max_length=200, widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"})
    )
    action = forms.ChoiceField(label=_("操作"), required=False, choices=[("", _("すべて"))] + list(AuditLog.Action.choices))
    target = forms.CharField(
        label=_("対象（受付番号・予約番号など）"),
        required=False,
        max_length=100,
        help_text=_("その対象の閲覧・変更と、それを含む出力を探します。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "type": "search"}),
    )
    target_type = forms.ChoiceField(label=_("対象の種類"), required=False)
    section = forms.ModelChoiceField(label=_("課"), required=False, queryset=Section.objects.order_by("name"), empty_label=_("すべて"))
    date_from = _date_field(_("期間（開始日）"))
    date_to = _date_field(_("期間（終了日）"))
    ip = forms.GenericIPAddressField(
        label=_("接続元アドレス"),
        required=False,
        error_messages={"invalid": _("接続元アドレスは 192.0.2.1 や 2001:db8::1 のような IP アドレスで入力してください。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "decimal"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        types = AuditLog.objects.exclude(target_type="").order_by("target_type").values_list("target_type", flat=True).distinct()
        self.fields["target_type"].choices = [("", _("すべて"))] + [(t, t) for t in types]
        self.fields["section"].error_messages["invalid_choice"] = _("課を一覧から選んでください。")
        self.fields["action"].error_messages["invalid_choice"] = _("操作を一覧から選んでください。")
        self.fields["target_type"].error_messages["invalid_choice"] = _("対象の種類を一覧から選んでください。")

    def _date(self, name, label):
        text = self.cleaned_data.get(name, "").strip()
        if not text:
            return None
        try:
            return parse_date(text)
        except WarekiError as exc:
            raise ValidationError(f"{label}: {exc}") from None

    def clean_date_from(self):
        return self._date("date_from", "期間（開始日）")

    def clean_date_to(self):
        return self._date("date_to", "期間（終了日）")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("期間（終了日）は開始日と同じか、それより後の日付にしてください。"))
        return data

    def filter(self, qs):
        data = self.cleaned_data
        if data.get("actor"):
            qs = qs.filter(actor_label__icontains=data["actor"])
        if data.get("action"):
            qs = qs.filter(action=data["action"])
        if data.get("target"):
            # The label of a read or change, or the detail of an export that listed it.
            qs = qs.filter(Q(target_label__icontains=data["target"]) | Q(detail__icontains=data["target"]))
        if data.get("target_type"):
            qs = qs.filter(target_type=data["target_type"])
        if data.get("section"):
            qs = qs.filter(section=data["section"])
        tz = timezone.get_current_timezone()
        if data.get("date_from"):
            qs = qs.filter(created_at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tzinfo=tz))
        if data.get("date_to"):
            qs = qs.filter(created_at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
        if data.get("ip"):
            qs = qs.filter(ip_address=data["ip"])
        return qs

    def summary(self) -> dict:
        """The filters as plain strings, for the export's own audit record."""
        return {k: str(v) for k, v in self.cleaned_data.items() if v not in (None, "")}


def _require_admin(request):
    if not is_platform_admin(request.user):
        raise PermissionDenied(_("監査ログは情報政策課（プラットフォーム管理者）だけが閲覧できます。"))


def _filtered(request):
    form = AuditFilterForm(data=request.GET or None)
    qs = AuditLog.objects.select_related("section")
    if form.is_bound and form.is_valid():
        qs = form.filter(qs)
    elif form.is_bound:
        qs = qs.none()
    return form, qs


@staff_required
def audit_log(request):
    _require_admin(request)
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.detail_text = json.dumps(entry.detail, ensure_ascii=False) if entry.detail else ""
    params = request.GET.copy()
    params.pop("page", None)
    querystring = params.urlencode()
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "querystring": querystring, "export_query": querystring},
    )


def _row(entry: AuditLog) -> list:
    return [
        timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M:%S"),
        entry.actor_label,
        entry.get_action_display(),
        entry.target_type,
        entry.target_id,
        entry.target_label,
        entry.section.name if entry.section_id else "",
        entry.ip_address,
        entry.user_agent,
        json.dumps(entry.detail, ensure_ascii=False) if entry.detail else "",
    ]


class _Echo:
    def write(self, value):
        return value


@staff_required
def audit_log_export(request, fmt: str):
    _require_admin(request)
    if fmt not in ("csv", "xlsx"):
        raise Http404("csv または xlsx を指定してください。")
    form, qs = _filtered(request)
    if form.is_bound and not form.is_valid():
        return audit_log(request)
    # Freeze the set before writing the export's own record, so the file shows what was asked for.
    last_id = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    qs = qs.filter(id__lte=last_id)
    count = qs.count()
    rows = qs[:EXPORT_LIMIT].iterator(chunk_size=2000)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    audit.record(
        AuditLog.Action.EXPORT,
        request=request,
        target_label="監査ログ",
        detail={"kind": "audit_log", "format": fmt, "count": min(count, EXPORT_LIMIT), "filters": form.summary() if form.is_bound else {}},
    )
    header = [str(label) for _, label in COLUMNS]
    if fmt == "csv":
        writer = spreadsheet.csv_writer(_Echo())

        def stream():
            yield "\ufeff" + writer.writerow(header)
            for entry in rows:
                yield writer.writerow(_row(entry))

        response = StreamingHttpResponse((chunk.encode("utf-8") for chunk in stream()), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.csv"'
        return response
    book = spreadsheet.workbook(write_only=True)
    sheet = book.create_sheet("監査ログ")
    spreadsheet.append(sheet, header)
    for entry in rows:
        spreadsheet.append(sheet, _row(entry))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="audit-log-{stamp}.xlsx"'
    return response


def emblem(request):
    """The active city's emblem (市章), public; checked by content when it was uploaded."""
    from django.views.decorators.cache import patch_cache_control

    from .models import Municipality

    city = Municipality.current()
    if city is None or not city.emblem:
        raise Http404("市章が登録されていません。")
    response = FileResponse(city.emblem.open("rb"), content_type="image/png" if city.emblem.name.lower().endswith(".png") else "image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    patch_cache_control(response, public=True, max_age=3600)
    return response
