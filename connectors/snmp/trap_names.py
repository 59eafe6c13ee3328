"""Notification OIDs -> names, numeric only: the standard traps and a few vendors common in the GHT.

The OIDs were read from the vendors' MIB modules (NOTIFICATION-TYPE definitions); nothing is resolved at run
time. A v1 enterprise-specific trap arrives translated per RFC 3584 as `<enterprise>.0.<specific-trap>`, so
it is found here under that form. Anything not listed is kept raw under the name "unknown".
"""

from __future__ import annotations

from typing import Final

# SNMPv2-MIB snmpTraps (RFC 3418), also what v1 generic-trap 0-5 becomes (RFC 3584 section 3.1).
STANDARD_TRAPS: Final[dict[str, str]] = {
    "1.3.6.1.6.3.1.1.5.1": "coldStart",
    "1.3.6.1.6.3.1.1.5.2": "warmStart",
    "1.3.6.1.6.3.1.1.5.3": "linkDown",
    "1.3.6.1.6.3.1.1.5.4": "linkUp",
    "1.3.6.1.6.3.1.1.5.5": "authenticationFailure",
    "1.3.6.1.6.3.1.1.5.6": "egpNeighborLoss",
}

# Other IETF MIBs that switches, routers and UPSes send.
IETF_TRAPS: Final[dict[str, str]] = {
    "1.3.6.1.2.1.17.0.1": "newRoot",  # BRIDGE-MIB (spanning tree)
    "1.3.6.1.2.1.17.0.2": "topologyChange",
    "1.3.6.1.2.1.47.2.0.1": "entConfigChange",  # ENTITY-MIB
    "1.3.6.1.2.1.15.0.1": "bgpEstablishedNotification",  # BGP4-MIB (RFC 4273)
    "1.3.6.1.2.1.15.0.2": "bgpBackwardTransNotification",
    "1.3.6.1.2.1.15.7.1": "bgpEstablished",
    "1.3.6.1.2.1.15.7.2": "bgpBackwardTransition",
    "1.3.6.1.2.1.33.2.1": "upsTrapOnBattery",  # UPS-MIB (RFC 1628)
    "1.3.6.1.2.1.33.2.2": "upsTrapTestCompleted",
    "1.3.6.1.2.1.33.2.3": "upsTrapAlarmEntryAdded",
    "1.3.6.1.2.1.33.2.4": "upsTrapAlarmEntryRemoved",
}

