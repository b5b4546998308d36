"""Reservation free text (利用目的, 団体名, 代表者, 活動内容, 相談内容) refuses a マイナンバー in any
of its common spellings (issue #11 item 2), and a path that skips the forms never stores one."""

from __future__ import annotations

import pytest

from madoguchi.core.codes import my_number_check_digit
from madoguchi.core.validation import my_number_message
from madoguchi.reservations.forms import ConfirmForm, GroupForm, VisitForm

pytestmark = pytest.mark.django_db

NUMBER = "12345678901" + str(my_number_check_digit("12345678901"))
SPELLED = f"{NUMBER[:4]}ー{NUMBER[4:8]}ー{NUMBER[8:]}"
WIDE = "\u3000".join([NUMBER[:4], NUMBER[4:8], NUMBER[8:]]).translate(str.maketrans("0123456789", "０１２３４５６７８９"))


@pytest.mark.parametrize("field", ["name", "representative", "activity"])
def test_group_form_refuses_a_my_number(city, field):
    data = {"name": "緑野ダンスの会", "representative": "窓口 花子", "member_count": "10", "resident_share": "80", "activity": "練習"}
    data[field] = f"{data[field]} {WIDE}"
    form = GroupForm(data)
    assert not form.is_valid()
    assert form.errors[field] == [my_number_message()]


def test_booking_and_visit_forms_refuse_a_my_number(city):
    form = ConfirmForm({"purpose": f"会議 {SPELLED}", "attendees": "3", "exemption_reason": ""})
    assert not form.is_valid() and form.errors["purpose"] == [my_number_message()]
    form = ConfirmForm({"purpose": "会議 2026-12-04 10:00 電話 03-1234-5678", "attendees": "3"})
    assert "purpose" not in form.errors
    form = VisitForm({"start": "10:00", "mode": "in_person", "procedure": f"転入届 {NUMBER}"})
    assert not form.is_valid() and "procedure" in form.errors


def test_a_path_without_the_form_stores_it_masked(city, resident):
    from madoguchi.reservations.models import Group

    group = Group(municipality=city, owner=resident, name="会", representative=f"代表 {SPELLED}", member_count=3, resident_share=100)
    group.save()
    group.refresh_from_db()
    assert group.representative == "代表 [個人番号]"
