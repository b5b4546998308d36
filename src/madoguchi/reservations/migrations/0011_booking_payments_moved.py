"""Issue #15: a booking's payment state moves to the payments app.

Forward: every booking's paid 使用料, 取消料 (and its 収納), 返金額 and 返金日時 become
``payments.Payment`` / ``Refund`` rows linked to the booking (generic link), by the counter
provider (the only way a booking could be paid before), every amount kept:

- paid 使用料 → Payment 施設使用料, 支払済, provider counter (paid at the booking's confirmation
  time: the old column kept no time of receipt — said on the event);
- 取消料 withheld from a paid 使用料 → Payment 取消料 支払済 (method withheld) and a completed
  振替 Refund of that amount on the 使用料 payment;
- 取消料 of an unpaid booking → Payment 取消料, 支払済 at its 収納日時 or 未払 (payable 30 days);
- 返金額 → a 規則による返金 Refund on the 使用料 payment, 返金済 at 返金日時 or 承認待ち.

Unpaid fees of active bookings get no row here: the payment is made when first needed (as for
new bookings). Then the five columns are dropped.

Backward (reversible): the columns come back and are filled from those payments (fee 0 →
支払い不要, a settled 使用料 → 支払い済み, the rest 窓口で支払い), and the payments linked to
bookings are deleted with their events and refunds — including any made after the forward
step (their amounts are written back to the columns first; online payments lose their
provider details, which the old columns had no place for).
"""

import datetime as dt

from django.db import migrations
from django.db.models import Q
from django.utils import timezone

USAGE, CANCELLATION = "施設使用料", "取消料"
NOTE = "予約の支払い状態から移行（reservations 0011）"


class _Refs:
    """支払番号 for the moved rows: 団体コード-YYYYMMDD-連番 on the day of the migration, through
    the same per-city counter the payments app uses (so later numbers never collide)."""

    def __init__(self, apps, db):
        self.seq_model = apps.get_model("payments", "MerchantSequence")
        self.db = db
        self.day = timezone.localdate()
        self.rows = {}

    def next(self, municipality) -> str:
        seq = self.rows.get(municipality.pk)
        if seq is None:
            seq, _ = self.seq_model.objects.using(self.db).get_or_create(municipality_id=municipality.pk, day=self.day)
            self.rows[municipality.pk] = seq
        seq.value += 1
        return f"{municipality.code}-{self.day:%Y%m%d}-{seq.value:05d}"

    def save(self):
        for seq in self.rows.values():
            seq.save(update_fields=["value"])


