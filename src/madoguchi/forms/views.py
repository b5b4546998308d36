"""Views of the form engine: postal-code lookup (htmx), own uploads, and the staff form editor."""

from __future__ import annotations

import hashlib
import json

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from madoguchi.core import tenancy
from madoguchi.core.audit import record
from madoguchi.core.errors import api_detail
from madoguchi.core.models import AuditLog, Section
from madoguchi.core.permissions import can, is_platform_admin, section_ids
from madoguchi.core.staff import staff_required
from madoguchi.core.validation import add_to_form

from . import builder, services, sharing
from .engine import FormEngine
from .models import Form, Upload
from .postal import PostalCodeError, lookup
from .schema import FIELD_TYPES, schema_errors, validate_schema
from .uploads import serve


# --------------------------------------------------------------------------- public
@require_GET
def postal_code(request):
    """郵便番号 → 住所. htmx gets a status fragment carrying the address; others get JSON."""
    code = request.GET.get("postal_code", "")
    if not code:
        code = next((v for k, v in request.GET.items() if k.endswith("postal_code")), "")
    address, message = None, ""
    try:
        address = lookup(code)
        if address is None:
            message = "この郵便番号に当たる住所が見つかりません。郵便番号を確かめるか、住所を直接入力してください。"
    except PostalCodeError as exc:
        message = str(exc)
    wants_json = "application/json" in request.headers.get("Accept", "") or request.GET.get("format") == "json"
    if wants_json and not request.headers.get("HX-Request"):
        if address is None:
            return api_detail(message, 404 if code else 400)
        return JsonResponse(address.as_dict(), json_dumps_params={"ensure_ascii": False})
    if address is None:
        return HttpResponse(format_html('<span class="field__error" data-postal-error>{}</span>', message))
    return HttpResponse(
        format_html(
            '<span data-postal-fill="{}">「{}」を住所欄に入れました。続けて番地・号を入力してください。</span>',
            address.address,
            address.address,
        )
    )


@require_GET
def upload_download(request, pk: int):
    """The uploader fetches their own file while the application is a draft (404 for others)."""
    upload = Upload.objects.filter(pk=pk).first()
    if upload is None or not upload.is_owned_by(request):
        raise Http404("ファイルが見つかりません。")
    return serve(request, upload)


# --------------------------------------------------------------------------- staff
def _editable_forms(user):
    qs = Form.objects.select_related("section")
    allowed = section_ids(user, "change")
    if allowed is None:
        return qs
    return qs.filter(section_id__in=allowed)


def _get_form(request, pk: int) -> Form:
    form = get_object_or_404(Form.objects.select_related("section"), pk=pk)
    if form.section_id is None and not is_platform_admin(request.user):
        raise PermissionDenied("このフォームを編集する権限がありません。")
    if form.section_id is not None and not can(request.user, "change", form):
        raise PermissionDenied("このフォームを編集する権限がありません。")
    return form


