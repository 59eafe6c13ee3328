"""Secrets never logged: everything the live hub logged during the session (the journeys run before this file,
by name) holds none of the secrets it was given or showed: passwords, TOTP keys, recovery codes, the session
key, the directory's bind password, the SNMP trap community.

The SMTP relay of the journeys takes no password (the hub's SMTP authentication is covered by tests/oncall/).
"""

from __future__ import annotations

from tests.journeys.hub import LiveHub


def test_no_secret_of_the_session_appears_in_the_hubs_logs(hub: LiveHub) -> None:
    logged = hub.logs.text()
    assert "ght_soc" in logged, "the capture holds the hub's own log lines"
    leaked = sorted(name for name, value in hub.secrets.items() if value and value in logged)
    assert leaked == [], f"secrets found in the logs: {leaked}"
    # The ones a journey would have added, when the journeys ran in this session.
    assert {"password", "secret_key", "trap_community"} <= hub.secrets.keys()
