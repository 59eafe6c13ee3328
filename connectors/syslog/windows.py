"""Windows events shipped as JSON lines by Winlogbeat (nested `winlog`) or NXLog (flat keys)."""

from __future__ import annotations

from typing import Any

# NXLog's own keys; every other key of an NXLog event is event data.
_NXLOG_KEYS = {
    "EventTime": "event.original_time",
    "Hostname": "host.name",
    "EventID": "event.code",
    "Channel": "winlog.channel",
    "SourceName": "winlog.provider_name",
    "ProviderGuid": "winlog.provider_guid",
    "Message": "message",
    "Severity": "log.level",
    "RecordNumber": "winlog.record_id",
    "EventReceivedTime": "event.created",
    "Keywords": "winlog.keywords",
    "Task": "winlog.task",
    "Opcode": "winlog.opcode",
    "ProcessID": "process.pid",
    "ThreadID": "process.thread.id",
    "Category": "winlog.category",
    "SeverityValue": "log.syslog.severity.code",
    "SourceModuleName": None,
    "SourceModuleType": None,
    "EventType": "winlog.event_type",
    "Version": None,
}
# Event data worth an ECS name of its own (what detection rules and filters use most).
_DATA_FIELDS = {
    "TargetUserName": "user.name",
    "TargetDomainName": "user.domain",
    "IpAddress": "source.ip",
    "IpPort": "source.port",
    "WorkstationName": "source.domain",
    "CommandLine": "process.command_line",
    "NewProcessName": "process.executable",
    "Image": "process.executable",
    "ParentImage": "process.parent.executable",
    "ObjectName": "file.path",
    "TargetFilename": "file.path",
}


def is_windows_event(document: dict[str, Any]) -> bool:
    return "winlog" in document or "EventID" in document


def parse_windows(document: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"observer.vendor": "Microsoft", "observer.product": "Windows"}
    if "winlog" in document:
        winlog = _mapping(document.get("winlog"))
        data = _mapping(winlog.get("event_data"))
        fields["event.code"] = str(winlog.get("event_id", ""))
        fields["winlog.channel"] = winlog.get("channel")
        fields["winlog.provider_name"] = winlog.get("provider_name")
        fields["host.name"] = winlog.get("computer_name") or _mapping(document.get("host")).get("name")
        if isinstance(document.get("@timestamp"), str):
            fields["@timestamp"] = document["@timestamp"]
        if isinstance(document.get("message"), str):
            fields["message"] = document["message"]
    else:
        data = {}
        for key, value in document.items():
            if key in _NXLOG_KEYS:
                name = _NXLOG_KEYS[key]
                if name is not None:
                    fields[name] = value
            else:
                data[key] = value
        fields["event.code"] = str(document.get("EventID", ""))
    for key, value in data.items():
        fields[f"winlog.event_data.{key}"] = value
        if key in _DATA_FIELDS and value not in (None, "", "-"):
            fields[_DATA_FIELDS[key]] = value
    if not fields.get("message"):
        # Winlogbeat may ship without the rendered message: say at least what and who.
        about = " ".join(f"{name}={fields[name]}" for name in ("user.name", "source.ip") if fields.get(name))
        fields["message"] = f"Windows {fields['event.code']} {fields.get('host.name', '')} {about}".strip()
    return {name: value for name, value in fields.items() if value is not None}


def _mapping(value: Any) -> dict[str, Any]:
    """`value` when it is an object; a sender's `"winlog": 5` or `"host": "pc1"` reads as empty (found by fuzzing)."""
    return value if isinstance(value, dict) else {}
