"""Pure hygiene checks on what the poller learned: default communities, missing v3, vulnerable firmware."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connectors.snmp.records import Device


class FindingKind(StrEnum):
    """Hygiene problems the SNMP connector reports."""

    DEFAULT_COMMUNITY = "default_community"
    NO_V3 = "no_v3"
    VULNERABLE_FIRMWARE = "vulnerable_firmware"


@dataclass(frozen=True)
class Finding:
    """One hygiene finding on one device."""

    kind: FindingKind
    establishment: str
    address: str
    detail: str


@dataclass(frozen=True)
class VulnerableFirmware:
    """A firmware listed as vulnerable in config, per vendor (exact revision match)."""

    vendor: str
    revision: str
    advisory: str


def check_device(
    device: Device,
    *,
    default_communities_answered: tuple[str, ...],
    answers_v3: bool,
    vulnerable: tuple[VulnerableFirmware, ...] = (),
) -> list[Finding]:
    """Return the hygiene findings for one device; the probe results are passed in by the caller."""
    est, addr = device.establishment, device.address
    findings = [Finding(FindingKind.DEFAULT_COMMUNITY, est, addr, c) for c in default_communities_answered]
    if not answers_v3:
        findings.append(Finding(FindingKind.NO_V3, est, addr, "device does not answer SNMPv3"))
    revisions = {r for e in device.entities for r in (e.firmware_rev, e.software_rev) if r}
    for entry in vulnerable:
        if entry.vendor == device.vendor and entry.revision in revisions:
            findings.append(
                Finding(FindingKind.VULNERABLE_FIRMWARE, est, addr, f"{entry.revision}: {entry.advisory}")
            )
    return findings
