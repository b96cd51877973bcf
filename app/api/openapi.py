"""The OpenAPI 3.1 document of /api/v1, built from the response models in schemas.py; served at /api/v1/openapi.json.

Each operation lists its parameters, request body, success answer with one example and its errors, which all
share the one error envelope. Texts are lazy translations, so the document follows the request's language.
"""
import dataclasses
import functools
import json
import shlex
from dataclasses import dataclass, field
from urllib.parse import urlencode

from flask import jsonify, request
from flask_babel import lazy_gettext as _l

from app.api import examples, schemas
from app.api.blueprint import bp
from app.complaints.categories import CATEGORIES, EVIDENCE_KINDS
from app.contact.verify import MAX_VALUE_LENGTH
from app.kb.forms import MAX_QUERY_LENGTH

VERSION = "1.0.0"
REF = "#/components/schemas/{model}"
MONTH = {"type": "string", "pattern": r"^(20\d\d|2100)-(0[1-9]|1[0-2])$"}  # the years the filters accept
ERROR_TITLES = {400: _l("请求有误"), 404: _l("找不到"), 405: _l("不支持的请求方法"), 409: _l("投诉已变化或已关闭"),
                413: _l("内容太大"), 415: _l("不支持的内容类型"), 429: _l("请求太频繁"), 500: _l("服务器出错"),
                503: _l("暂时不可用，请稍后重试")}
ALWAYS = (429, 500, 503)


