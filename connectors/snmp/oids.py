"""Numeric OIDs the poller reads. MIB names never resolve offline, so only numbers live here."""

from __future__ import annotations

from typing import Final

# SNMPv2-MIB system group (scalars, instance .0)
SYS_DESCR: Final = "1.3.6.1.2.1.1.1.0"
SYS_OBJECT_ID: Final = "1.3.6.1.2.1.1.2.0"
SYS_UPTIME: Final = "1.3.6.1.2.1.1.3.0"
SYS_CONTACT: Final = "1.3.6.1.2.1.1.4.0"
SYS_NAME: Final = "1.3.6.1.2.1.1.5.0"
SYS_LOCATION: Final = "1.3.6.1.2.1.1.6.0"
SYSTEM_SCALARS: Final = (SYS_DESCR, SYS_OBJECT_ID, SYS_UPTIME, SYS_CONTACT, SYS_NAME, SYS_LOCATION)

# IF-MIB ifTable entry (1.3.6.1.2.1.2.2.1) columns
IF_DESCR: Final = "1.3.6.1.2.1.2.2.1.2"
IF_TYPE: Final = "1.3.6.1.2.1.2.2.1.3"
IF_SPEED: Final = "1.3.6.1.2.1.2.2.1.5"
IF_PHYS_ADDRESS: Final = "1.3.6.1.2.1.2.2.1.6"
IF_ADMIN_STATUS: Final = "1.3.6.1.2.1.2.2.1.7"
IF_OPER_STATUS: Final = "1.3.6.1.2.1.2.2.1.8"
IF_TABLE_COLUMNS: Final = (IF_DESCR, IF_TYPE, IF_SPEED, IF_PHYS_ADDRESS, IF_ADMIN_STATUS, IF_OPER_STATUS)

# IF-MIB ifXTable entry (1.3.6.1.2.1.31.1.1.1) columns
IF_NAME: Final = "1.3.6.1.2.1.31.1.1.1.1"
IF_HIGH_SPEED: Final = "1.3.6.1.2.1.31.1.1.1.15"
IF_ALIAS: Final = "1.3.6.1.2.1.31.1.1.1.18"
IFX_TABLE_COLUMNS: Final = (IF_NAME, IF_HIGH_SPEED, IF_ALIAS)

# ENTITY-MIB entPhysicalTable entry (1.3.6.1.2.1.47.1.1.1.1) columns
ENT_PHYSICAL_DESCR: Final = "1.3.6.1.2.1.47.1.1.1.1.2"
ENT_PHYSICAL_CLASS: Final = "1.3.6.1.2.1.47.1.1.1.1.5"
ENT_PHYSICAL_NAME: Final = "1.3.6.1.2.1.47.1.1.1.1.7"
ENT_PHYSICAL_HARDWARE_REV: Final = "1.3.6.1.2.1.47.1.1.1.1.8"
ENT_PHYSICAL_FIRMWARE_REV: Final = "1.3.6.1.2.1.47.1.1.1.1.9"
ENT_PHYSICAL_SOFTWARE_REV: Final = "1.3.6.1.2.1.47.1.1.1.1.10"
ENT_PHYSICAL_SERIAL_NUM: Final = "1.3.6.1.2.1.47.1.1.1.1.11"
ENT_PHYSICAL_MFG_NAME: Final = "1.3.6.1.2.1.47.1.1.1.1.12"
ENT_PHYSICAL_MODEL_NAME: Final = "1.3.6.1.2.1.47.1.1.1.1.13"
ENT_PHYSICAL_COLUMNS: Final = (
    ENT_PHYSICAL_DESCR,
    ENT_PHYSICAL_CLASS,
    ENT_PHYSICAL_NAME,
    ENT_PHYSICAL_HARDWARE_REV,
    ENT_PHYSICAL_FIRMWARE_REV,
    ENT_PHYSICAL_SOFTWARE_REV,
    ENT_PHYSICAL_SERIAL_NUM,
    ENT_PHYSICAL_MFG_NAME,
    ENT_PHYSICAL_MODEL_NAME,
)

# Enterprise subtree: sysObjectID values start with this, followed by the IANA enterprise number.
ENTERPRISES: Final = "1.3.6.1.4.1"
