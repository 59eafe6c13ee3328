"""What each connector last said about itself, written by the process that runs it, read by the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ght_soc.models.base import Base, EstablishmentOwned
from ght_soc.models.ght import Establishment


class ConnectorStatus(EstablishmentOwned, Base):
    """One connector (a syslog listener, a directory, an SNMP poller), overall or for one establishment.

    `establishment_id` is NULL for the connector as a whole (a listener port): only GHT-wide roles see it.
    """

    __tablename__ = "connector_status"
    __table_args__ = (UniqueConstraint("kind", "name", "establishment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    establishment_id: Mapped[int | None] = mapped_column(  # type: ignore[assignment]
        ForeignKey("establishment.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))  # syslog, ldap, snmp
    name: Mapped[str] = mapped_column(String(80))
    healthy: Mapped[bool] = mapped_column(default=True)
    events: Mapped[int] = mapped_column(default=0)  # since the connector started
    events_per_second: Mapped[float] = mapped_column(default=0.0)
    errors: Mapped[int] = mapped_column(default=0)
    last_event_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    establishment: Mapped[Establishment | None] = relationship()
