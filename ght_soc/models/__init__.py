"""Tables, and only tables: every mapped class of the hub is imported here so Alembic sees the whole schema."""

from ght_soc.models.alert import Alert, AlertChange, AlertEvent, AlertIndicator
from ght_soc.models.base import Base, EstablishmentOwned, UtcDateTime, utcnow
from ght_soc.models.connector import ConnectorStatus
from ght_soc.models.directory import DirectoryFinding, DirectoryObject
from ght_soc.models.ght import Establishment, Ght, Site
from ght_soc.models.token import ApiToken
from ght_soc.models.user import LoginThrottle, RoleAssignment, User

__all__ = [
    "Alert",
    "AlertChange",
    "AlertEvent",
    "AlertIndicator",
    "ApiToken",
    "Base",
    "ConnectorStatus",
    "DirectoryFinding",
    "DirectoryObject",
    "Establishment",
    "EstablishmentOwned",
    "Ght",
    "LoginThrottle",
    "RoleAssignment",
    "Site",
    "User",
    "UtcDateTime",
    "utcnow",
]
