"""sysObjectID enterprise number -> vendor, for vendors common in French hospital networks."""

from __future__ import annotations

from typing import Final

from connectors.snmp.oids import ENTERPRISES

# IANA private enterprise numbers. Number 11 is HP as a whole (ProCurve switches and printers alike).
VENDORS: Final[dict[int, str]] = {
    9: "Cisco",
    11: "HP",
    14823: "Aruba",
    47196: "HPE Aruba",
    2636: "Juniper",
    12356: "Fortinet",
    11256: "Stormshield",
    25461: "Palo Alto Networks",
    1916: "Extreme Networks",
    6486: "Alcatel-Lucent Enterprise",
    6527: "Nokia (Alcatel-Lucent)",
    2011: "Huawei",
    674: "Dell",
    6027: "Dell EMC Networking",
    1991: "Brocade",
    25053: "Ruckus",
    41112: "Ubiquiti",
    14988: "MikroTik",
    890: "Zyxel",
    171: "D-Link",
    4526: "Netgear",
    641: "Lexmark",
    253: "Xerox",
    367: "Ricoh",
    1602: "Canon",
    1347: "Kyocera",
    18334: "Konica Minolta",
    2435: "Brother",
    318: "APC (Schneider Electric)",
    534: "Eaton",
    8072: "Net-SNMP",
    311: "Microsoft",
}


def enterprise_number(sys_object_id: str) -> int | None:
    """Return the enterprise number of a numeric sysObjectID, or None outside 1.3.6.1.4.1."""
    prefix = ENTERPRISES + "."
    if not sys_object_id.startswith(prefix):
        return None
    head = sys_object_id[len(prefix) :].split(".", 1)[0]
    return int(head) if head.isdigit() else None


def vendor_for(sys_object_id: str) -> str | None:
    """Return the vendor name for a sysObjectID, or None when the enterprise is unknown."""
    number = enterprise_number(sys_object_id)
    return None if number is None else VENDORS.get(number)
