"""Accounts API: the signed-in user's profile (GET/PUT /api/accounts/me)."""

from __future__ import annotations

import datetime as dt

from ninja import Router, Schema
from ninja.security import django_auth

from madoguchi.core.wareki import format_wareki

router = Router(tags=["accounts"])


class ProfileOut(Schema):
    email: str
    email_verified: bool
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date: dt.date | None
    birth_date_wareki: str
    postal_code: str
    address: str
    address_building: str
    phone: str
    is_staff: bool


class ProfileIn(Schema):
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    birth_date: str = ""
    postal_code: str = ""
    address: str = ""
    address_building: str = ""
    phone: str = ""


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    detail: str
    errors: list[FieldError] = []


def _out(user) -> dict:
    return {
        "email": user.email,
        "email_verified": user.email_verified,
        "family_name": user.family_name,
        "given_name": user.given_name,
        "family_name_kana": user.family_name_kana,
        "given_name_kana": user.given_name_kana,
        "birth_date": user.birth_date,
        "birth_date_wareki": format_wareki(user.birth_date),
        "postal_code": user.postal_code,
        "address": user.address,
        "address_building": user.address_building,
        "phone": user.phone,
        "is_staff": user.is_staff,
    }


@router.get("/me", response={200: ProfileOut}, auth=django_auth, summary="自分の登録情報")
def me(request):
    return _out(request.user)


@router.put("/me", response={200: ProfileOut, 422: ErrorOut}, auth=django_auth, summary="自分の登録情報を更新")
def update_me(request, payload: ProfileIn):
    """Same rules as the profile page (ふりがな, 和暦の生年月日, 郵便番号, 電話)."""
    from .forms import ProfileForm

    data = payload.dict()
    data["birth_date_text"] = data.pop("birth_date")
    form = ProfileForm(data=data, instance=request.user)
    if not form.is_valid():
        errors = [{"field": "birth_date" if k == "birth_date_text" else k, "message": str(m)} for k, msgs in form.errors.items() for m in msgs]
        return 422, {"detail": "入力内容に誤りがあります。", "errors": errors}
    form.save()
    return 200, _out(request.user)
