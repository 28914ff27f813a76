"""The OpenAPI document, with every error the API can answer documented in the one shape it has
(api/errors.py), so a client (or schemathesis in the suite) can rely on the document alone.

Routes declare what only they can answer (201 on a create-or-replace, 409 on a conflict, 504 on
an action). The errors every operation of a kind can answer are added here, from what the
operation itself declares: a body (400, 413), a bearer token (401, 403, and 429 once a client has
sent too many wrong ones), a path parameter (404),
any input (422), and the read model under it (503)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

ERROR_REF = {"$ref": "#/components/schemas/Error"}
RETRY_AFTER = {"description": "Seconds until a request may succeed", "schema": {"type": "integer", "minimum": 1}}


class ErrorField(BaseModel):
    field: str = Field(examples=["requester.email"])
    message: str = Field(examples=["required"])


class ErrorDetail(BaseModel):
    type: str = Field(description="A stable name for the kind of error (api/errors.py)", examples=["ValidationError"])
    message: str
    fields: list[ErrorField] = Field(description="Each input at fault, by name; empty when no single input is")


class Error(BaseModel):
    """Every error answer: a 4xx or 5xx status with this body."""

    error: ErrorDetail


COMMON = {
    400: "The body is not valid JSON (MalformedJSON)",
    401: "No token, or not a valid one (Unauthorized)",
    403: "The token's role may not do this (Forbidden)",
    404: "Nothing at this address",
    413: "The body is larger than the API takes (PayloadTooLarge)",
    422: "Invalid input: each field at fault is named (ValidationError and others)",
    429: "Too many failed token checks from this address (RateLimited); Retry-After says when to try again",
    503: "The read model or the workflow service is not answering; try again",
}


def _errors_for(operation: dict[str, Any]) -> list[int]:
    codes = [422, 503]
    if "requestBody" in operation:
        codes += [400, 413]
    if operation.get("security"):
        codes += [401, 403, 429]
    if any(p.get("in") == "path" for p in operation.get("parameters", [])):
        codes.append(404)
    return codes


def document_errors(spec: dict[str, Any]) -> dict[str, Any]:
    """Add the common error answers to every operation, and give each error answer (the routes'
    own too) the Error schema in place of FastAPI's default validation error."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(Error.model_json_schema(ref_template="#/components/schemas/{model}").pop("$defs", {}))
    schemas["Error"] = Error.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    for path_item in spec.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for code in _errors_for(operation):
                responses.setdefault(str(code), {"description": COMMON[code]})
            for code, answer in responses.items():
                if code[0] in "45":
                    answer["content"] = {"application/json": {"schema": ERROR_REF}}
                if code == "429":
                    answer["headers"] = {"Retry-After": RETRY_AFTER}
    return spec


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to replace the generated document
