"""JSON API of online applications (mounted at /api/applications/).

Residents: read the catalogue and form definitions, submit (with an ``Idempotency-Key`` header so
a retry never creates a second case), read their own cases. Staff (signed in with TOTP): their
section's inbox and status changes. Every handler answers 4xx on bad input, never 5xx.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuid_lib

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import Field, Header, Query, Router, Schema
from ninja.security import django_auth

from madoguchi.core import audit, validation
from madoguchi.core.api_auth import is_staff_verified
from madoguchi.core.models import AuditLog
from madoguchi.core.permissions import can

from . import queries, services
from .models import LifeEvent, Procedure, Submission

router = Router(tags=["applications"])


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}


class ProcedureOut(Schema):
    slug: str
    name: str
    name_kana: str
    summary: str
    section: str
    life_events: list[str]
    eligibility: str
    required_documents: list[str]
    fee: int
    fee_note: str
    processing_time: str
    online: bool
    can_apply_online: bool
    identity_assurance: str
    retention_years: int
    form_id: int | None
    external_url: str

    @staticmethod
    def resolve_section(obj):
        return obj.section.name

    @staticmethod
    def resolve_life_events(obj):
        return [e.slug for e in obj.life_events.all()]

    @staticmethod
    def resolve_required_documents(obj):
        return obj.documents_list


class SubmissionIn(Schema):
    answers: dict = Field(..., description="回答（フォーム定義の key → 値。SCHEMA.md の形式）")


class SubmissionOut(Schema):
    id: uuid_lib.UUID = Field(..., alias="uuid")
    procedure: str
    receipt_number: str | None
    status: str
    status_label: str
    channel: str
    submitted_at: dt.datetime | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_procedure(obj):
        return obj.procedure.slug

    @staticmethod
    def resolve_status_label(obj):
        return str(obj.get_status_display())


class StaffSubmissionOut(SubmissionOut):
    applicant_name: str
    assignee: str | None

    @staticmethod
    def resolve_assignee(obj):
        return str(obj.assignee) if obj.assignee else None


class StatusIn(Schema):
    to_status: str = Field(..., max_length=12)
    comment: str = Field("", max_length=2000)


class LifeEventOut(Schema):
    slug: str
    name: str


@router.get("/life-events", response=list[LifeEventOut], summary="ライフイベントの一覧")
def life_events(request):
    return LifeEvent.objects.all()


@router.get("/procedures", response=list[ProcedureOut], summary="手続の一覧・検索")
def procedures(request, q: str = Query("", max_length=100), life_event: str = Query("", max_length=50), online_only: bool = False):
    event = LifeEvent.objects.filter(slug=life_event).first() if life_event else None
    return services.catalogue(q=q, life_event=event, online_only=online_only)[:200]


@router.get("/procedures/{slug}", response={200: ProcedureOut, 404: ErrorOut}, summary="手続の詳細")
def procedure(request, slug: str):
    found = Procedure.objects.filter(slug=slug[:80], is_published=True).first()
    if found is None:
        return 404, {"detail": "手続が見つかりません。"}
    return 200, found


@router.post(
    "/procedures/{slug}/submissions",
    auth=django_auth,
    response={200: SubmissionOut, 201: SubmissionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="申請する（Idempotency-Key で二重申請を防止）",
)
def submit(request, slug: str, payload: SubmissionIn, idempotency_key: str = Header("", alias="Idempotency-Key", max_length=64)):
    found = queries.published_procedure(slug[:80])  # procedure, section, form and version in one read
    if found is None:
        return 404, {"detail": "手続が見つかりません。"}
    procedure, version = found
    key = f"{request.user.pk}:{idempotency_key}"[:64] if idempotency_key else None
    if procedure.identity_assurance != Procedure.Assurance.NONE and not request.user.email_verified:
        return 403, {"detail": "メールアドレスの確認が済んでいません。"}
    if procedure.identity_assurance in Procedure.STRICT:  # the card / gBizID sign-in is a browser flow
        return 403, {"detail": "この手続は本人確認（マイナンバーカード・gBizID）が必要なため、ウェブの画面から申請してください。"}
    if procedure.requires_signature:  # the card's signature is a browser flow (identity app)
        return 403, {"detail": "この手続はマイナンバーカードによる電子署名が必要なため、ウェブの画面から申請してください。"}
    from madoguchi.forms.models import Upload

    ids = services.upload_ids(payload.answers)
    if ids and Upload.objects.filter(pk__in=ids).exclude(owner=request.user).exists():
        return 400, {"detail": "添付ファイルの指定が正しくありません。ご自身がアップロードしたファイルを指定してください。"}
    try:
        case = services.new_submission(procedure, payload.answers, user=request.user, version=version)
        # A repeated Idempotency-Key meets the unique key on INSERT and gets the first case back.
        submission = services.submit(case, actor=request.user, request=request, idempotency_key=key)
    except ValidationError as exc:
        errors = validation.as_dict(exc)
        return 422, {"detail": "入力内容に不備があります。", "errors": errors} if errors else {"detail": exc.messages[0]}
    except Exception as exc:  # malformed answers of the wrong JSON shape
        if isinstance(exc, (TypeError, AttributeError, KeyError)):
            return 422, {"detail": "回答の形式が正しくありません。フォーム定義（SCHEMA.md）の形式で送ってください。"}
        raise
    return (201 if submission is case else 200), submission


@router.get("/my/submissions", auth=django_auth, response=list[SubmissionOut], summary="自分の申請の一覧と状況")
def my_submissions(request):
    return Submission.objects.filter(applicant=request.user).exclude(status=Submission.Status.DRAFT).select_related("procedure")


@router.get("/my/submissions/{submission_id}", auth=django_auth, response={200: SubmissionOut, 404: ErrorOut}, summary="自分の申請の状況")
def my_submission(request, submission_id: uuid_lib.UUID):
    found = Submission.objects.filter(uuid=submission_id, applicant=request.user).select_related("procedure").first()
    if found is None:
        return 404, {"detail": "申請が見つかりません。"}
    return 200, found


def _staff_or_403(request):
    if not is_staff_verified(request.user):
        raise PermissionDenied("職員として二要素認証でログインしてください。")


@router.get("/staff/submissions", auth=django_auth, response={200: list[StaffSubmissionOut], 403: ErrorOut}, summary="担当課の受付箱（職員）")
def staff_submissions(request, status: str = Query("", max_length=12), procedure: str = Query("", max_length=80), q: str = Query("", max_length=100)):
    try:
        _staff_or_403(request)
    except PermissionDenied as exc:
        return 403, {"detail": str(exc)}
    proc = Procedure.objects.filter(slug=procedure).first() if procedure else None
    qs = services.inbox(request.user, procedure=proc, status=status if status in Submission.Status.values else None, q=q)[:500]
    rows = list(qs)
    audit.record(AuditLog.Action.VIEW, None, request=request, target_label="申請一覧（API）", detail={"submissions": [s.pk for s in rows]})
    return 200, rows


@router.post(
    "/staff/submissions/{submission_id}/status",
    auth=django_auth,
    response={200: StaffSubmissionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="申請の状態を変更（職員）",
)
def staff_change_status(request, submission_id: uuid_lib.UUID, payload: StatusIn):
    try:
        _staff_or_403(request)
    except PermissionDenied as exc:
        return 403, {"detail": str(exc)}
    found = Submission.objects.filter(uuid=submission_id).exclude(status=Submission.Status.DRAFT).select_related("procedure").first()
    if found is None or not can(request.user, "view", found):
        return 404, {"detail": "申請が見つかりません。"}
    if payload.to_status not in Submission.Status.values:
        return 400, {"detail": "変更後の状態（to_status）が正しくありません。"}
    try:
        services.change_status(found, payload.to_status, actor=request.user, comment=payload.comment, request=request)
    except ValidationError as exc:
        return 400, {"detail": exc.messages[0]}
    except PermissionDenied as exc:
        return 403, {"detail": str(exc)}
    found.refresh_from_db()
    return 200, found