@dataclass(frozen=True)
class Param:
    """One query, path or header parameter."""

    name: str
    where: str
    description: object
    schema: dict
    example: object
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One documented operation: `path` in OpenAPI form, relative to /api/v1."""

    method: str
    path: str
    endpoint: str
    tag: str
    summary: object
    answers: dict  # status -> (model, description)
    example: dict
    params: tuple = ()
    body: type | None = None
    body_example: dict | None = None
    multipart: dict | None = None  # extra multipart/form-data properties beside the body model's
    errors: tuple = (400,)
    curl_query: dict = field(default_factory=dict)


def _path(name, description, example):
    return Param(name, "path", description, {"type": "string"}, example, required=True)


REFERENCE = _path("reference", _l("投诉编号"), examples.REFERENCE)
ACCESS_CODE = Param("X-Access-Code", "header", _l("投诉时拿到的查询码，用来查看完整进度"), {"type": "string"},
                    examples.ACCESS_CODE)
EVIDENCE = {"evidence": {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"},
                         "description": "JPEG, PNG, WebP or PDF files"}}

OPERATIONS = (
    Operation("get", "/channels", "api.channels", "channels", _l("各官方渠道此刻是否开放、预计等待多久"),
              {200: (schemas.ChannelsNow, _l("各渠道的状态"))}, examples.CHANNELS,
              params=(Param("at", "query", _l("查询的时刻（ISO 8601，2000 至 2100 年），默认现在，按北京时间计算"),
                            {"type": "string", "format": "date-time"}, "2026-10-01T10:00:00+08:00"),),
              curl_query={"at": "2026-10-01T10:00:00+08:00"}),
    Operation("get", "/channels/verify", "api.channel_verify", "channels", _l("核对一个号码、账号、邮箱或链接是不是官方渠道"),
              {200: (schemas.ChannelVerdict, _l("核对结果"))}, examples.CHANNEL_VERDICT,
              params=(Param("value", "query", _l("要核对的号码、账号、邮箱或链接"),
                            {"type": "string", "minLength": 1, "maxLength": MAX_VALUE_LENGTH}, "400-123-4567",
                            required=True),),
              curl_query={"value": "400-123-4567"}),
    Operation("get", "/channels/{channel_id}/week", "api.channel_week", "channels",
              _l("一个渠道普通一周每小时的预计等待（周一到周日，0–23 点）"),
              {200: (schemas.ChannelWeek, _l("一周的 7×24 格"))}, examples.CHANNEL_WEEK,
              params=(_path("channel_id", _l("渠道编号，例如 hotline"), "hotline"),), errors=(404,)),
    Operation("get", "/complaints/categories", "api.complaint_categories", "complaints",
              _l("投诉类别以及每类需要填写的信息"), {200: (schemas.CategoryList, _l("全部投诉类别"))},
              examples.CATEGORIES, errors=()),
    Operation("post", "/complaints", "api.create_complaint", "complaints", _l("提交投诉（JSON，或带证据文件的表单）"),
              {201: (schemas.ComplaintReceipt, _l("已受理；查询码只显示这一次，请保存")),
               200: (schemas.ComplaintReceipt, _l("同一个 Idempotency-Key 重复提交：返回之前的投诉"))},
              examples.COMPLAINT_RECEIPT,
              params=(Param("Idempotency-Key", "header", _l("重试时带上同一个值，投诉不会重复提交"),
                            {"type": "string", "maxLength": 200}, "3f1c2d9e-order-KM202611201234567890"),),
              body=schemas.ComplaintCreate, body_example=examples.COMPLAINT_REQUEST, multipart=EVIDENCE,
              errors=(400, 413)),
    Operation("get", "/complaints/{reference}", "api.complaint", "complaints",
              _l("查询投诉进度：只凭编号看状态，带查询码看完整进度"),
              {200: ((schemas.ComplaintPrivate, schemas.ComplaintPublic),
                     _l("带正确查询码时是完整进度，否则只有状态和日期"))},
              examples.COMPLAINT_PRIVATE, params=(REFERENCE, ACCESS_CODE), errors=(404,)),
    Operation("post", "/complaints/{reference}/messages", "api.add_complaint_message", "complaints",
              _l("给投诉补充说明或证据文件"), {201: (schemas.ComplaintPrivate, _l("已补充；返回完整进度"))},
              examples.COMPLAINT_PRIVATE, params=(REFERENCE, dataclasses.replace(ACCESS_CODE, required=True)),
              body=schemas.MessageCreate, body_example=examples.MESSAGE_REQUEST,
              multipart={**EVIDENCE, "evidence_kind": {"type": "string", "enum": [k for k, _ in EVIDENCE_KINDS]}},
              errors=(400, 404, 409, 413)),
    Operation("get", "/search", "api.search", "help", _l("搜索帮助中心"),
              {200: (schemas.SearchResults, _l("按相关度排序的文章"))}, examples.SEARCH,
              params=(Param("q", "query", _l("搜索词"), {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_LENGTH},
                            "退款", required=True),
                      Param("type", "query", _l("只搜问答（faq）或指南（guide）；不填或留空时两种都搜"),
                            {"type": "string", "enum": ["faq", "guide", ""]}, "faq"),
                      Param("limit", "query", _l("最多返回几篇"), {"type": "integer", "minimum": 1, "maximum": 50,
                                                                 "default": 10}, 5)),
              curl_query={"q": "退款", "limit": 5}),
    Operation("get", "/articles/{slug}", "api.article", "help", _l("一篇帮助文章的信息和正文"),
              {200: (schemas.Article, _l("文章"))}, examples.ARTICLE,
              params=(_path("slug", _l("文章的网址名，例如 refund-policy"), "refund-policy"),), errors=(404,)),
    Operation("get", "/outcomes", "api.outcomes", "transparency", _l("已公示的投诉处理结果，最新的在前"),
              {200: (schemas.OutcomesPage, _l("一页处理结果，每页 20 条"))}, examples.OUTCOMES,
              params=(Param("page", "query", _l("页码，从 1 开始"), {"type": "integer", "minimum": 1, "default": 1}, 1),
                      Param("category", "query", _l("投诉类别"), {"type": "string", "enum": list(CATEGORIES)},
                            "topup_not_arrived"),
                      Param("outcome", "query", _l("处理结果：resolved（已解决）或 rejected（未予支持）"),
                            {"type": "string", "enum": ["resolved", "rejected"]}, "resolved"),
                      Param("month", "query", _l("投诉提交的月份，格式 YYYY-MM"), MONTH, "2026-10"),
                      Param("q", "query", _l("在处理结果摘要中全文搜索"), {"type": "string"}, "话费")),
              curl_query={"category": "topup_not_arrived", "outcome": "resolved"}),
    Operation("get", "/stats", "api.statistics", "transparency", _l("公开的投诉统计（不足 5 件的格子不公开）"),
              {200: (schemas.Stats, _l("统计数据"))}, examples.STATS,
              params=(Param("from", "query", _l("起始月份（含），格式 YYYY-MM"), MONTH, "2026-01"),
                      Param("to", "query", _l("结束月份（含），格式 YYYY-MM"), MONTH, "2026-11")),
              curl_query={"from": "2026-01", "to": "2026-11"}),
    Operation("get", "/openapi.json", "api.openapi_document", "meta", _l("本接口的 OpenAPI 3.1 文档（就是这份文档）"),
              {200: (None, _l("OpenAPI 3.1 文档"))},
              {"openapi": "3.1.0", "info": {"title": "卡盟服务中心公开接口", "version": VERSION}, "paths": {}},
              errors=()),
)
TAGS = {"channels": _l("官方联系渠道"), "complaints": _l("投诉与进度查询"), "help": _l("帮助中心"),
        "transparency": _l("处理结果与统计公示"), "meta": _l("接口文档")}
INTRO = _l("卡盟服务中心的公开接口：官方渠道、帮助文章、投诉提交与进度查询、处理结果和统计公示。无需登录，"
           "返回 UTF-8 编码的 JSON；所有错误都使用同一个错误格式 ErrorEnvelope，字段校验失败时另附 fields 逐项说明。")


@bp.get("/openapi.json")
def openapi_document():
    """Serve the OpenAPI 3.1 document of this API."""
    return jsonify(document(base_url()))


def base_url():
    """Return the absolute address of /api/v1 as this request reached it."""
    return request.host_url.rstrip("/") + bp.url_prefix


def document(server):
    """Build the OpenAPI 3.1 document, in the request's language, for the API served at `server`."""
    return {"openapi": "3.1.0",
            "info": {"title": str(_l("卡盟服务中心公开接口")), "version": VERSION, "description": str(INTRO)},
            "servers": [{"url": server}],
            "tags": [{"name": name, "description": str(text)} for name, text in TAGS.items()],
            "paths": _paths(server),
            "components": {"schemas": component_schemas(), "responses": _error_responses()}}


