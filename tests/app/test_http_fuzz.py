"""schemathesis throws generated requests at the real server's OpenAPI: no 500, every answer
documented and shaped as its schema says."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance

from tests.app.server import Server


def test_the_http_api_survives_generated_requests(server: Server) -> None:
    schema = schemathesis.openapi.from_url(f"{server.http}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        def check(case: schemathesis.Case) -> None:
            # Cross-field rules (a no-consensus round within the rounds, a join code that exists)
            # cannot live in a JSON schema, so a schema-valid request may rightly get a 4xx.
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        check()