ENTERPRISE_TRAPS: Final[dict[str, str]] = {
    # Cisco (9): CISCO-CONFIG-MAN-MIB, CISCO-SYSLOG-MIB, CISCO-ENVMON-MIB, CISCO-PORT-SECURITY-MIB,
    # CISCO-STACKWISE-MIB, CISCO-RF-MIB
    "1.3.6.1.4.1.9.9.43.2.0.1": "ciscoConfigManEvent",
    "1.3.6.1.4.1.9.9.43.2.0.2": "ccmCLIRunningConfigChanged",
    "1.3.6.1.4.1.9.9.41.2.0.1": "clogMessageGenerated",
    "1.3.6.1.4.1.9.9.13.3.0.1": "ciscoEnvMonShutdownNotification",
    "1.3.6.1.4.1.9.9.13.3.0.2": "ciscoEnvMonVoltageNotification",
    "1.3.6.1.4.1.9.9.13.3.0.3": "ciscoEnvMonTemperatureNotification",
    "1.3.6.1.4.1.9.9.13.3.0.4": "ciscoEnvMonFanNotification",
    "1.3.6.1.4.1.9.9.13.3.0.5": "ciscoEnvMonRedundantSupplyNotification",
    "1.3.6.1.4.1.9.9.13.3.0.6": "ciscoEnvMonVoltStatusChangeNotif",
    "1.3.6.1.4.1.9.9.13.3.0.7": "ciscoEnvMonTempStatusChangeNotif",
    "1.3.6.1.4.1.9.9.13.3.0.8": "ciscoEnvMonFanStatusChangeNotif",
    "1.3.6.1.4.1.9.9.13.3.0.9": "ciscoEnvMonSuppStatusChangeNotif",
    "1.3.6.1.4.1.9.9.315.0.0.1": "cpsSecureMacAddrViolation",
    "1.3.6.1.4.1.9.9.315.0.0.2": "cpsTrunkSecureMacAddrViolation",
    "1.3.6.1.4.1.9.9.315.0.0.3": "cpsIfVlanSecureMacAddrViolation",
    "1.3.6.1.4.1.9.9.500.0.0.1": "cswStackPortChange",
    "1.3.6.1.4.1.9.9.500.0.0.2": "cswStackNewMaster",
    "1.3.6.1.4.1.9.9.500.0.0.5": "cswStackNewMember",
    "1.3.6.1.4.1.9.9.500.0.0.6": "cswStackMemberRemoved",
    "1.3.6.1.4.1.9.9.176.2.0.1": "ciscoRFSwactNotif",
    # HP ProCurve (11) and HPE Aruba switches (47196): HP-ICF-FAULT-FINDER-MIB, ARUBAWIRED-*-MIB
    "1.3.6.1.4.1.11.2.14.12.1.0.5": "hpicfFaultFinderTrap",
    "1.3.6.1.4.1.47196.4.1.1.3.11.2.0.1": "arubaWiredPSUStateNotification",
    "1.3.6.1.4.1.47196.4.1.1.3.11.5.0.1": "arubaWiredFanStateNotification",
    "1.3.6.1.4.1.47196.4.1.1.3.20.0.1": "arubaWiredConfigurationChangeNotification",
    "1.3.6.1.4.1.47196.4.1.1.3.21.0.1": "arubaWiredPortSecurityViolationStatusChange",
    # Aruba Wi-Fi controllers (14823): WLSX-TRAP-MIB
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1040": "wlsxNAccessPointIsUp",
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1041": "wlsxNAccessPointIsDown",
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1018": "wlsxNUserAuthenticationFailed",
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1192": "wlsxNRogueAPDetected",
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1193": "wlsxNRogueAPResolved",
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1257": "wlsxAPUp",
    "1.3.6.1.4.1.14823.2.3.1.11.1.2.1258": "wlsxAPDown",
    # Fortinet (12356): FORTINET-CORE-MIB, FORTINET-FORTIGATE-MIB
    "1.3.6.1.4.1.12356.100.1.3.0.101": "fnTrapCpuThreshold",
    "1.3.6.1.4.1.12356.100.1.3.0.102": "fnTrapMemThreshold",
    "1.3.6.1.4.1.12356.100.1.3.0.103": "fnTrapLogDiskThreshold",
    "1.3.6.1.4.1.12356.100.1.3.0.104": "fnTrapTempHigh",
    "1.3.6.1.4.1.12356.100.1.3.0.106": "fnTrapPowerSupplyFailure",
    "1.3.6.1.4.1.12356.100.1.3.0.108": "fnTrapFanFailure",
    "1.3.6.1.4.1.12356.100.1.3.0.201": "fnTrapIpChange",
    "1.3.6.1.4.1.12356.101.2.0.301": "fgTrapVpnTunUp",
    "1.3.6.1.4.1.12356.101.2.0.302": "fgTrapVpnTunDown",
    "1.3.6.1.4.1.12356.101.2.0.401": "fgTrapHaSwitch",
    "1.3.6.1.4.1.12356.101.2.0.402": "fgTrapHaStateChange",
    "1.3.6.1.4.1.12356.101.2.0.403": "fgTrapHaHBFail",
    "1.3.6.1.4.1.12356.101.2.0.404": "fgTrapHaMemberDown",
    "1.3.6.1.4.1.12356.101.2.0.405": "fgTrapHaMemberUp",
    "1.3.6.1.4.1.12356.101.2.0.503": "fgTrapIpsSignature",
    "1.3.6.1.4.1.12356.101.2.0.504": "fgTrapIpsAnomaly",
    "1.3.6.1.4.1.12356.101.2.0.601": "fgTrapAvVirus",
    "1.3.6.1.4.1.12356.101.2.0.801": "fgTrapWcApUp",
    "1.3.6.1.4.1.12356.101.2.0.802": "fgTrapWcApDown",
    # Stormshield (11256): STORMSHIELD-ALARM-MIB has one notification carrying the alarm in its varbinds.
    "1.3.6.1.4.1.11256.1.6.1": "snsNotification",
}

TRAP_NAMES: Final[dict[str, str]] = {**STANDARD_TRAPS, **IETF_TRAPS, **ENTERPRISE_TRAPS}


def trap_name(trap_oid: str) -> str:
    """Return the name of a notification OID, or "unknown"."""
    return TRAP_NAMES.get(trap_oid, "unknown")