@functools.cache
def component_schemas():
    """Every model's JSON Schema, nested models hoisted so that all `$ref`s point into components."""
    components = {}
    for mode, models in (("serialization", schemas.RESPONSE_MODELS), ("validation", schemas.REQUEST_MODELS)):
        for model in models:
            schema = model.model_json_schema(ref_template=REF, mode=mode)
            components.update(schema.pop("$defs", {}))
            components[model.__name__] = schema
    return components


def _paths(server):
    paths = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, server)
    return paths


def _operation(op, server):
    operation = {"operationId": op.endpoint.removeprefix("api."), "summary": str(op.summary), "tags": [op.tag],
                 "parameters": [_parameter(p) for p in op.params], "responses": _responses(op),
                 "x-codeSamples": [{"lang": "shell", "label": "curl", "source": curl(op, server)}]}
    if op.body:
        operation["requestBody"] = _request_body(op)
    return operation


def _parameter(param):
    return {"name": param.name, "in": param.where, "required": param.required,
            "description": str(param.description), "schema": param.schema, "example": param.example}


def _ref(model):
    if model is None:
        return {"type": "object", "required": ["openapi", "info", "paths"]}
    if isinstance(model, tuple):
        return {"oneOf": [_ref(m) for m in model]}
    return {"$ref": REF.format(model=model.__name__)}


def _responses(op):
    responses = {}
    for status, (model, text) in op.answers.items():
        content = {"schema": _ref(model)}
        if not responses:  # one example per operation, on its main answer
            content["example"] = op.example
        responses[str(status)] = {"description": str(text), "content": {"application/json": content}}
    for code in sorted({*op.errors, *ALWAYS}):
        responses[str(code)] = {"$ref": f"#/components/responses/Error{code}"}
    responses["default"] = {"$ref": "#/components/responses/Error"}
    return responses


def _request_body(op):
    form = {"type": "object", "properties": {name: {"type": "string"} for name in op.body.model_fields} | op.multipart,
            "description": "the JSON fields as form fields (objects as JSON text)"}
    return {"required": True,
            "content": {"application/json": {"schema": _ref(op.body), "example": op.body_example},
                        "multipart/form-data": {"schema": form}}}


def _error_responses():
    envelope = _ref(schemas.ErrorEnvelope)
    responses = {f"Error{code}": {"description": str(text),
                                  "content": {"application/json": {"schema": envelope,
                                                                   "example": examples.ERRORS[code]}}}
                 for code, text in ERROR_TITLES.items()}
    responses["Error"] = {"description": str(_l("其他错误，同样使用这个格式")),
                          "content": {"application/json": {"schema": envelope, "example": examples.ERRORS[405]}}}
    return responses


def curl(op, server):
    """Return a shell command that calls `op` with its example values."""
    path = op.path
    for param in op.params:
        if param.where == "path":
            path = path.replace("{%s}" % param.name, str(param.example))
    url = server + path + ("?" + urlencode(op.curl_query) if op.curl_query else "")
    command = ["curl", "-sS"] + (["-X", op.method.upper()] if op.method != "get" else [])
    for param in op.params:
        if param.where == "header":
            command += ["-H", f"{param.name}: {param.example}"]
    if op.body_example is not None:
        command += ["-H", "Content-Type: application/json", "-d", json.dumps(op.body_example, ensure_ascii=False)]
    return shlex.join(command + [url])
