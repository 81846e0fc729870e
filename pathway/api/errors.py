"""One error shape for the whole API: ``{"detail": {"code", "message", ...}}``.

The use cases refuse with ``AppError``; this renders it, and FastAPI's own refusals (a body
that does not validate, a route that does not exist) in the same shape. Bad input is always a
4xx with a message for people; a 500 means a bug, never bad input."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from pathway.app.errors import AppError, store_unavailable
from pathway.store.db import failure_line

log = structlog.get_logger()


# Error types of the domain's rules raised inside request validation (PydanticCustomError).
RULE_CODES = frozenset({"scope_not_allowed"})


# What FastAPI says of a body its JSON parser could not read.
UNPARSABLE_BODY = "There was an error parsing the body"


HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def allowed_methods(app: FastAPI, path: str, fallback: str | None) -> str | None:
    """Every method the path answers, from the API's own document (FastAPI makes a route per
    method of a path: the 405 of one route names only its own methods)."""
    for template, item in app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\{[^}/]+\}", "[^/]+", template), path):
            return ", ".join(sorted(m.upper() for m in item if m in HTTP_METHODS))
    return fallback


def _clean_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for err in errors:
        out.append(
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "message": str(err.get("msg", "")).removeprefix("Value error, "),
                "type": err.get("type"),
            }
        )
    return out


def install_error_handlers(app: FastAPI) -> None:
    install_error_documentation(app)

    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse(
                {
                    "detail": {
                        "code": "malformed_json",
                        "message": "the request body is not valid JSON",
                        "errors": _clean_errors(errors),
                    }
                },
                status_code=400,
            )
        first = _clean_errors(errors)[:1]
        where = ".".join(first[0]["loc"]) if first else "body"
        what = first[0]["message"] if first else "invalid request"
        # A refusal of meaning raised while validating (a rule of the domain, with an error
        # type of its own) keeps its code; every refusal of shape is invalid_request.
        types = {e.get("type") for e in errors}
        code = types.pop() if len(types) == 1 and types <= RULE_CODES else "invalid_request"
        return JSONResponse(
            {"detail": {"code": code, "message": f"{where}: {what}", "errors": _clean_errors(errors)}},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict) and "code" in exc.detail:
            detail = exc.detail
        else:
            codes = {
                404: "not_found",
                405: "method_not_allowed",
                401: "unauthorized",
                403: "forbidden",
                413: "payload_too_large",
            }
            detail = {"code": codes.get(exc.status_code, "http_error"), "message": str(exc.detail)}
            if exc.status_code == 400 and exc.detail == UNPARSABLE_BODY:
                # A body the JSON parser gave up on (nested past its recursion limit, say).
                detail = {"code": "malformed_json", "message": "the request body is not valid JSON"}
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            allow = allowed_methods(request.app, request.url.path, headers.get("Allow"))
            if allow:
                headers["Allow"] = allow
        return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers or None)

    async def _store_unavailable(request: Request, exc: Exception) -> Response:
        log.warning("store_unavailable", path=request.url.path, error=failure_line(exc))
        error = store_unavailable()
        page = getattr(request.app.state, "error_page", None)  # the web's, for its pages
        if page is not None and not request.url.path.startswith("/api/"):
            response: Response = page(request, error)
            return response
        return JSONResponse(error.body(), status_code=error.status, headers=error.headers)

    for store_error in (OperationalError, PoolTimeout):
        app.add_exception_handler(store_error, _store_unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=request.url.path, error=type(exc).__name__)
        return JSONResponse(
            {"detail": {"code": "internal_error", "message": "an unexpected error; it has been logged"}},
            status_code=500,
        )


# What every error answer looks like, for the OpenAPI document. FastAPI documents a 422 as its
# own ``{"detail": [{"loc", "msg", "type"}]}``, which this API never sends: a client built from
# the document (or a schema-driven test) would reject every real refusal.
ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "a machine code, e.g. not_found, guard_unmet"},
                "message": {"type": "string", "description": "what went wrong, for people"},
            },
            "additionalProperties": True,
        }
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe the API's one error shape in an OpenAPI document (in place): the 422 of every
    operation, and a ``default`` answer for every other refusal (400, 401, 403, 404, 409, 413...)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {
                    "description": "The request is not valid (says which field and why)",
                    "content": {"application/json": {"schema": _ERROR_REF}},
                }
            responses.setdefault(
                "default", {"description": "An error", "content": {"application/json": {"schema": _ERROR_REF}}}
            )
    if "HTTPValidationError" not in json.dumps(schema["paths"]):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema


def install_error_documentation(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the schema


def json_dumps(value: Any) -> str:
    return json.dumps(value, default=str)
