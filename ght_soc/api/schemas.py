"""The API's request and response bodies: validated on the way in, documented in the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ght_soc.domain import AlertSeverity, AlertStatus, EstablishmentCategory, Nis2Class, Role

# Row ids are PostgreSQL INTEGERs: a larger one in a query made the database raise (a 500, found by schemathesis).
MAX_ID = 2**31 - 1
DbId = Annotated[int, Field(ge=1, le=MAX_ID)]


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SiteOut(_Out):
    id: int
    finess_et: str
    name: str
    city: str | None


class EstablishmentOut(_Out):
    id: int
    key: str
    name: str
    short_name: str
    finess_ej: str
    category: EstablishmentCategory
    is_support: bool
    is_ose: bool
    is_oiv: bool
    nis2_class: Nis2Class
    region: str
    timezone: str
    sites: list[SiteOut]


class EstablishmentList(BaseModel):
    items: list[EstablishmentOut]


class AlertOut(_Out):
    id: int
    establishment_id: int | None  # None: raised on events of an unknown sender (GHT-wide roles see those)
    source: str
    source_ref: str
    title: str
    description: str
    severity: AlertSeverity
    status: AlertStatus
    occurred_at: datetime
    created_at: datetime
    raw: dict[str, Any]


class AlertList(BaseModel):
    items: list[AlertOut]
    total: int
    page: int
    per_page: int


class AlertQuery(_In):
    establishment_id: DbId | None = None
    status: AlertStatus | None = None
    page: int = Field(default=1, ge=1, le=MAX_ID)
    per_page: int = Field(default=50, ge=1, le=500)


class AlertIn(_In):
    """An alert sent by a collector of the token's establishment; re-sending the same `source_ref` is harmless."""

    source: str = Field(min_length=1, max_length=60)
    source_ref: str = Field(min_length=1, max_length=200)
    title: str = Field(min_length=1, max_length=300)
    severity: AlertSeverity
    occurred_at: AwareDatetime
    description: str = Field(default="", max_length=20000)
    raw: dict[str, Any] = Field(default_factory=dict)


# What the services and stores accept (services/events.parse_field_filters, the stores' field names), said in the
# schema so that the document and the answer agree (schemathesis found `field=x` documented valid, then a 422).
# Space and tab only: `\s` differs between Python, JSON Schema and pydantic's regex engine.
FIELD_FILTER = r"^[ \t]*[A-Za-z0-9_@][A-Za-z0-9_.@-]{0,127}[ \t]*[:=]"


class EventSearch(_In):
    establishment_id: DbId | None = None
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    host: str | None = Field(default=None, max_length=255)
    field: list[Annotated[str, Field(pattern=FIELD_FILTER)]] = Field(
        default_factory=list, description="name:value, repeatable; exact, case-insensitive"
    )
    q: str | None = Field(default=None, max_length=500, description="words of the message")
    unattributed: bool = False
    page_size: int = Field(default=50, ge=1, le=500)
    after: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page")


class EventPageOut(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None


class ConnectorStatusOut(_Out):
    kind: str
    name: str
    establishment_id: int | None
    healthy: bool
    events: int
    events_per_second: float
    errors: int
    last_event_at: datetime | None
    updated_at: datetime
    details: dict[str, Any]


class ConnectorStatusList(BaseModel):
    items: list[ConnectorStatusOut]


class GrantOut(BaseModel):
    role: Role
    establishment_id: int | None


class MeOut(BaseModel):
    display_name: str
    user_id: int | None
    token_id: int | None
    grants: list[GrantOut]


class ErrorOut(BaseModel):
    error: str
    message: str
    details: list[dict[str, Any]] | None = None
