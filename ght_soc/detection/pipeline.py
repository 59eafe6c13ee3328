"""From Sigma's field names and log sources to ours (ECS-style names, as the log parsers normalise them).

The mapping is data: a rule written for Windows Security (`EventID`, `TargetUserName`) or for a firewall
(`src_ip`, `dst_port`) queries the same columns as the events page.
"""

from __future__ import annotations

from sigma.processing.conditions import ExcludeFieldCondition, LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations import (
    AddFieldnamePrefixTransformation,
    FieldMappingTransformation,
    SetStateTransformation,
)

# Windows event fields as Winlogbeat and NXLog deliver them once parsed.
WINDOWS_FIELDS: dict[str | None, str | list[str]] = {
    "EventID": "event.code",
    "Channel": "winlog.channel",
    "Provider_Name": "winlog.provider_name",
    "Computer": "host.name",
    "TargetUserName": "user.name",
    "TargetDomainName": "user.domain",
    "SubjectUserName": "winlog.event_data.SubjectUserName",
    "IpAddress": "source.ip",
    "IpPort": "source.port",
    "WorkstationName": "source.domain",
    "LogonType": "winlog.event_data.LogonType",
    "Status": "winlog.event_data.Status",
    "SubStatus": "winlog.event_data.SubStatus",
    "ServiceName": "winlog.event_data.ServiceName",
    "ImagePath": "winlog.event_data.ImagePath",
    "ServiceFileName": "winlog.event_data.ServiceFileName",
    "MemberName": "winlog.event_data.MemberName",
    "MemberSid": "winlog.event_data.MemberSid",
    "TargetSid": "winlog.event_data.TargetSid",
    "AuthenticationPackageName": "winlog.event_data.AuthenticationPackageName",
    "TicketEncryptionType": "winlog.event_data.TicketEncryptionType",
    "ObjectName": "file.path",
    "TargetFilename": "file.path",
    "Image": "process.executable",
    "NewProcessName": "process.executable",
    "ParentImage": "process.parent.executable",
    "CommandLine": "process.command_line",
}

# Firewalls and other network devices (key=value, CEF), and generic syslog.
NETWORK_FIELDS: dict[str | None, str | list[str]] = {
    "src_ip": "source.ip",
    "src_port": "source.port",
    "dst_ip": "destination.ip",
    "dst_port": "destination.port",
    "action": "event.action",
    "user": "user.name",
    "country": "source.geo.country_iso_code",
    "hostname": "host.name",
    "vendor": "observer.vendor",
    "product": "observer.product",
    "status": "kv.status",
    "logdesc": "kv.logdesc",
    "subtype": "kv.subtype",
    "tunneltype": "kv.tunneltype",
    "srccountry": "source.geo.country_name",
}


# Names already final after the mapping above (and the hub's own column), left as they are.
_WINDOWS_KNOWN = sorted({str(v) for v in WINDOWS_FIELDS.values()} | {"establishment_id"})


def hub_pipeline(table: str) -> ProcessingPipeline:
    """The pipeline the hub compiles every rule with; `table` is the SQL the rule's query reads from."""
    return ProcessingPipeline(
        name="ght-soc field mapping",
        priority=20,
        items=[
            ProcessingItem(
                identifier="ght_soc_windows_fields",
                transformation=FieldMappingTransformation(WINDOWS_FIELDS),
                rule_conditions=[LogsourceCondition(product="windows")],
            ),
            ProcessingItem(
                # Any other Windows field is event data, stored as the parsers store it.
                identifier="ght_soc_windows_event_data",
                transformation=AddFieldnamePrefixTransformation("winlog.event_data."),
                rule_conditions=[LogsourceCondition(product="windows")],
                field_name_conditions=[ExcludeFieldCondition(fields=_WINDOWS_KNOWN)],
            ),
            ProcessingItem(
                identifier="ght_soc_network_fields",
                transformation=FieldMappingTransformation(NETWORK_FIELDS),
                rule_conditions=[LogsourceCondition(category="firewall")],
            ),
            ProcessingItem(identifier="ght_soc_table", transformation=SetStateTransformation("table", table)),
        ],
    )
