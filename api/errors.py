"""Errors are values at the edges: each error type has one HTTP status (ErrorType, in
workflows/vocabulary.py), and every error body has the same shape:
{"error": {"type", "message", "fields": [{"field", "message"}]}}."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from models.sla_admin import ConfigError
from workflows.vocabulary import ErrorType

log = logging.getLogger(__name__)


class ApiError(Exception):
    """`type` names an ErrorType (workflows/vocabulary.py), which carries the HTTP status; a name
    that is none of them is a ValueError here, never a guessed status."""

    def __init__(self, type: ErrorType | str, message: str, fields: list[dict[str, str]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.type = ErrorType(type)
        self.message = message
        self.fields = fields or []
        self.headers = headers
        self.status = self.type.status


def error_body(type: str, message: str, fields: list[dict[str, str]] | None = None) -> dict[str, Any]:
    return {"error": {"type": type, "message": message, "fields": fields or []}}


def error_response(err: ApiError) -> JSONResponse:
    return JSONResponse(error_body(err.type, err.message, err.fields), status_code=err.status, headers=err.headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    # ("body", "requester", "email") -> "requester.email"; tagged-union steps like "reply" dropped.
    parts = [str(p) for p in loc[1:]] if loc and loc[0] == "body" else [str(p) for p in loc]
    return ".".join(parts) or "body"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    if kind == "union_tag_invalid":
        ctx = err.get("ctx", {})
        return f"unknown kind {ctx.get('tag')!r}; expected one of {ctx.get('expected_tags', '')}"
    if kind == "union_tag_not_found":
        return "required: the action's kind"
    return err.get("msg", "invalid")


def _on_validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "json_invalid":
            detail = err.get("ctx", {}).get("error", "invalid JSON")
            loc = err.get("loc", ())
            if len(loc) > 1 and isinstance(loc[1], int):
                detail = f"{detail} at character {loc[1]}"
            return JSONResponse(error_body("MalformedJSON", f"request body is not valid JSON: {detail}",
                                           [{"field": "body", "message": str(detail)}]), status_code=400)
    fields = []
    for err in errors:
        loc = tuple(err.get("loc", ()))
        if err.get("type") in ("union_tag_invalid", "union_tag_not_found"):
            loc = ("body", "kind")
        elif len(loc) > 2 and loc[0] == "body" and loc[1] in _ACTION_TAGS:
            # A tagged union puts the tag in the location: ("body", "reply", "body") -> "body".
            loc = ("body", *loc[2:])
        where = loc[0] if loc else "body"
        name = _field_name(loc)
        if where in ("query", "path", "header"):
            name = f"{where} parameter {name.split('.', 1)[-1] if '.' in name else name}"
        fields.append({"field": name, "message": _message(err)})
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return JSONResponse(error_body("ValidationError", summary, fields), status_code=422)


_ACTION_TAGS: set[str] = set()


def register_action_tags(tags: set[str]) -> None:
    _ACTION_TAGS.update(tags)


def _on_http_exception(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    type = {404: "NotFound", 405: "MethodNotAllowed", 401: "Unauthorized", 403: "Forbidden"}.get(exc.status_code, "HttpError")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and message == "Not Found":
        message = "no such endpoint"
    return JSONResponse(error_body(type, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))


def _on_api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc)


def _on_stale_row(_request: Request, exc: StaleDataError) -> JSONResponse:
    # A change found its row gone at write time: another request deleted it in between (the
    # admin resources are read, then written). What the caller changes no longer exists.
    return error_response(ApiError("NotFound", "it was deleted while this request was changing it"))


def _on_database_down(request: Request, exc: Exception) -> Response:
    # The read model did not answer (refused, dropped the connection, locked past the timeout):
    # a moment's outage the caller retries, never a 500. Nothing was written: each request's
    # session rolls back with the failed statement.
    log.warning("database unavailable on %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0])
    err = ApiError("DatabaseUnavailable", f"the database did not answer ({type(exc).__name__}); try again in a moment",
                   headers={"Retry-After": "5"})
    if request.url.path.startswith("/portal"):
        from api.portal.pages import refusal  # the portal's pages import this module

        response = refusal(err)
        response.headers["Retry-After"] = "5"
        return response
    return error_response(err)


def _on_config_error(_request: Request, exc: ConfigError) -> JSONResponse:
    # An admin change naming what does not exist, or breaking another row: the models say which
    # field and why, every admin route alike.
    return error_response(ApiError(exc.type, f"{exc.field}: {exc.message}", [{"field": exc.field, "message": exc.message}]))


def install_error_handlers(app: FastAPI) -> None:
    # Each handler takes its own exception class (Starlette's type says Exception: hence Any).
    handlers: dict[type[Exception], Callable[[Request, Any], Response]] = {
        ApiError: _on_api_error, StaleDataError: _on_stale_row, ConfigError: _on_config_error,
        OperationalError: _on_database_down, InterfaceError: _on_database_down,
        RequestValidationError: _on_validation_error, StarletteHTTPException: _on_http_exception}
    for exc, handler in handlers.items():
        app.add_exception_handler(exc, handler)
