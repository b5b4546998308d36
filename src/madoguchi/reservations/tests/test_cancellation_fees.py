"""取消料と返金: staff see what a cancelled booking owes (never its full fee), record a
取消料 received or a 返金 handed back once (audited, section-scoped), and the resident sees the
same on わたしの予約 and in the cancellation email."""

import datetime as dt

import pytest

from madoguchi.core.models import AuditLog
from madoguchi.reservations import services
from madoguchi.reservations.services import BookingError

from .test_views import _otp_login, _staff

LATE = dt.date(2027, 6, 3)  # 2 days after NOW: past the 3-day deadline, 50 % fee
EARLY = dt.date(2027, 6, 9)
T9, T13 = dt.time(9), dt.time(13)


def test_unpaid_cancellation_fee_recorded_once(unit, resident, now):
    b = services.cancel(services.book(resident, services.HoldRequest(unit, LATE, T9), now=now), resident, now=now)
    assert b.cancellation_fee == 1500 and b.refund_amount == 0 and b.cancellation_fee_due
    assert services.mark_cancellation_fee_paid(b, now=now) is True
    assert services.mark_cancellation_fee_paid(b, now=now + dt.timedelta(minutes=1)) is False  # second click
    b.refresh_from_db()
    assert b.cancellation_fee_paid_at == now and not b.cancellation_fee_due
    with pytest.raises(BookingError) as e:  # nothing to refund: it was never paid
        services.mark_refunded(b)
    assert e.value.rule == "refund"
    free = services.cancel(services.book(resident, services.HoldRequest(unit, EARLY, T9), now=now), resident, now=now)
    with pytest.raises(BookingError) as e:
        services.mark_cancellation_fee_paid(free)
    assert e.value.rule == "cancellation_fee" and "取消料" in e.value.message
    active = services.book(resident, services.HoldRequest(unit, EARLY, T13), now=now)
    with pytest.raises(BookingError):
        services.mark_cancellation_fee_paid(active)


def test_paid_booking_cancelled_records_refund(unit, resident, now, run_tasks, mailoutbox):
    late = services.book(resident, services.HoldRequest(unit, LATE, T9), now=now)
    services.mark_paid(late)
    late = services.cancel(late, resident, now=now)
    # 返金額 = 支払い済みの使用料 3000 − 取消料 1500; the fee is withheld, so it counts as received
    assert late.cancellation_fee == 1500 and late.refund_amount == 1500
    assert late.cancellation_fee_paid_at == now and late.refund_due
    early = services.book(resident, services.HoldRequest(unit, EARLY, T9), now=now)
    services.mark_paid(early)
    early = services.cancel(early, resident, now=now)
    assert early.cancellation_fee == 0 and early.refund_amount == 3000
    run_tasks()
    body = next(m.body for m in mailoutbox if late.code in m.body and "取り消しました" in m.body)
    assert "返金額: 1,500円" in body and "差し引きます" in body and "窓口でお支払いください" not in body
    body = next(m.body for m in mailoutbox if early.code in m.body and "取り消しました" in m.body)
    assert "返金額: 3,000円" in body and "全額" in body
    assert services.mark_refunded(late, now=now) is True and services.mark_refunded(late, now=now) is False
    late.refresh_from_db()
    assert late.refunded_at == now and not late.refund_due


def test_staff_day_list_shows_and_records_fees_and_refunds(client, unit, resident, now, section, other_section, django_user_model):
    unpaid = services.cancel(services.book(resident, services.HoldRequest(unit, LATE, T9), now=now), resident, now=now)
    paid = services.book(resident, services.HoldRequest(unit, LATE, T13), now=now)
    services.mark_paid(paid)
    paid = services.cancel(paid, resident, now=now)
    url = f"/reservations/staff/facilities/{unit.facility_id}/?date={LATE.isoformat()}"
    _otp_login(client, _staff(django_user_model, section))
    html = client.get(url).content.decode()
    assert "窓口で支払い" not in html and "3000円" not in html
    assert "取消料 1500円（未収）" in html and "取消料 1500円（収納済）" in html and "返金額 1500円（未返金）" in html
    assert 'value="cancellation_fee_paid"' in html and 'value="refunded"' in html and "csrfmiddlewaretoken" in html
    home = client.get("/reservations/staff/").content.decode()
    assert "取消料の未収・返金待ち" in home and unpaid.code in home and paid.code in home
    assert AuditLog.objects.filter(action=AuditLog.Action.VIEW, detail__list="cancellation_settlements").exists()

    for _ in range(2):  # two clicks record once
        r = client.post(url, {"action": "cancellation_fee_paid", "booking": unpaid.pk}, follow=True)
    assert "記録済みです" in r.content.decode() and "取消料 1500円（収納済）" in r.content.decode()
    for _ in range(2):
        r = client.post(url, {"action": "refunded", "booking": paid.pk}, follow=True)
    html = r.content.decode()
    assert "返金額 1500円（返金済）" in html and "返金済みにする" not in html and "取消料を収納" not in html
    updates = AuditLog.objects.filter(action=AuditLog.Action.UPDATE)
    assert updates.filter(detail__cancellation_fee=1500).count() == 1 and updates.filter(detail__refund=1500).count() == 1
    assert unpaid.code not in client.get("/reservations/staff/").content.decode()

    # another section's staff cannot see or record
    other = services.cancel(services.book(resident, services.HoldRequest(unit, EARLY, T9), now=now), resident, now=now)
    _otp_login(client, _staff(django_user_model, other_section))
    assert client.post(url, {"action": "cancellation_fee_paid", "booking": other.pk}).status_code == 404


def test_fee_free_cancellation_owes_nothing(client, unit, resident, now, section, django_user_model):
    b = services.cancel(services.book(resident, services.HoldRequest(unit, EARLY, T9), now=now), resident, now=now)
    _otp_login(client, _staff(django_user_model, section))
    html = client.get(f"/reservations/staff/facilities/{unit.facility_id}/?date={EARLY.isoformat()}").content.decode()
    assert b.code in html and "取消料なし" in html and "窓口で支払い" not in html and "3000円" not in html
    r = client.post(
        f"/reservations/staff/facilities/{unit.facility_id}/?date={EARLY.isoformat()}", {"action": "cancellation_fee_paid", "booking": b.pk}, follow=True
    )
    assert "取消料のかからない予約です" in r.content.decode()


def test_my_bookings_show_fee_and_refund(client, unit, resident, now):
    unpaid = services.cancel(services.book(resident, services.HoldRequest(unit, LATE, T9), now=now), resident, now=now)
    paid = services.book(resident, services.HoldRequest(unit, EARLY, T9), now=now)
    services.mark_paid(paid)
    client.force_login(resident)
    assert "返金額" in client.get(f"/reservations/bookings/{paid.code}/cancel/").content.decode()
    services.cancel(paid, resident, now=now)
    html = client.get("/reservations/my/").content.decode()
    assert "取消料 1500円" in html and "未払い：施設の窓口でお支払いください" in html
    assert "返金額 3000円" in html and "施設の窓口でお受け取りください" in html
    services.mark_refunded(paid)
    services.mark_cancellation_fee_paid(unpaid)
    html = client.get("/reservations/my/").content.decode()
    assert "（返金済み）" in html and "（お支払い済み）" in html and "未払い" not in html
