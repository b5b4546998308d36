"""Back office: 歳入科目 per purpose, the 財務会計 export, and 消込 against a provider's report.
Section-scoped through ``core.permissions``; every read and export audited."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from madoguchi.core import audit, permissions
from madoguchi.core.registry import payment_providers
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import refuse_my_number

from . import accounting, reconciliation
from .models import Payment, RevenueAccount

MAX_UPLOAD = 10 * 1024 * 1024


def _period(request) -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("from") or request.POST.get("from") or "")
    except ValueError:
        start = today.replace(day=1)
    try:
        end = dt.date.fromisoformat(request.GET.get("to") or request.POST.get("to") or "")
    except ValueError:
        end = today
    return (start, end) if start <= end else (end, start)


def _purposes(user) -> list[str]:
    return sorted(set(permissions.scope(user, Payment.objects.all()).values_list("purpose", flat=True)))


@staff_required
def accounting_page(request):
    """歳入科目の設定 and the export (収入の集計) for a period."""
    purposes = _purposes(request.user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        allowed = permissions.section_ids(request.user, "change")
        purpose = request.POST.get("purpose", "")
        code, name = request.POST.get("code", "").strip(), request.POST.get("name", "").strip()
        if (allowed is not None and not allowed) or purpose not in purposes:
            raise Http404
        if not code or not name:
            errors["account"] = "歳入科目コードと歳入科目名を入力してください。"
        else:
            try:
                refuse_my_number(code, "歳入科目コード", "code")
                refuse_my_number(name, "歳入科目名", "name")
            except ValidationError as exc:
                errors["account"] = " ".join(exc.messages)
        if not errors:
            account, _ = RevenueAccount.objects.update_or_create(purpose=purpose, defaults={"code": code[:40], "name": name[:100]})
            audit.record("update", account, request=request, detail={"code": account.code})
            messages.success(request, f"「{purpose}」の歳入科目を設定しました。")
            return redirect("payments:staff_accounting")
    start, end = _period(request)
    fmt = request.GET.get("format", "")
    if fmt in ("csv", "xlsx"):
        lines = accounting.rows(request.user, start, end)
        audit.record(
            "export",
            None,
            request=request,
            detail={"report": "payments_accounting", "from": start.isoformat(), "to": end.isoformat(), "format": fmt},
            target_label="収入の集計",
        )
        body, ctype = (
            (accounting.as_csv(lines), "text/csv; charset=utf-8")
            if fmt == "csv"
            else (accounting.as_xlsx(lines), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
        response = HttpResponse(body, content_type=ctype)
        response["Content-Disposition"] = f'attachment; filename="revenue-{start:%Y%m%d}-{end:%Y%m%d}.{fmt}"'
        return response
    accounts = {a.purpose: a for a in RevenueAccount.objects.filter(purpose__in=purposes)}
    audit.record("view", None, request=request, detail={"report": "payments_accounting"}, target_label="歳入科目と収入の集計")
    context = {"rows": [(p, accounts.get(p)) for p in purposes], "start": start, "end": end, "errors": errors, "input": request.POST}
    return render(request, "payments/staff_accounting.html", context, status=400 if errors else 200)


@staff_required
def reconcile_page(request):
    """消込: upload a provider's settlement report and see what does not match."""
    providers = [(key, p.label) for key, p in payment_providers.items() if key not in ("counter", "demo")]
    result, error = None, ""
    start, end = _period(request)
    chosen = request.POST.get("provider", "")
    if request.method == "POST":
        upload = request.FILES.get("file")
        if chosen not in dict(providers):
            error = "決済手段を選んでください。"
        elif upload is None:
            error = "精算報告のファイルを選んでください。"
        elif upload.size > MAX_UPLOAD:
            error = "ファイルが大きすぎます（10MBまで）。"
        else:
            try:
                result = reconciliation.reconcile(request.user, chosen, upload.read(), start, end)
            except KeyError as exc:
                error = f"列「{exc.args[0]}」がありません。決済手段の settlement_format の設定を確認してください。"
            except (UnicodeDecodeError, ValueError):
                error = "ファイルを読めません。文字コードと形式を確認してください。"
            else:
                audit.record(
                    "view",
                    None,
                    request=request,
                    detail={"report": "payments_reconciliation", "provider": chosen, "from": start.isoformat(), "to": end.isoformat()},
                    target_label="消込",
                )
    context = {"providers": providers, "chosen": chosen, "start": start, "end": end, "result": result, "error": error}
    return render(request, "payments/staff_reconcile.html", context, status=400 if error else 200)
