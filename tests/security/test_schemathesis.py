"""A tool nobody here wrote attacks the API: schemathesis reads /api/v1/openapi.json and generates requests for
every operation, valid and invalid ones. Every answer must not be a 5xx and must match the document.

Bounded so that CI stays fast: a fixed number of examples per operation (fewer for the one that files complaints),
a deadline per request, derandomized so a failure repeats. Runs on SQLite, and on PostgreSQL with TEST_DATABASE_URL.
Rate limits are off here: a 429 after a few requests would hide everything behind it.
"""
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import file_complaint

CHECKS = [not_a_server_error, response_schema_conformance]
# Filing a complaint is the slow operation (and each one stores rows): fewer examples there.
MAX_EXAMPLES = {"POST /complaints": 20}
DEFAULT_MAX_EXAMPLES = 50
BOUNDED = {"deadline": 3000, "derandomize": True, "database": None, "print_blob": True,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.filter_too_much,
                                     HealthCheck.function_scoped_fixture]}


@pytest.fixture
def api_app(app_with):
    """The app with rate limits off and a fresh database per engine."""
    return app_with(RATELIMIT_ENABLED=False)


def _schema(app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)


def _known(app):
    """Path values that exist, so generated requests also reach past the 404s: a filed complaint, an article, a
    channel."""
    reference, code = file_complaint(app)
    client = app.test_client()
    channel = client.get("/api/v1/channels").get_json()["channels"][0]["id"]
    slug = client.get("/api/v1/search?q=退款").get_json()["results"][0]["slug"]
    return {"reference": reference, "slug": slug, "channel_id": channel}, {"X-Access-Code": code}


def _strategies(schema, operation, known, headers):
    """Valid and invalid generated requests, the document's own examples, and valid ones on existing paths."""
    valid = operation.as_strategy(GenerationMode.POSITIVE)
    strategies = [valid, operation.as_strategy(GenerationMode.NEGATIVE), *schema.get_strategies_from_examples(operation)]
    names = set(operation.path_parameters.keys() if hasattr(operation.path_parameters, "keys") else
                [p.name for p in operation.path_parameters])
    if names & set(known):
        def existing(case):
            case.path_parameters = {**case.path_parameters, **{n: known[n] for n in names & set(known)}}
            case.headers = {**(case.headers or {}), **headers}
            return case
        strategies.append(valid.map(existing))
    return st.one_of(strategies)


def _attack(schema, operation, known, headers):
    """Run generated requests against one operation; raise on the first failed check."""
    @settings(max_examples=MAX_EXAMPLES.get(operation.label, DEFAULT_MAX_EXAMPLES), **BOUNDED)
    @given(case=_strategies(schema, operation, known, headers))
    def attack(case):
        case.call_and_validate(checks=CHECKS)

    attack()


def test_every_operation_answers_as_documented(api_app, subtests):
    schema = _schema(api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # the document lists every route of /api/v1
    known, headers = _known(api_app)
    for operation in operations:
        with subtests.test(operation.label):
            _attack(schema, operation, known, headers)
