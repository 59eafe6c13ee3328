"""API operations declared once: the same declaration routes the request, validates it and documents it."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_origin

from flask import Blueprint, Response, jsonify, request
from pydantic import BaseModel, ValidationError

from ght_soc.access import Permission
from ght_soc.api.errors import ApiError, validation_error
from ght_soc.api.schemas import MAX_ID
from ght_soc.web.security import current_principal

API_PREFIX = "/api/v1"
api_blueprint = Blueprint("api", __name__, url_prefix=API_PREFIX)


@dataclass(frozen=True)
class Operation:
    rule: str
    method: str
    endpoint: str
    summary: str
    description: str
    permission: Permission | None
    response: type[BaseModel] | None
    status: int
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    public: bool = False


OPERATIONS: list[Operation] = []

Handler = Callable[..., Any]


def operation(
    rule: str,
    method: str,
    *,
    summary: str,
    response: type[BaseModel] | None,
    permission: Permission | None = Permission.VIEW,
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    status: int = 200,
    public: bool = False,
) -> Callable[[Handler], Handler]:
    """Declare an operation. The handler receives path arguments, plus `query=` and `body=` when declared,
    and returns a model instance (or `(model, status)`)."""

    def decorator(handler: Handler) -> Handler:
        def view(**path: Any) -> tuple[Response, int] | Response:
            principal = current_principal()
            if permission is not None and not principal.can_somewhere(permission):
                raise ApiError(403, "forbidden", "this token or account may not do this")
            if any(isinstance(value, int) and not 1 <= value <= MAX_ID for value in path.values()):
                # No row has that id, and PostgreSQL would raise on it (a 500, found by schemathesis).
                raise ApiError(404, "not_found", "no such object")
            kwargs = dict(path)
            if query is not None:
                kwargs["query"] = _parse(query, _query_arguments(query))
            if body is not None:
                kwargs["body"] = _parse(body, _json_body())
            result = handler(**kwargs)
            code = status
            if isinstance(result, tuple):
                result, code = result
            if isinstance(result, Response):
                return result
            return jsonify(result.model_dump(mode="json")), code

        api_blueprint.add_url_rule(rule, endpoint=handler.__name__, view_func=view, methods=[method])
        OPERATIONS.append(
            Operation(
                rule=API_PREFIX + rule,
                method=method.lower(),
                endpoint=f"api.{handler.__name__}",
                summary=summary,
                description=(handler.__doc__ or "").strip(),
                permission=permission,
                response=response,
                status=status,
                query=query,
                body=body,
                public=public,
            )
        )
        return handler

    return decorator


def _parse(model: type[BaseModel], data: Any) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise validation_error(error) from None


def _query_arguments(model: type[BaseModel]) -> dict[str, Any]:
    """The query string as the model expects it: repeated parameters are lists, refused where none is declared."""
    arguments: dict[str, Any] = {}
    for name, values in request.args.lists():
        declared = model.model_fields.get(name)
        is_list = declared is not None and get_origin(declared.annotation) is list
        # A scalar given twice (`?q=a&q=b`) reaches the model as a list, which refuses it (found by schemathesis).
        arguments[name] = values if is_list or len(values) > 1 else values[0]
    return arguments


def _json_body() -> Any:
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "send the body as application/json")
    try:
        return json.loads(request.get_data(cache=False) or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(400, "malformed_json", f"the body is not valid JSON: {error}") from None