def forward(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    tenancy.set_database_city(None, using=db)  # every city's rows (row-level security)
    Booking = apps.get_model("reservations", "Booking")
    Payment = apps.get_model("payments", "Payment")
    Event = apps.get_model("payments", "PaymentEvent")
    Refund = apps.get_model("payments", "Refund")
    ContentType = apps.get_model("contenttypes", "ContentType")
    ct, _ = ContentType.objects.using(db).get_or_create(app_label="reservations", model="booking")
    refs = _Refs(apps, db)
    moving = Q(payment="paid", fee__gt=0) | Q(cancellation_fee__gt=0) | Q(refund_amount__gt=0)
    for b in Booking.objects.using(db).filter(moving).select_related("municipality", "unit__facility", "user").order_by("pk").iterator():
        when = b.confirmed_at or b.created_at
        ends_at = timezone.make_aware(dt.datetime.combine(b.date, b.end))

        def payment(purpose, amount, status, paid_at, pay_by, method, _b=b):
            p = Payment.objects.using(db).create(
                municipality_id=_b.municipality_id, content_type=ct, object_id=str(_b.pk), purpose=purpose, section_id=_b.unit.facility.section_id,
                amount=amount, payer_id=_b.user_id, payer_name=f"{_b.user.family_name} {_b.user.given_name}".strip()[:100], payer_email=_b.user.email,
                provider="counter", provider_reference=f"counter-moved-{purpose == USAGE and 'u' or 'c'}{_b.pk}" if paid_at else "",
                merchant_reference=refs.next(_b.municipality), pay_by=pay_by, status=status, paid_at=paid_at,
            )  # fmt: skip
            event(p, "pending", "pending", {"booking": _b.pk}, "支払を作成（" + NOTE + "）")
            if paid_at:
                event(p, "pending", "paid", {"method": method, "booking": _b.pk}, f"窓口払い（{NOTE}）")
            return p

        def event(p, frm, to, payload, note):
            Event.objects.using(db).create(
                municipality_id=p.municipality_id, payment=p, from_status=frm, to_status=to, provider="counter", payload=payload, note=note[:200]
            )

        def refund(p, kind, amount, decided_at, reason, _b=b):
            status = "completed" if decided_at else "requested"
            r = Refund.objects.using(db).create(
                municipality_id=p.municipality_id, payment=p, kind=kind, amount=amount, reason=reason, requested_by_id=_b.user_id, status=status, decided_at=decided_at
            )  # fmt: skip
            if decided_at:
                p.refunded_amount += amount
                to = "refunded" if p.refunded_amount >= p.amount else "partially_refunded"
                event(p, p.status, to, {"refund": r.pk, "kind": kind}, f"{'振替' if kind == 'transfer' else '返金'} {amount:,}円（{NOTE}）")
                p.status = to
                p.save(update_fields=["refunded_amount", "status"])

        usage = None
        if b.payment == "paid" and b.fee > 0:
            usage = payment(USAGE, b.fee, "paid", when, b.pay_deadline or ends_at, "cash")
        if b.cancellation_fee > 0:
            cf_paid_at = b.cancellation_fee_paid_at or (b.cancelled_at or when if usage is not None else None)
            pay_by = (b.cancelled_at or timezone.now()) + dt.timedelta(days=30)
            cf = payment(CANCELLATION, b.cancellation_fee, "paid" if cf_paid_at else "pending", cf_paid_at, pay_by, "withheld" if usage else "cash")
            if usage is not None:
                refund(usage, "transfer", cf.amount, cf_paid_at, f"予約 {b.code} の取消料（お支払い済みの使用料から差し引き）")
        if b.refund_amount > 0:
            if usage is None:  # a refund without a recorded payment: the fee was paid all the same
                usage = payment(USAGE, max(b.fee, b.refund_amount), "paid", when, b.pay_deadline or ends_at, "cash")
            refund(usage, "rule", b.refund_amount, b.refunded_at, f"予約 {b.code} の取消による返金（使用料 − 取消料）")
    refs.save()


def backward(apps, schema_editor):
    from madoguchi.core import tenancy

    db = schema_editor.connection.alias
    tenancy.set_database_city(None, using=db)
    Booking = apps.get_model("reservations", "Booking")
    Payment = apps.get_model("payments", "Payment")
    Event = apps.get_model("payments", "PaymentEvent")
    Refund = apps.get_model("payments", "Refund")
    Anomaly = apps.get_model("payments", "NotificationAnomaly")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Booking.objects.using(db).filter(fee=0).update(payment="not_required")
    ct = ContentType.objects.using(db).filter(app_label="reservations", model="booking").first()
    if ct is None:
        return
    settled = ("paid", "partially_refunded", "refunded")
    payments = Payment.objects.using(db).filter(content_type=ct).order_by("created_at", "pk")
    for p in payments.iterator():
        b = Booking.objects.using(db).filter(pk=int(p.object_id)).first()
        if b is None:
            continue
        if p.purpose == USAGE and p.status in settled:
            b.payment = "paid"
            rule = list(Refund.objects.using(db).filter(payment=p).exclude(kind="transfer").exclude(status="rejected"))
            if rule:
                b.refund_amount = sum(r.amount for r in rule)
                done = [r.decided_at for r in rule if r.status == "completed"]
                b.refunded_at = max(done) if len(done) == len(rule) else None
        elif p.purpose == CANCELLATION and p.status != "cancelled":
            b.cancellation_fee = p.amount
            b.cancellation_fee_paid_at = p.paid_at if p.status in settled else None
        b.save(update_fields=["payment", "refund_amount", "refunded_at", "cancellation_fee", "cancellation_fee_paid_at"])
    ids = list(payments.values_list("pk", flat=True))
    Anomaly.objects.using(db).filter(payment_id__in=ids).update(payment=None)
    Event.objects.using(db).filter(payment_id__in=ids).delete()
    Refund.objects.using(db).filter(payment_id__in=ids).delete()
    Payment.objects.using(db).filter(pk__in=ids).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0003_refund_kind"),
        ("reservations", "0010_calendar_version"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.RemoveField(model_name="booking", name="cancellation_fee"),
        migrations.RemoveField(model_name="booking", name="cancellation_fee_paid_at"),
        migrations.RemoveField(model_name="booking", name="payment"),
        migrations.RemoveField(model_name="booking", name="refund_amount"),
        migrations.RemoveField(model_name="booking", name="refunded_at"),
    ]
