"""Actions on member establishments' systems (disable a directory account, shut a switch port).

The engine calls `run` only after both gates (config flag and a prior approval) have held.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel

from ght_soc.playbooks.engine import ActionContext


class MemberActionUnavailableError(RuntimeError):
    """The action cannot reach the member's system (no such directory or device in the configuration)."""


def run(name: str, arguments: BaseModel, context: ActionContext) -> Mapping[str, object]:
    """Dispatch to the connector that carries out `name`."""
    raise MemberActionUnavailableError(f"{name}: not available yet")
