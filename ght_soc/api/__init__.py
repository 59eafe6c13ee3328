"""The JSON API under /api/v1, scoped like the pages; machine tokens per establishment for collectors."""

from __future__ import annotations

from ght_soc.api import auth, routes  # noqa: F401 - importing them declares the operations on the blueprint
from ght_soc.api.errors import ApiError, json_error
from ght_soc.api.registry import api_blueprint

api_blueprint.register_error_handler(ApiError, json_error)

__all__ = ["api_blueprint"]
