"""Pure checks of the vendor table and settings validation."""

from __future__ import annotations

import pytest

from connectors.snmp.settings import EstablishmentTargets, V2cCredentials, V3Credentials
from connectors.snmp.vendors import enterprise_number, vendor_for


def test_vendor_from_sys_object_id() -> None:
    assert vendor_for("1.3.6.1.4.1.9.1.2066") == "Cisco"
    assert vendor_for("1.3.6.1.4.1.11256.2.1") == "Stormshield"
    assert vendor_for("1.3.6.1.4.1.99999.1") is None
    assert enterprise_number("1.3.6.1.2.1.1") is None


def test_ranges_expand_and_bad_range_fails() -> None:
    targets = EstablishmentTargets(
        "chu-a", V2cCredentials("x"), hosts=("10.0.0.1",), networks=("10.1.0.0/30",)
    )
    assert targets.addresses() == ["10.0.0.1", "10.1.0.1", "10.1.0.2"]
    with pytest.raises(ValueError):
        EstablishmentTargets("chu-a", V2cCredentials("x"), networks=("10.1.0.0/33",))


def test_secrets_hidden_and_short_keys_refused() -> None:
    assert "s3cret" not in repr(V2cCredentials("s3cret"))
    with pytest.raises(ValueError):
        V3Credentials("u", "short", "longenough")
