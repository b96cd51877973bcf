"""App-wide error handlers: an HTML page in the site layout, or the API's JSON envelope."""
import logging

from flask import make_response, render_template, request
from flask_babel import LazyString, gettext as _, lazy_gettext as _l
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

from app.api.errors import api_error
from app.complaints.uploads import StorageUnavailable, limits as upload_limits
from app.extensions import db

logger = logging.getLogger("portal.errors")
RETRY_AFTER_SECONDS = 30

ERROR_TEXT = {
    400: (_l("请求有误"), _l("提交的内容无法识别，请返回上一页检查后重试。")),
    403: (_l("无权访问"), _l("你没有权限查看这个页面。")),
    404: (_l("页面不存在"), _l("你要找的页面不存在或已被移动。可以试试搜索帮助中心。")),
    405: (_l("不支持的操作"), _l("这个页面不支持该操作。")),
    413: (_l("文件太大"), LazyString(lambda: _("上传的内容超过了大小限制：每个文件不超过 %(mb)s MB，最多 %(files)d 个。",
                                               **upload_limits()))),
    415: (_l("不支持的内容类型"), _l("请以 JSON 或表单格式提交内容。")),
    429: (_l("操作太频繁"), _l("请稍等片刻再试。这是为了保护你的信息不被他人反复尝试。")),
    500: (_l("服务器出错了"), _l("我们已记录这个问题。你填写的内容没有提交成功，请稍后重试。")),
    503: (_l("服务暂时不可用"), _l("系统正在维护或繁忙，你的信息没有被保存，请稍后重试。")),
}


def wants_json():
    """Answer in JSON for the API and for clients that prefer it."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(code, message=None, **extra):
    """Render the error page or JSON envelope for HTTP status `code`."""
    title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
    if wants_json():
        return api_error(code, message or title, **extra)
    return render_template("errors/error.html", code=code, title=title, text=message or text), code


def _handle_http_exception(exc):
    response = make_response(error_response(exc.code, exc.description if exc.code == 400 and wants_json() else None))
    # Keep what the exception tells the client (Allow on 405, Retry-After), which the new body would drop.
    response.headers.extend([(name, value) for name, value in exc.get_headers()
                             if name.lower() != "content-type" and name not in response.headers])
    if exc.code == 503:  # every 503 of the portal is "try again shortly", whoever raised it
        response.headers.setdefault("Retry-After", str(RETRY_AFTER_SECONDS))
    return response


def _handle_unexpected(exc):
    _rollback()
    logger.exception("unhandled error on %s", request.path)
    return error_response(500)


def _handle_database_error(exc):
    """A database that is down, locked or gone away is a 503 to retry later; other driver errors are bugs (500)."""
    unavailable = isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)) or \
        getattr(exc, "connection_invalidated", False)
    if not unavailable:
        return _handle_unexpected(exc)
    _rollback()
    # The engine hides bound parameters, so this names the statement but none of the values it carried.
    logger.error("database unavailable on %s: %s", request.path, exc)
    return _unavailable()


def _handle_storage_unavailable(exc):
    """The upload folder is full or cannot be written: nothing partial was kept, retry later."""
    _rollback()
    logger.error("evidence storage unavailable on %s: %s", request.path, exc.reason)
    return _unavailable(exc.message)


def _unavailable(message=None):
    response = make_response(error_response(503, message))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # a connection that is already gone cannot roll back; the pool discards it
        logger.warning("rollback failed after an error", exc_info=True)


def init_app(app):
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(InternalServerError, _handle_unexpected)
    app.register_error_handler(sa_exc.DBAPIError, _handle_database_error)
    app.register_error_handler(sa_exc.TimeoutError, _handle_database_error)
    app.register_error_handler(StorageUnavailable, _handle_storage_unavailable)
    app.register_error_handler(Exception, _handle_unexpected)
