"""Session-wide SNMP peers: Debian's snmpd (v2c community + v3 user) and snmpsim serving a simulated fleet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from tests.connectors.snmp.snmpd import running_snmpd, snmpd_missing
from tests.connectors.snmp.snmpsim import SimDevice, fleet, running_snmpsim

FLEET_SIZE = 210
_SYS_DESCR, _SYS_OBJECT_ID, _SYS_UPTIME, _SYS_NAME = (f"1.3.6.1.2.1.1.{n}.0" for n in (1, 2, 3, 5))
_IF, _ENT = "1.3.6.1.2.1.2.2.1", "1.3.6.1.2.1.47.1.1.1.1"


def _bad(name: str, *extra: tuple[str, str, str]) -> SimDevice:
    return replace(fleet(1)[0], community=name, serial=f"SN-{name}", extra=extra)


# Devices that send what no device should: each is polled by a bad-input test.
BAD_DEVICES = (
    _bad("bad-oversize", (_SYS_DESCR, "4", "A" * 65536)),  # cannot fit in one UDP datagram
    _bad("bad-long", (_SYS_DESCR, "4", "B" * 60000)),  # fits, but far beyond any sane description
    _bad(
        "bad-binary",
        (_SYS_DESCR, "4x", "00ff1b5b33316dc3280a0d"),  # NUL, invalid UTF-8, an ANSI escape, CR LF
        (_SYS_NAME, "4x", "fffe73773031"),
        (f"{_IF}.2.1", "4x", "deadbeef00"),
    ),
    _bad(
        "bad-types",
        (_SYS_OBJECT_ID, "2", "42"),  # an integer where an OID belongs
        (_SYS_UPTIME, "4", "yesterday"),
        (f"{_IF}.5.1", "6", "1.3.6.1"),
        (f"{_IF}.8.1", "4", "up"),
        (f"{_IF}.6.1", "4x", "00" * 64),  # a 64-byte "MAC"
        (f"{_ENT}.5.1", "4", "chassis"),
    ),
)


@dataclass(frozen=True)
class SimulatedFleet:
    """snmpsim's port and the devices it serves (community = device name)."""

    port: int
    devices: tuple[SimDevice, ...]


@pytest.fixture(scope="session")
def snmpd() -> Iterator[int]:
    """A real snmpd with the `hopital-ro` community and the `socv3` authPriv user; yields its port."""
    if snmpd_missing():
        pytest.skip("Debian snmpd not installed")
    with running_snmpd() as port:
        yield port


@pytest.fixture(scope="session")
def simulated() -> Iterator[SimulatedFleet]:
    """snmpsim serving FLEET_SIZE devices plus BAD_DEVICES from generated .snmprec files."""
    # Fewer switches than the bench's fleet: snmpsim serves ~2 k values/s and the suite must stay fast.
    devices = (*fleet(FLEET_SIZE, switches=2, routers=5), *BAD_DEVICES)
    with running_snmpsim(list(devices)) as port:
        yield SimulatedFleet(port, devices[:FLEET_SIZE])
