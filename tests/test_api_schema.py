"""Property-based API test: schemathesis generates requests for every operation in the OpenAPI
schema (/api/openapi.json) and fails on any 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from madoguchi.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def _keep_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose close_old_connections
    would close the test's transaction-wrapped PostgreSQL connection mid-test; Django's own test
    Client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case, demo):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
