"""窓口払い (counter): the resident pays cash or at the counter's terminal; staff record it
(``services.record_counter_payment``: who, when, how). Nothing is sent anywhere."""

from __future__ import annotations

from madoguchi.core.registry import PaymentProvider


class CounterProvider(PaymentProvider):
    label = "窓口払い"
    resident_selectable = False  # recorded by staff, never chosen on the pay page
    refund_moves_money = False  # staff hand it back in cash (payments.adjustments)

    def start_checkout(self, payment, return_url: str) -> str:
        raise NotImplementedError("窓口払いは職員が記録します。")

    def query_status(self, payment) -> str | None:
        return payment.status  # the platform's record is the only record

    def refund(self, payment, amount: int) -> str:
        return ""  # paid back in cash at the counter; the Refund row is the record
