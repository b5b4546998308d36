"""Property-based API test: schemathesis generates requests for every operation in the OpenAPI
schema (/api/openapi.json) and fails on any 5xx."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from madoguchi.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.mark.django_db
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_answers_5xx(case, demo):
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])
