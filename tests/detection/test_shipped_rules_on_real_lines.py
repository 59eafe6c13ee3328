"""The shipped rules fire on real lines once parsed: parser, field mapping and rules agree on names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.syslog.parse import parse_line
from ght_soc.detection.rules import load_rules
from ght_soc.detection.sqlite_engine import SqliteDetector, compile_rules
from ght_soc.events.sqlite_store import SqliteEventStore
from ght_soc.resources import bundled_config_path

NOW = datetime.now(UTC)


@pytest.fixture()
def detect(tmp_path: Path) -> Iterator[object]:
    compiled, errors = compile_rules(load_rules([bundled_config_path("rules")]))
    assert not errors
    store = SqliteEventStore(tmp_path / "events.db")
    detector = SqliteDetector(store, compiled)

    def run(lines: list[str]) -> list[str]:
        events = [
            {**parse_line(line.encode(), received=NOW, zone=ZoneInfo("Europe/Paris")), "establishment_id": 1}
            for line in lines
        ]
        return sorted({d.title for d in detector.evaluate(store.append(events))})

    yield run
    store.close()


def winlogbeat(code: int, **data: str) -> str:
    return "<134>Nov 22 03:04:05 collector winlogbeat: " + json.dumps(
        {"winlog": {"event_id": code, "computer_name": "PC-URGENCES-01", "event_data": data}}
    )


def fortigate(**pairs: str) -> str:
    base = 'date=2026-11-22 time=03:04:05 devname="FGT-CHU" devid="FG100F" logid="0000000013" tz="+0100" '
    return "<189>" + base + " ".join(f'{k}="{v}"' for k, v in pairs.items())


def test_shadow_copy_deletion_is_critical(detect) -> None:
    line = winlogbeat(
        4688,
        NewProcessName="C:\\Windows\\System32\\vssadmin.exe",
        CommandLine="vssadmin.exe Delete Shadows /All /Quiet",
    )
    assert detect([line]) == [
        "Suppression des clichés instantanés (vssadmin, wmic, wbadmin) — précurseur de rançongiciel"
    ]


def test_a_port_scan_on_the_firewall(detect) -> None:
    lines = [
        fortigate(srcip="198.51.100.23", dstip="10.37.0.5", dstport=str(1000 + n), action="deny")
        for n in range(60)
    ]
    assert "Balayage de ports (50 ports refusés en une minute depuis une même adresse)" in detect(lines)


def test_an_administrator_logs_on_to_the_firewall(detect) -> None:
    line = fortigate(
        type="event",
        subtype="system",
        logdesc="Admin login successful",
        user="admin",
        srcip="10.37.0.99",
        action="login",
        status="success",
    )
    assert detect([line]) == ["Connexion administrateur réussie sur un pare-feu"]


def test_an_ordinary_logon_raises_nothing(detect) -> None:
    assert (
        detect([winlogbeat(4624, TargetUserName="ide.urgences", IpAddress="10.37.4.2", LogonType="3")]) == []
    )
