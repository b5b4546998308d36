"""The payments app's contribution to ``core.registry.payment_providers``: each provider lives
in ``payments/contrib/<provider>/`` and is registered here (one line per provider)."""

from madoguchi.core.registry import payment_providers

from .contrib.counter.provider import CounterProvider
from .contrib.demo.provider import DemoProvider
from .contrib.paypay.provider import PayPayProvider
from .contrib.slip.provider import SlipProvider
from .contrib.stripe.provider import StripeProvider

payment_providers.register("demo", DemoProvider)
payment_providers.register("counter", CounterProvider)
payment_providers.register("stripe", StripeProvider)
payment_providers.register("paypay", PayPayProvider)
payment_providers.register("slip", SlipProvider)
