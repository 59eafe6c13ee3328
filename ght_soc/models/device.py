"""Network devices polled over SNMP: inventory, interfaces, physical entities, findings and change history.

Every table is establishment-owned, children included, so that the scoping filter restricts a site user's
queries on any of them, not only through the device. A failed or partial poll never deletes a row: the last
good state stays until a complete poll says otherwise.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, EstablishmentOwned
from ght_soc.models.ght import Establishment


class NetworkDevice(EstablishmentOwned, Base):
    """One device (switch, router, firewall, printer...) as its last answering poll showed it."""

    __tablename__ = "network_device"
    __table_args__ = (UniqueConstraint("establishment_id", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    target: Mapped[str] = mapped_column(String(80))  # the configured target group that polls it
    address: Mapped[str] = mapped_column(String(64))
    sys_name: Mapped[str] = mapped_column(String(255), default="")
    sys_descr: Mapped[str] = mapped_column(Text, default="")
    sys_object_id: Mapped[str] = mapped_column(String(255), default="")
    sys_contact: Mapped[str] = mapped_column(String(255), default="")
    sys_location: Mapped[str] = mapped_column(String(255), default="")
    vendor: Mapped[str | None] = mapped_column(String(80))
    model: Mapped[str] = mapped_column(String(255), default="")  # from the first ENTITY-MIB entry with one
    serial: Mapped[str] = mapped_column(String(255), default="")
    firmware: Mapped[str] = mapped_column(String(255), default="")
    uptime_ticks: Mapped[int] = mapped_column(BigInteger, default=0)
    poll_status: Mapped[str] = mapped_column(String(20))  # ok, partial, failed (connectors.snmp PollStatus)
    failure_reason: Mapped[str | None] = mapped_column(String(20))
    failure_detail: Mapped[str] = mapped_column(Text, default="")
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    silent: Mapped[bool] = mapped_column(default=False)  # reported silent, until it answers again
    first_seen_at: Mapped[datetime]
    last_polled_at: Mapped[datetime]
    last_answered_at: Mapped[datetime]
    last_complete_at: Mapped[datetime | None]

    establishment: Mapped[Establishment] = relationship()
    interfaces: Mapped[list[NetworkInterface]] = relationship(
        back_populates="device", cascade="all, delete-orphan", order_by="NetworkInterface.index"
    )
    entities: Mapped[list[DeviceEntity]] = relationship(
        back_populates="device", cascade="all, delete-orphan", order_by="DeviceEntity.index"
    )


class NetworkInterface(EstablishmentOwned, Base):
    """One IF-MIB row of a device."""

    __tablename__ = "network_interface"
    __table_args__ = (UniqueConstraint("device_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("network_device.id", ondelete="CASCADE"), index=True)
    index: Mapped[int]
    name: Mapped[str] = mapped_column(String(255))
    alias: Mapped[str] = mapped_column(String(255), default="")
    type: Mapped[int] = mapped_column(default=0)
    speed_bps: Mapped[int] = mapped_column(BigInteger, default=0)
    mac: Mapped[str] = mapped_column(String(64), default="")
    admin_up: Mapped[bool] = mapped_column(default=False)
    oper_up: Mapped[bool] = mapped_column(default=False)
    critical: Mapped[bool] = mapped_column(default=False)  # named in the configuration's critical interfaces
    updated_at: Mapped[datetime]

    device: Mapped[NetworkDevice] = relationship(back_populates="interfaces")


class DeviceEntity(EstablishmentOwned, Base):
    """One ENTITY-MIB entPhysicalTable row (chassis, module, power supply...)."""

    __tablename__ = "device_entity"
    __table_args__ = (UniqueConstraint("device_id", "index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("network_device.id", ondelete="CASCADE"), index=True)
    index: Mapped[int]
    description: Mapped[str] = mapped_column(String(255), default="")
    model: Mapped[str] = mapped_column(String(255), default="")
    serial: Mapped[str] = mapped_column(String(255), default="")
    hardware_rev: Mapped[str] = mapped_column(String(255), default="")
    firmware_rev: Mapped[str] = mapped_column(String(255), default="")
    software_rev: Mapped[str] = mapped_column(String(255), default="")

    device: Mapped[NetworkDevice] = relationship(back_populates="entities")


class DeviceChange(EstablishmentOwned, Base):
    """One line of a device's history: new, silent, back, rebooted, firmware changed, critical link down."""

    __tablename__ = "device_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("network_device.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    occurred_at: Mapped[datetime]
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id", ondelete="SET NULL"))

    device: Mapped[NetworkDevice] = relationship()


class DeviceFinding(EstablishmentOwned, Base):
    """A hygiene finding on one device as the last complete poll showed it; resolved when one no longer does."""

    __tablename__ = "device_finding"
    __table_args__ = (UniqueConstraint("device_id", "kind", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("network_device.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))  # connectors.snmp.hygiene FindingKind
    subject: Mapped[str] = mapped_column(String(255), default="")  # the community, the firmware revision...
    detail: Mapped[str] = mapped_column(Text, default="")
    first_seen_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]

    device: Mapped[NetworkDevice] = relationship()
