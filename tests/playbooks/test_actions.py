"""The declared actions and the seam where the engine plugs what runs them."""

from __future__ import annotations

from collections.abc import Mapping

import pytest
from pydantic import BaseModel, ValidationError

from ght_soc.playbooks.actions import (
    ACTIONS,
    HandlerAlreadyRegisteredError,
    HandlerRegistry,
    MemberActionDisabledError,
    MissingHandlerError,
    NotifyMail,
    UnknownActionError,
    action_spec,
    require_enabled,
)

EXPECTED = {
    "notify.mail", "notify.webhook", "incident.set_severity", "incident.set_status", "incident.add_task",
    "incident.add_note", "declaration.open_draft", "events.search", "ldap.disable_account", "snmp.port_admin_down",
}  # fmt: skip


def test_the_declared_actions_are_the_ten_of_the_issue_and_only_member_actions_harm() -> None:
    assert set(ACTIONS) == EXPECTED
    assert {name for name, spec in ACTIONS.items() if spec.harms_member_system} == {
        "ldap.disable_account",
        "snmp.port_admin_down",
    }
    assert all(spec.label for spec in ACTIONS.values())


def test_an_unknown_action_fails_loudly_listing_the_known_ones() -> None:
    with pytest.raises(UnknownActionError) as caught:
        action_spec("ldap.delete_everything")
    assert caught.value.known == tuple(sorted(EXPECTED))
    assert "notify.mail" in str(caught.value)


def test_a_member_action_runs_only_when_enabled_in_config() -> None:
    spec = action_spec("ldap.disable_account")
    with pytest.raises(MemberActionDisabledError):
        require_enabled(spec, [])
    require_enabled(spec, ["ldap.disable_account"])
    require_enabled(action_spec("notify.mail"), [])


def test_the_engine_registers_one_handler_per_declared_action() -> None:
    registry: HandlerRegistry[str] = HandlerRegistry()

    def send(arguments: BaseModel, context: str) -> Mapping[str, object]:
        assert isinstance(arguments, NotifyMail)
        return {"sent": len(arguments.to)}

    registry.register("notify.mail", send)
    arguments = registry.parse_arguments("notify.mail", {"to": ["rssi"], "subject": "s", "body": "b"})
    assert registry.handler("notify.mail")(arguments, "ctx") == {"sent": 1}
    assert "notify.mail" not in registry.missing() and "notify.webhook" in registry.missing()
    with pytest.raises(HandlerAlreadyRegisteredError):
        registry.register("notify.mail", send)
    with pytest.raises(UnknownActionError):
        registry.register("notify.pigeon", send)
    with pytest.raises(MissingHandlerError):
        registry.handler("notify.webhook")
    with pytest.raises(ValidationError):
        registry.parse_arguments("notify.mail", {"to": [], "subject": "s", "body": "b"})
