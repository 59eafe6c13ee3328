"""Reading the network inventory for the pages: device lists with filters, one device, its history, findings.

Every query runs in the session's scope: a site user sees their establishment's devices only. Writing the
inventory from a poll round is devices.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ght_soc.models import DeviceChange, DeviceFinding, NetworkDevice

DEVICE_STATES = ("answering", "failing", "silent")


@dataclass(frozen=True)
class DevicePage:
    devices: Sequence[NetworkDevice]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_devices(
    *,
    session: Session,
    establishment_id: int | None = None,
    state: str | None = None,
    vendor: str | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = 100,
) -> DevicePage:
    """Devices matching the filters, by establishment then name; `state` is one of DEVICE_STATES."""
    query = select(NetworkDevice)
    if establishment_id is not None:
        query = query.where(NetworkDevice.establishment_id == establishment_id)
    if state == "answering":
        query = query.where(NetworkDevice.consecutive_failures == 0)
    elif state == "failing":
        query = query.where(NetworkDevice.consecutive_failures > 0, NetworkDevice.silent.is_(False))
    elif state == "silent":
        query = query.where(NetworkDevice.silent.is_(True))
    if vendor:
        query = query.where(NetworkDevice.vendor == vendor)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            func.lower(NetworkDevice.sys_name).like(pattern)
            | NetworkDevice.address.like(pattern)
            | func.lower(NetworkDevice.sys_location).like(pattern)
        )
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(NetworkDevice.establishment_id, NetworkDevice.sys_name, NetworkDevice.address)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return DevicePage(devices=rows, total=total, page=page, per_page=per_page)


def vendors(*, session: Session) -> list[str]:
    """The vendors of the devices in scope, for the filter."""
    return sorted(v for v in session.scalars(select(NetworkDevice.vendor).distinct()) if v)


def get_device(*, session: Session, device_id: int) -> NetworkDevice | None:
    """One device with its interfaces and entities, or None (outside the scope included)."""
    return session.scalars(
        select(NetworkDevice)
        .where(NetworkDevice.id == device_id)
        .options(selectinload(NetworkDevice.interfaces), selectinload(NetworkDevice.entities))
    ).one_or_none()


def device_history(*, session: Session, device_id: int, limit: int = 200) -> Sequence[DeviceChange]:
    """The device's timeline, newest first."""
    return session.scalars(
        select(DeviceChange)
        .where(DeviceChange.device_id == device_id)
        .order_by(DeviceChange.occurred_at.desc(), DeviceChange.id.desc())
        .limit(limit)
    ).all()


def open_device_findings(
    *, session: Session, establishment_id: int | None = None, device_id: int | None = None
) -> Sequence[DeviceFinding]:
    """Unresolved hygiene findings, per establishment or per device."""
    query = select(DeviceFinding).where(DeviceFinding.resolved_at.is_(None))
    if establishment_id is not None:
        query = query.where(DeviceFinding.establishment_id == establishment_id)
    if device_id is not None:
        query = query.where(DeviceFinding.device_id == device_id)
    return session.scalars(query.order_by(DeviceFinding.kind, DeviceFinding.device_id)).all()
