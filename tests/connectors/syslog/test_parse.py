"""Parsing one line: each format into ECS-style fields, the raw line always kept, bad input flagged not lost."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from connectors.syslog.parse import parse_line

RECEIVED = datetime(2026, 11, 22, 2, 4, 6, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


def parse(line: str | bytes, **options: int) -> dict[str, object]:
    raw = line.encode() if isinstance(line, str) else line
    return parse_line(raw, received=RECEIVED, zone=PARIS, **options)


WINLOGBEAT = json.dumps(
    {
        "@timestamp": "2026-11-22T02:03:00.123Z",
        "message": "An account failed to log on.",
        "host": {"name": "dc01.chu.local"},
        "winlog": {
            "event_id": 4625,
            "channel": "Security",
            "computer_name": "DC01.chu.local",
            "provider_name": "Microsoft-Windows-Security-Auditing",
            "event_data": {"TargetUserName": "administrateur", "IpAddress": "10.37.4.12", "LogonType": "3"},
        },
    }
)
NXLOG = json.dumps(
    {
        "EventTime": "2026-11-22 03:03:00",
        "Hostname": "SRV-PACS",
        "EventID": 4720,
        "Channel": "Security",
        "SourceName": "Microsoft-Windows-Security-Auditing",
        "TargetUserName": "nouveau.compte",
        "SubjectUserName": "admin",
    }
)

CASES = [
    pytest.param(
        "<34>Nov 22 03:04:05 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
        {
            "log.syslog.facility.code": 4,
            "log.syslog.severity.code": 2,
            "host.name": "mymachine",
            "process.name": "su",
            "message": "'su root' failed for lonvick on /dev/pts/8",
            "@timestamp": "2026-11-22T03:04:05+01:00",
        },
        id="rfc3164",
    ),
    pytest.param(
        "<13>Nov 22 03:04:05 fw01 sshd[123] Accepted password for admin",
        {
            "host.name": "fw01",
            "process.name": "sshd",
            "process.pid": "123",
            "message": "Accepted password for admin",
        },
        id="rfc3164-no-colon-after-tag",
    ),
    pytest.param(
        "<165>1 2026-11-22T03:04:05.003+01:00 mymachine.example.com evntslog - ID47 "
        '[exampleSDID@32473 iut="3" eventSource="Application"][meta x="a \\"b\\""] An application event',
        {
            "log.syslog.severity.code": 5,
            "host.name": "mymachine.example.com",
            "process.name": "evntslog",
            "event.code": "ID47",
            "message": "An application event",
            "@timestamp": "2026-11-22T03:04:05.003000+01:00",
            "syslog.structured_data": {
                "exampleSDID@32473": {"iut": "3", "eventSource": "Application"},
                "meta": {"x": 'a "b"'},
            },
        },
        id="rfc5424-structured-data",
    ),
    pytest.param(
        "<14>1 2026-11-22T02:04:05Z host app 42 - -  leading space from rsyslog",
        {
            "process.pid": "42",
            "message": "leading space from rsyslog",
            "@timestamp": "2026-11-22T02:04:05+00:00",
        },
        id="rfc5424-nil-and-leading-space",
    ),
    pytest.param(
        "<134>Nov 22 03:04:05 proxy CEF:0|Trend Micro|Deep Security Agent|10.0|4000000|Eicar_test_file|6|"
        "cn1=1 cn1Label=Host ID dvchost=srv-dpi src=10.0.0.5 act=blocked msg=Malware found \\= bad file",
        {
            "observer.vendor": "Trend Micro",
            "observer.product": "Deep Security Agent",
            "event.code": "4000000",
            "rule.name": "Eicar_test_file",
            "source.ip": "10.0.0.5",
            "event.action": "blocked",
            "observer.hostname": "srv-dpi",
            "cef.extensions.cn1Label": "Host ID",
            "message": "Malware found = bad file",
        },
        id="cef",
    ),
    pytest.param(
        '<189>date=2026-11-22 time=03:04:05 devname="FGT-CHU" devid="FG100F" logid="0000000013" type="traffic" '
        'subtype="forward" level="notice" tz="+0100" srcip=10.37.1.20 srcport=51234 srcintf="port1" '
        'dstip=203.0.113.80 dstport=443 dstintf="wan1" policyid=12 action="deny" service="HTTPS"',
        {
            "observer.vendor": "Fortinet",
            "observer.name": "FGT-CHU",
            "source.ip": "10.37.1.20",
            "source.port": "51234",
            "destination.ip": "203.0.113.80",
            "destination.port": "443",
            "event.action": "deny",
            "event.outcome": "failure",
            "rule.id": "12",
            "@timestamp": "2026-11-22T03:04:05+01:00",
        },
        id="fortigate",
    ),
    pytest.param(
        '<134>id=firewall time="2026-11-22 03:04:05" fw="SN310-EPSM" tz=+0100 pri=5 ruleid=3 srcif="Ethernet0" '
        'proto=ssh src=198.51.100.7 srcport=40000 dst=10.38.0.10 dstport=22 action=block msg="Connexion bloquée"',
        {
            "observer.vendor": "Stormshield",
            "observer.name": "SN310-EPSM",
            "source.ip": "198.51.100.7",
            "destination.port": "22",
            "event.outcome": "failure",
            "kv.msg": "Connexion bloquée",
            "@timestamp": "2026-11-22T03:04:05+01:00",
        },
        id="stormshield",
    ),
    pytest.param(
        "<134>Nov 22 03:04:05 pfsense filterlog[1234]: 5,,,1000000103,igb0,match,block,in,4,0x0,,64,0,0,DF,6,tcp,60,"
        "192.0.2.10,10.0.0.1,54321,443,0,S,123,,64240,,mss",
        {
            "observer.product": "pfSense/OPNsense",
            "event.action": "block",
            "network.direction": "inbound",
            "network.transport": "tcp",
            "source.ip": "192.0.2.10",
            "destination.ip": "10.0.0.1",
            "source.port": "54321",
            "destination.port": "443",
            "rule.id": "5",
        },
        id="pfsense-filterlog",
    ),
    pytest.param(
        WINLOGBEAT,
        {
            "event.code": "4625",
            "host.name": "DC01.chu.local",
            "user.name": "administrateur",
            "source.ip": "10.37.4.12",
            "winlog.event_data.LogonType": "3",
            "winlog.channel": "Security",
            "@timestamp": "2026-11-22T02:03:00.123000+00:00",
        },
        id="winlogbeat-json",
    ),
    pytest.param(
        "<14>Nov 22 03:04:05 collector nxlog: " + NXLOG,
        {
            "event.code": "4720",
            "host.name": "SRV-PACS",
            "user.name": "nouveau.compte",
            "winlog.event_data.SubjectUserName": "admin",
            "@timestamp": "2026-11-22T03:03:00+01:00",
        },
        id="nxlog-json-in-syslog",
    ),
]


@pytest.mark.parametrize(("line", "expected"), CASES)
def test_each_format_is_normalised_and_the_raw_line_kept(line: str, expected: dict[str, object]) -> None:
    event = parse(line)
    assert {name: event.get(name) for name in expected} == expected
    assert event["event.original"] == line
    assert "event.parse_error" not in event


def test_a_windows_event_without_a_message_gets_a_readable_one() -> None:
    event = parse(
        '{"winlog": {"event_id": 4625, "computer_name": "DC01", "event_data": {"TargetUserName": "admin"}}}'
    )
    assert event["message"] == "Windows 4625 DC01 user.name=admin"


def test_a_line_over_the_limit_is_kept_truncated_and_flagged() -> None:
    event = parse("<13>Nov 22 03:04:05 host app: " + "x" * 5000, max_bytes=1024)
    assert event["event.truncated"] is True and len(str(event["event.original"])) == 1024


def test_invalid_utf8_is_decoded_with_replacement_and_the_bytes_kept() -> None:
    raw = b"<13>Nov 22 03:04:05 host app: caf\xe9 cr\xe8me"
    event = parse(raw)
    assert event["message"] == "caf\ufffd cr\ufffdme"
    import base64

    assert base64.b64decode(str(event["event.original_base64"])) == raw


def test_binary_noise_is_kept_as_an_unparsed_event() -> None:
    event = parse(bytes(range(256)) * 2)
    assert event["event.parse_error"] == "contenu binaire"
    assert event["@timestamp"] == RECEIVED.isoformat() and event["event.original"]


def test_an_impossible_priority_is_flagged_and_the_rest_still_read() -> None:
    event = parse("<999>Nov 22 03:04:05 host app: hello")
    assert event["event.parse_error"] == "priorité impossible : 999"
    assert event["host.name"] == "host" and event["message"] == "hello"
    assert "log.syslog.priority" not in event


@pytest.mark.parametrize("stated", ["2031-01-01T00:00:00Z", "2019-01-01T00:00:00Z"])
def test_a_time_far_from_the_reception_keeps_both(stated: str) -> None:
    event = parse(f"<14>1 {stated} host app - - - message")
    assert event["event.time_suspect"] is True
    assert event["@timestamp"] == RECEIVED.isoformat()
    assert str(event["event.original_time"]).startswith(stated[:10])
    assert event["event.created"] == RECEIVED.isoformat()


@pytest.mark.parametrize(
    ("line", "error"),
    [("[1, 2, 3]", "JSON qui n'est pas un objet"), ('{"a": ', "JSON invalide"), ('{"a": {"b": 1}}', None)],
)
def test_json_lines_that_are_not_objects_are_flagged(line: str, error: str | None) -> None:
    event = parse(line)
    if error is None:
        assert "event.parse_error" not in event and event["a.b"] == 1  # an object is flattened
    else:
        assert str(event["event.parse_error"]).startswith(error)
    assert event["event.original"] == line


def test_no_header_at_all_is_still_an_event() -> None:
    event = parse("plain text without any header")
    assert event["message"] == "plain text without any header"
    assert event["@timestamp"] == RECEIVED.isoformat()


def test_a_cef_header_value_ending_in_an_escaped_backslash_keeps_the_next_separator() -> None:
    # `\\|`: an escaped backslash, then the separator (found by hypothesis: a look-behind took it for `\|`).
    from connectors.syslog.cef import parse_cef

    fields = parse_cef("CEF:0|Fortinet\\\\|FortiGate|7.2|13|Connexion \\| refusée|5|src=10.0.0.1")
    assert fields is not None
    assert (fields["observer.vendor"], fields["observer.product"]) == ("Fortinet\\", "FortiGate")
    assert fields["rule.name"] == "Connexion | refusée" and fields["source.ip"] == "10.0.0.1"
    assert parse_cef("CEF:0|v|p|1|id|nom|3")["event.severity"] == "3"  # type: ignore[index]