def _schema_hash(schema: dict) -> str:
    return hashlib.sha256(json.dumps(schema, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@staff_required
def staff_list(request):
    forms = list(_editable_forms(request.user).prefetch_related("versions"))
    rows = []
    for f in forms:
        versions = sorted(f.versions.all(), key=lambda v: -v.number)
        published = next((v for v in versions if v.is_published), None)
        draft = next((v for v in versions if not v.is_published), None)
        rows.append({"form": f, "published": published, "draft": draft})
    return render(request, "forms/staff/list.html", {"rows": rows})


def _creatable_sections(user):
    allowed = section_ids(user, "change")
    qs = Section.objects.order_by("name")
    return qs if allowed is None else qs.filter(pk__in=allowed)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_create(request):
    sections = _creatable_sections(request.user)
    errors: dict[str, str] = {}
    values = {"name": "", "section": ""}
    if request.method == "POST":
        values = {"name": request.POST.get("name", "").strip(), "section": request.POST.get("section", "")}
        if not values["name"]:
            errors["name"] = "「フォーム名」を入力してください。"
        elif len(values["name"]) > 200:
            errors["name"] = "「フォーム名」は200文字以内で入力してください。"
        section = None
        if values["section"]:
            section = sections.filter(pk=values["section"] if values["section"].isascii() and values["section"].isdigit() else 0).first()
            if section is None:
                errors["section"] = "「担当課」は示された一覧から選んでください。"
        elif not is_platform_admin(request.user):
            errors["section"] = "「担当課」を選んでください。"
        if not errors:
            schema = {"pages": [{"key": "page1", "title": "入力", "fields": [{"key": "name", "type": "text", "label": "氏名", "prefill": "full_name"}]}]}
            form = services.create_form(values["name"], schema, section=section, publish=False, user=request.user)
            record(AuditLog.Action.CREATE, form, request=request, detail={"what": "フォームを作成"})
            return redirect("forms:staff_edit", pk=form.pk)
    return render(request, "forms/staff/create.html", {"sections": sections, "errors": errors, "values": values}, status=400 if errors else 200)


def _render_editor(request, form, draft, schema, errors, *, json_text=None, json_errors=None, share_form=None, status=200):
    share = sharing.share_of(form)
    origin = sharing.origin_update(form)
    return render(
        request,
        "forms/staff/edit.html",
        {
            "form_obj": form,
            "draft": draft,
            "schema": schema,
            "pages": builder.editor_pages(schema),
            "errors": errors,
            "types": [(k, v) for k, v in FIELD_TYPES.items() if k != "my_number" or form.allows_my_number],
            "base": _schema_hash(draft.schema),
            "json_text": json_text if json_text is not None else json.dumps(draft.schema, ensure_ascii=False, indent=2),
            "json_errors": json_errors or [],
            "published": form.published_version(),
            "share": share,
            "share_form": share_form or ShareForm(initial={"description": share.description if share else ""}),
            "form": share_form,
            "origin": origin,
            "origin_diff": sharing.diff_summary(draft.schema, origin.definition) if origin else None,
            "origin_city": form.origin_municipality if form.origin_template_id else None,
        },
        status=status,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_edit(request, pk: int):
    form = _get_form(request, pk)
    draft = services.get_or_create_draft(form, request.user)
    if request.method == "GET":
        return _render_editor(request, form, draft, draft.schema, [])
    if request.POST.get("base") != _schema_hash(draft.schema):
        messages.error(request, "他の職員がこのフォームを更新しました。最新の内容を読み込み直したので、変更をもう一度行ってください。")
        return redirect("forms:staff_edit", pk=form.pk)
    schema, parse_errors, anchor = builder.apply(draft.schema, request.POST)
    errors = parse_errors + schema_errors(schema, allows_my_number=form.allows_my_number)
    if errors:
        return _render_editor(request, form, draft, schema, errors, status=400)
    services.save_draft(draft, schema, request=request)
    messages.success(request, "下書きを保存しました。")
    return redirect(reverse("forms:staff_edit", args=[form.pk]) + (f"#{anchor}" if anchor else ""))


@staff_required
@require_POST
def staff_edit_json(request, pk: int):
    form = _get_form(request, pk)
    draft = services.get_or_create_draft(form, request.user)
    text = request.POST.get("schema_json", "")
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as exc:
        return _render_editor(
            request,
            form,
            draft,
            draft.schema,
            [],
            json_text=text,
            json_errors=[f"JSON の書き方に誤りがあります（{exc.lineno}行目 {exc.colno}文字目）。"],
            status=400,
        )
    try:
        services.save_draft(draft, schema, request=request)
    except ValidationError as exc:
        return _render_editor(request, form, draft, draft.schema, [], json_text=text, json_errors=list(exc.messages), status=400)
    messages.success(request, "JSON から下書きを保存しました。")
    return redirect("forms:staff_edit", pk=form.pk)


@staff_required
@require_http_methods(["GET", "POST"])
def staff_preview(request, pk: int):
    """Render the draft (or latest version) the way residents will see it; POST validates a page."""
    form = _get_form(request, pk)
    version = form.draft_version() or form.latest_version()
    if version is None:
        raise Http404("このフォームにはまだ定義がありません。")
    engine = FormEngine(version)
    try:
        index = min(max(int(request.GET.get("page", "0")), 0), len(engine.pages) - 1)
    except ValueError:
        index = 0
    answers, errors = {}, {}
    if request.method == "POST":
        result = engine.validate_page(index, request.POST, request.FILES, {}, owner=request)
        answers, errors = result.answers, result.errors
        if result.is_valid:
            messages.success(request, "このページの入力内容に問題はありません（プレビューのため保存はしません）。")
    return render(
        request,
        "forms/staff/preview.html",
        {
            "form_obj": form,
            "version": version,
            "engine": engine,
            "index": index,
            "page": engine.pages[index],
            "fields_html": engine.render_page(request, index, answers, errors, show_title=False),
            "summary": engine.summary(answers) if request.method == "POST" and not errors else [],
        },
    )


@staff_required
@require_POST
def staff_publish(request, pk: int):
    form = _get_form(request, pk)
    draft = form.draft_version()
    if draft is None:
        messages.info(request, "公開する下書きがありません。")
        return redirect("forms:staff_edit", pk=form.pk)
    try:
        validate_schema(draft.schema, allows_my_number=form.allows_my_number)
    except ValidationError as exc:
        return _render_editor(request, form, draft, draft.schema, list(exc.messages), status=400)
    services.publish(draft, request=request)
    messages.success(request, f"第{draft.number}版を公開しました。これから始まる申請はこの版を使います（入力中の申請は元の版のままです）。")
    return redirect("forms:staff_list")


# --------------------------------------------------------------------------- ひな形 (shared templates)
class ShareForm(django_forms.Form):
    description = django_forms.CharField(
        label=_("ひな形の説明"),
        max_length=1000,
        required=False,
        widget=django_forms.Textarea(attrs={"rows": 3}),
        help_text=_("ほかの自治体の職員に、どんな手続の様式かを短く伝えます（1000文字以内）。"),
    )


class CopyForm(django_forms.Form):
    name = django_forms.CharField(label=_("フォーム名"), max_length=200)
    section = django_forms.ModelChoiceField(label=_("担当課"), queryset=Section.objects.none(), required=False, empty_label=_("選んでください"))

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["section"].queryset = _creatable_sections(user)
        self.fields["section"].required = not is_platform_admin(user)
        self.fields["section"].error_messages["required"] = _("「担当課」を選んでください。")
        self.fields["section"].error_messages["invalid_choice"] = _("「担当課」は示された一覧から選んでください。")
        self.fields["name"].error_messages["required"] = _("「フォーム名」を入力してください。")


@staff_required
@require_POST
def staff_share(request, pk: int):
    """「他の自治体に公開する」 / 公開をやめる (only who may change the form)."""
    form = _get_form(request, pk)
    if request.POST.get("action") == "withdraw":
        if sharing.withdraw(form, request=request):
            messages.success(request, _("ひな形の公開をやめました。ほかの自治体の一覧に表示されなくなります（コピー済みのフォームはそのままです）。"))
        return redirect("forms:staff_edit", pk=form.pk)
    share_form = ShareForm(request.POST)
    if share_form.is_valid():
        try:
            template = sharing.share(form, share_form.cleaned_data["description"], request=request)
        except ValidationError as exc:
            add_to_form(share_form, exc, "description")
        else:
            messages.success(request, _("第%(n)s版をひな形としてほかの自治体に公開しました。") % {"n": template.version_number})
            return redirect("forms:staff_edit", pk=form.pk)
    draft = services.get_or_create_draft(form, request.user)
    return _render_editor(request, form, draft, draft.schema, [], share_form=share_form, status=400)


def _preview_pages(request, schema: dict) -> list[dict]:
    engine = FormEngine.from_schema(schema, allows_my_number=True)
    return [{"title": p.title, "html": engine.render_page(request, p.index, {}, {}, show_title=False)} for p in engine.pages]


@staff_required
def staff_templates(request):
    """「ほかの自治体のひな形」: every other city's shared templates (nothing else of theirs)."""
    templates = sharing.shared_templates(exclude_city_id=tenancy.current_id())
    return render(request, "forms/staff/templates.html", {"templates": templates})


@staff_required
@require_http_methods(["GET", "POST"])
def staff_template(request, pk: int):
    """One shared template: a read-only preview and 「この様式をコピーして使う」."""
    template = sharing.shared_template(pk, exclude_city_id=tenancy.current_id())
    if template is None:
        raise Http404("このひな形は見つからないか、公開が終わっています。")
    copy_form = CopyForm(request.POST if request.method == "POST" else None, user=request.user, initial={"name": template.name})
    status = 200
    if request.method == "POST":
        if copy_form.is_valid():
            try:
                form = sharing.copy_template(template, section=copy_form.cleaned_data["section"], name=copy_form.cleaned_data["name"], request=request)
            except ValidationError as exc:
                add_to_form(copy_form, exc, "name")
            else:
                messages.success(request, _("ひな形をコピーして下書きを作りました。内容を確かめ、必要なら直してから公開してください。"))
                return redirect("forms:staff_edit", pk=form.pk)
        status = 400
    return render(
        request,
        "forms/staff/template.html",
        {"template": template, "copy_form": copy_form, "form": copy_form, "preview": _preview_pages(request, template.definition)},
        status=status,
    )


@staff_required
@require_POST
def staff_origin_apply(request, pk: int):
    """Apply the origin's newer shared version as the copy's draft (only on this explicit action)."""
    form = _get_form(request, pk)
    template = sharing.offered_update(form, request.POST.get("version"))
    try:
        draft = sharing.apply_origin_update(form, template, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("forms:staff_edit", pk=form.pk)
    messages.success(
        request,
        _("元の様式の第%(origin)s版を第%(n)s版の下書きに取り込みました。確かめてから公開してください。")
        % {"origin": template.version_number, "n": draft.number},
    )
    return redirect("forms:staff_edit", pk=form.pk)


@staff_required
@require_POST
def staff_origin_dismiss(request, pk: int):
    form = _get_form(request, pk)
    template = sharing.offered_update(form, request.POST.get("version"))
    sharing.dismiss_origin_update(form, template.version_number, request=request)
    messages.info(request, _("第%(n)s版の更新のお知らせを閉じました。さらに新しい版が出たときはまたお知らせします。") % {"n": template.version_number})
    return redirect("forms:staff_edit", pk=form.pk)
