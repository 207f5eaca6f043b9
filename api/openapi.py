"""The served OpenAPI document, completed with what every operation can answer.

FastAPI documents its own validation error as `application/json`; this API answers every
error as `application/problem+json` (api/problems.py). `complete` rewrites each operation's
error responses to the Problem schema and adds the answers any operation can give:
401 (no valid token), 403 (role), 404 (an unknown contract, document, customer or rule in
the path), 400 (a body that is not JSON), 413 (a body over 64 KiB), 422 (invalid input)
and 503 (the database or a read model not there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi.openapi.utils import get_openapi

from api.problems import MEDIA_TYPE, Problem

if TYPE_CHECKING:
    from fastapi import FastAPI

EVERY_OPERATION = {
    "401": "No valid bearer token",
    "403": "The token's roles do not admit this operation",
    "422": "Invalid input: `errors` names each field",
    "503": "The database or a read model is not available yet (`Retry-After`)",
}
WITH_BODY = {"400": "The body is not JSON", "413": "The body is over 64 KiB"}
WITH_PATH_PARAMETER = {"404": "No such contract, document, customer or rule"}
PUBLIC = ("/health/live", "/health/ready", "/metrics")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT of the lessor's identity provider (roles in its `roles` claim)",
    }
}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {MEDIA_TYPE: {"schema": PROBLEM_REF}}}


def complete(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document with problem+json errors on every operation (cached)."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    schemas["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    document["components"]["securitySchemes"] = SECURITY_SCHEMES
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status, response in responses.items():
                if status[0] in "45":
                    responses[status] = _problem(response.get("description", ""))
            if path not in PUBLIC:
                operation["security"] = [{"bearer": []}]
            extra = {} if path in PUBLIC else dict(EVERY_OPERATION)
            if method in ("post", "put", "patch"):
                extra |= WITH_BODY
            if "{" in path:
                extra |= WITH_PATH_PARAMETER
            for status, description in extra.items():
                responses.setdefault(status, _problem(description))
    app.openapi_schema = document
    return document
