"""Pure hygiene checks on what the poller and the probes learned: default communities, no v3, vulnerable firmware."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from connectors.snmp.probes import ProbeResult
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
    """A firmware listed as vulnerable in config: vendor (as in the vendor table) and exact revision.

    `model`, when set, restricts the entry to physical entities of that model (entPhysicalModelName).
    Comparisons ignore case and surrounding blanks, as devices and advisories spell them differently.
    """

    vendor: str
    revision: str
    advisory: str
    model: str = ""


def _norm(value: str | None) -> str:
    return (value or "").strip().casefold()


def vulnerable_firmware(device: Device, vulnerable: tuple[VulnerableFirmware, ...]) -> list[Finding]:
    """Findings for every configured vulnerable revision that one of the device's entities runs."""
    findings = []
    for entry in vulnerable:
        if _norm(entry.vendor) != _norm(device.vendor):
            continue
        for entity in device.entities:
            revisions = {_norm(entity.firmware_rev), _norm(entity.software_rev)} - {""}
            if _norm(entry.revision) in revisions and (
                not entry.model or _norm(entry.model) == _norm(entity.model)
            ):
                detail = f"{entry.revision} on {entity.model or entity.description or entity.index}: {entry.advisory}"
                findings.append(
                    Finding(FindingKind.VULNERABLE_FIRMWARE, device.establishment, device.address, detail)
                )
                break  # one finding per advisory and device, not per module
    return findings


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
    return findings + vulnerable_firmware(device, vulnerable)


def check_probe(
    probe: ProbeResult, device: Device | None = None, vulnerable: tuple[VulnerableFirmware, ...] = ()
) -> list[Finding]:
    """Findings from one probe result, plus firmware findings when the target's inventory is known.

    A target that answered nothing at all (no community, no v3) gets no NO_V3 finding: it is silent or not an
    SNMP device, and the poller reports silence separately.
    """
    est, addr = probe.establishment, probe.address
    findings = [
        Finding(FindingKind.DEFAULT_COMMUNITY, est, addr, f"{a.community} (SNMP{a.version.name.lower()})")
        for a in probe.default_communities
    ]
    if not probe.answers_v3 and (probe.default_communities or device is not None):
        findings.append(Finding(FindingKind.NO_V3, est, addr, "device does not answer SNMPv3"))
    return findings + (vulnerable_firmware(device, vulnerable) if device is not None else [])
