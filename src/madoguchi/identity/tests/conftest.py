import pytest

from madoguchi.identity import oidc
from madoguchi.identity.demo_provider import op
from madoguchi.identity.testing import DjangoClientAdapter


@pytest.fixture(autouse=True)
def oidc_transport(monkeypatch, settings):
    """Every OIDC request goes into the test client; caches and the demo OP start empty."""
    settings.IDENTITY_DEMO_PROVIDER = True
    # The deployment's default registration: the demo OP (a city's own registration overrides it).
    settings.MADOGUCHI_PROVIDERS = {"identity": {"digital_auth_app": {"demo": True}, "gbizid": {"demo": True}}}
    adapter = DjangoClientAdapter()
    monkeypatch.setattr(oidc, "transport_adapter", adapter)
    oidc.clear_caches()
    op.reset()
    yield adapter
    oidc.clear_caches()
    op.reset()
