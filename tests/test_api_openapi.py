"""The OpenAPI 3.1 document covers every /api/v1 rule, its examples and real answers match it, and /api shows it."""
import re
from html.parser import HTMLParser

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from openapi_spec_validator.validation import OpenAPIV31SpecValidator

from app.api import schemas
from tests.factories import VALID_COMPLAINT, file_complaint, make_complaint, staff_act_on

IGNORED_METHODS = {"HEAD", "OPTIONS"}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def operations(document):
    """Yield (path, method, operation) for every documented operation."""
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def undocumented(app, document):
    """Return "METHOD /path" for every /api/v1 rule and method the document lacks."""
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        documented = document["paths"].get(path, {})
        missing += [f"{m} {path}" for m in sorted(rule.methods - IGNORED_METHODS) if m.lower() not in documented]
    return missing


def validator(document, schema):
    """A JSON Schema 2020-12 validator for `schema` whose `#/components/...` references resolve in `document`."""
    return Draft202012Validator({**schema, "components": document["components"]})


def answer_schema(document, path, method, status):
    return document["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def test_the_document_is_valid_openapi_3_1(document):
    assert document["openapi"] == "3.1.0"
    validate_spec(document, cls=OpenAPIV31SpecValidator)


def test_every_api_rule_is_documented_with_its_methods(app, document):
    assert undocumented(app, document) == []


def test_an_undocumented_rule_is_caught(app):
    app.add_url_rule("/api/v1/undocumented/<int:n>", "undocumented", lambda n: {}, methods=["GET", "DELETE"])
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    assert undocumented(app, document) == ["DELETE /undocumented/{n}", "GET /undocumented/{n}"]


def test_every_documented_operation_exists(app, document):
    rules = {re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", r.rule.removeprefix("/api/v1")): r.methods
             for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    assert [(p, m) for p, m, _ in operations(document) if m.upper() not in rules.get(p, set())] == []


def test_every_operation_has_an_example_and_error_answers_in_the_one_envelope(document):
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for _, _, operation in operations(document):
        answers = operation["responses"]
        success = [a["content"]["application/json"] for code, a in answers.items() if code.startswith("2")]
        assert [content for content in success if "example" in content]
        assert "default" in answers and {"500", "503"} <= set(answers)
        errors = [a for code, a in answers.items() if code[0] in "45" or code == "default"]
        for answer in errors:
            resolved = document["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
            assert resolved["content"]["application/json"]["schema"] == envelope


def test_every_documented_example_validates_against_its_schema(document):
    checked = 0
    for _, _, operation in operations(document):
        for answer in operation["responses"].values():
            content = answer.get("content", {}).get("application/json", {})
            if "example" in content:
                validator(document, content["schema"]).validate(content["example"])
                checked += 1
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body:
            validator(document, body["schema"]).validate(body["example"])
        for param in operation["parameters"]:
            validator(document, param["schema"]).validate(param["example"])
    for answer in document["components"]["responses"].values():
        content = answer["content"]["application/json"]
        schemas.ErrorEnvelope.model_validate(content["example"])
        validator(document, content["schema"]).validate(content["example"])
    assert checked == len(list(operations(document)))


def test_examples_also_pass_the_pydantic_models(document):
    """The models are the serialiser: an example they refuse could never be served."""
    for _, _, operation in operations(document):
        for answer in operation["responses"].values():
            content = answer.get("content", {}).get("application/json", {})
            ref = content.get("schema", {}).get("$ref")
            if ref and "example" in content:
                getattr(schemas, ref.rsplit("/", 1)[1]).model_validate(content["example"])


@pytest.fixture
def real_answers(app, client):
    """Call every operation once with real data; return [(path, method, status, body)]."""
    with app.app_context():
        decided, _ = make_complaint(consent_publish=True)
        staff_act_on(decided, "resolve", outcome="replacement", body="已补发")
    reference, code = file_complaint(app)
    secret = {"X-Access-Code": code}
    calls = [
        ("/channels", "get", {}), ("/channels", "get", {"query_string": {"at": "2026-10-01T10:00:00+08:00"}}),
        ("/channels/verify", "get", {"query_string": {"value": "400-618-5200"}}),
        ("/channels/{channel_id}/week", "get", {"path": {"channel_id": "hotline"}}),
        ("/complaints/categories", "get", {}),
        ("/complaints", "post", {"json": {**VALID_COMPLAINT, "consent_privacy": True}}),
        ("/complaints/{reference}", "get", {"path": {"reference": reference}}),
        ("/complaints/{reference}", "get", {"path": {"reference": reference}, "headers": secret}),
        ("/complaints/{reference}/messages", "post", {"path": {"reference": reference}, "headers": secret,
                                                      "json": {"body": "补充：订单截图稍后上传。"}}),
        ("/search", "get", {"query_string": {"q": "退款", "limit": 3}}),
        ("/articles/{slug}", "get", {"path": {"slug": "refund-policy"}}),
        ("/outcomes", "get", {}), ("/stats", "get", {}), ("/stats", "get", {"query_string": {"from": "2026-01"}}),
        ("/openapi.json", "get", {}),
    ]
    answers = []
    for path, method, options in calls:
        url = "/api/v1" + path.format(**options.pop("path", {}))
        response = getattr(client, method)(url, **options)
        assert response.status_code < 300 and response.mimetype == "application/json", (url, response.data)
        answers.append((path, method, response.status_code, response.get_json()))
    return answers


def test_real_answers_of_every_operation_validate_against_the_document(document, real_answers):
    for path, method, status, body in real_answers:
        validator(document, answer_schema(document, path, method, status)).validate(body)
    assert {(p, m) for p, m, _, _ in real_answers} == {(p, m) for p, m, _ in operations(document)}
    outcomes = next(body for path, _, _, body in real_answers if path == "/outcomes")
    assert outcomes["items"], "a published outcome was validated, not only an empty page"


def test_answers_keep_exactly_the_keys_the_view_built(client):
    body = client.get("/api/v1/channels/verify", query_string={"value": "400-618-5200"}).get_json()
    assert set(body) == {"official", "channel", "known_fake", "warning"}


def test_a_view_publishing_an_undocumented_field_fails_loudly(app_context):
    with pytest.raises(ValueError, match="(?i)extra"):
        schemas.dump(schemas.ChannelVerdict, {"official": True, "channel": "hotline", "known_fake": False,
                                              "warning": None, "internal_note": "leaked"})


def test_later_timing_phases_of_the_same_shape_validate():
    timings = {"first_response": {"median_hours": 1.0}, "resolution": {"median_hours": 2.0},
               "resolution_working_time": {"median_hours": 1.5, "p90_hours": 3.0}}
    assert schemas.Timings.model_validate(timings).model_dump(exclude_unset=True) == timings
    with pytest.raises(ValueError):
        schemas.Timings.model_validate({**timings, "resolution_working_time": {"median_hours": "slow"}})


class Outline(HTMLParser):
    """Collect headings, landmarks, ids and the attributes that matter for accessibility."""

    def __init__(self):
        super().__init__()
        self.headings, self.landmarks, self.ids, self.pres, self.ths, self.html_lang = [], [], [], [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.html_lang = attrs.get("lang")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("main", "nav", "header", "footer"):
            self.landmarks.append((tag, attrs))
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "pre":
            self.pres.append(attrs)
        if tag == "th":
            self.ths.append(attrs)


@pytest.fixture
def api_page(client):
    response = client.get("/api")
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_the_api_page_lists_every_operation_with_an_example(api_page, document):
    for path, method, operation in operations(document):
        assert f'id="{operation["operationId"]}"' in api_page
        assert f"<code>{method.upper()} /api/v1{path}</code>" in api_page
        assert "curl -sS" in api_page
    assert api_page.count("<h3 ") == len(list(operations(document)))
    assert 'href="/api/v1/openapi.json"' in api_page


def test_the_api_page_is_accessible(api_page):
    outline = Outline()
    outline.feed(api_page)
    assert outline.html_lang == "zh-CN"
    assert outline.headings.count(1) == 1 and outline.headings[0] == 1
    assert all(b - a <= 1 for a, b in zip(outline.headings, outline.headings[1:])), "no heading level is skipped"
    assert [tag for tag, _ in outline.landmarks].count("main") == 1
    assert all("aria-label" in attrs or "aria-labelledby" in attrs for tag, attrs in outline.landmarks if tag == "nav")
    assert len(outline.ids) == len(set(outline.ids)), "ids are unique"
    assert outline.pres and all(p.get("tabindex") == "0" and p.get("aria-label") for p in outline.pres)
    assert all(th.get("scope") in ("col", "row") for th in outline.ths)
    assert 'name="viewport"' in api_page


def test_the_api_page_speaks_english_on_request(client):
    page = client.get("/api", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="en"' in page and "Example request" in page and "Public API" in page
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_json()
    assert document["paths"]["/search"]["get"]["summary"] == "Search the Help center"
