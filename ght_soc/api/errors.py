"""Every API error is JSON: `{"error": code, "message": text, "details": [...]}`."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def json_error(error: HTTPException | ApiError) -> tuple[Response, int]:
    if isinstance(error, ApiError):
        body: dict[str, Any] = {"error": error.code, "message": error.message}
        if error.details is not None:
            body["details"] = error.details
        return jsonify(body), error.status
    code = (error.name or "error").lower().replace(" ", "_")
    return jsonify({"error": code, "message": error.description or error.name}), error.code or 500


def validation_error(error: ValidationError) -> ApiError:
    details = [
        {"loc": list(item["loc"]), "type": item["type"], "msg": item["msg"]}
        for item in error.errors(include_url=False, include_input=False)
    ]
    return ApiError(422, "validation_error", "the request does not match the schema", details)
