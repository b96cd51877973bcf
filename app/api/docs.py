"""The human page /api: every operation of the OpenAPI document with its parameters and an example.

Its own blueprint, because the JSON blueprint at /api/v1 never answers with HTML.
"""
import json
from urllib.parse import urlsplit

from flask import Blueprint, render_template

from app.api import openapi

bp = Blueprint("api_docs", __name__)


@bp.get("/api")
def index():
    """List every API operation with method, parameters, an example request and its answer."""
    document = openapi.document(openapi.base_url())
    return render_template("api_docs/index.html", document=document, sections=sections(document),
                           envelope=pretty(openapi.examples.ERRORS[400]))


def sections(document):
    """Group the document's operations by tag, in the document's tag order."""
    grouped = {tag["name"]: {"tag": tag, "operations": []} for tag in document["tags"]}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            grouped[operation["tags"][0]]["operations"].append(_entry(document, path, method, operation))
    return [section for section in grouped.values() if section["operations"]]


def _entry(document, path, method, operation):
    status, answer = next((code, answer) for code, answer in operation["responses"].items()
                          if "example" in answer.get("content", {}).get("application/json", {}))
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    errors = [code for code in operation["responses"] if code[0] in "45"]
    prefix = urlsplit(document["servers"][0]["url"]).path
    return {"id": operation["operationId"], "method": method.upper(), "path": prefix + path,
            "summary": operation["summary"],
            "parameters": operation["parameters"], "curl": operation["x-codeSamples"][0]["source"],
            "request": pretty(body["example"]) if "example" in body else None,
            "status": status, "response": pretty(answer["content"]["application/json"]["example"]),
            "errors": [(code, document["components"]["responses"][f"Error{code}"]["description"]) for code in errors]}


def pretty(value):
    """Indent JSON for reading, Chinese left readable."""
    return json.dumps(value, ensure_ascii=False, indent=2)
