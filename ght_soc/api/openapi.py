"""The OpenAPI 3.1 document, generated from the operation registry and the pydantic schemas."""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from ght_soc import __version__
from ght_soc.api.registry import OPERATIONS, Operation
from ght_soc.api.schemas import MAX_ID, ErrorOut

_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
REF_TEMPLATE = "#/components/schemas/{model}"


def openapi_document() -> dict[str, Any]:
    models: set[type[BaseModel]] = {ErrorOut}
    for op in OPERATIONS:
        models.update(m for m in (op.response, op.body) if m is not None)
    _, definitions = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)], ref_template=REF_TEMPLATE
    )
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(_PATH_PARAM.sub(r"{\2}", op.rule), {})[op.method] = _operation(op)
    return {
        "openapi": "3.1.0",
        "info": {"title": "ght-soc API", "version": __version__},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a collector token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "ght_soc_session"},
            },
        },
    }


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF_TEMPLATE.format(model="ErrorOut")}}},
    }


def _operation(op: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
            if conv == "int"
            else {"type": "string"},
        }
        for conv, name in _PATH_PARAM.findall(op.rule)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF_TEMPLATE)
        required = set(schema.get("required", []))
        parameters += [
            {"name": name, "in": "query", "required": name in required, "schema": prop}
            for name, prop in schema["properties"].items()
        ]
    success: dict[str, Any] = {"description": "OK"}
    if op.response is not None:
        success["content"] = {
            "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=op.response.__name__)}}
        }
    else:
        success["content"] = {"application/json": {"schema": {"type": "object"}}}
    responses: dict[str, Any] = {str(op.status): success}
    if op.status == 201:
        responses["200"] = {**success, "description": "already received"}
    if not op.public:
        responses["401"] = _error("no valid token or session")
        responses["403"] = _error("not allowed")
    if parameters and any(p["in"] == "path" for p in parameters):
        responses["404"] = _error("not found, or not in the caller's scope")
    if op.body is not None or op.query is not None:
        responses["422"] = _error("the request does not match the schema")
    if op.body is not None:
        responses["400"] = _error("malformed JSON")
        responses["415"] = _error("not JSON")
    document: dict[str, Any] = {
        "operationId": op.endpoint.removeprefix("api."),
        "summary": op.summary,
        "parameters": parameters,
        "responses": responses,
    }
    if op.description:
        document["description"] = op.description
    if op.body is not None:
        document["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF_TEMPLATE.format(model=op.body.__name__)}}
            },
        }
    document["security"] = [] if op.public else [{"bearer": []}, {"session": []}]
    return document
