"""Tables, and only tables: every mapped class of the hub is imported here so Alembic sees the whole schema."""

from ght_soc.models.alert import Alert, AlertChange, AlertEvent, AlertIndicator
from ght_soc.models.audit import AuditChainHead, AuditEvent
from ght_soc.models.base import Base, EstablishmentOwned, UtcDateTime, utcnow
from ght_soc.models.breach import BreachRecord
from ght_soc.models.connector import ConnectorStatus
from ght_soc.models.declaration import Declaration, DeclarationStatus, Qualification
from ght_soc.models.device import DeviceChange, DeviceEntity, DeviceFinding, NetworkDevice, NetworkInterface
from ght_soc.models.directory import DirectoryFinding, DirectoryObject
from ght_soc.models.ght import Establishment, Ght, Site
from ght_soc.models.governance import (
    ComplianceRecord,
    CrisisExercise,
    CyberBudget,
    Designation,
    EvidenceDocument,
    GovernanceReminder,
    MaturitySnapshot,
    SharedResource,
)
from ght_soc.models.incident import (
    Evidence,
    Incident,
    IncidentEstablishment,
    IncidentOwned,
    Observable,
    Task,
    TimelineEntry,
)
from ght_soc.models.mandate import DeclarantMandate
from ght_soc.models.notification import Channel, DeliveryStatus, Notification
from ght_soc.models.oncall import EscalationLevel, OnCallShift, ShiftKind
from ght_soc.models.playbook_run import ApprovalVote, PlaybookRun, RunAction, RunStep
from ght_soc.models.second_factor import RecoveryCode, TotpCredential
from ght_soc.models.token import ApiToken
from ght_soc.models.user import LoginThrottle, RoleAssignment, User

__all__ = [
    "DeclarantMandate",
    "RunStep",
    "RunAction",
    "PlaybookRun",
    "ApprovalVote",
    "TimelineEntry",
    "Task",
    "Observable",
    "IncidentOwned",
    "IncidentEstablishment",
    "Incident",
    "Evidence",
    "Alert",
    "AlertChange",
    "AlertEvent",
    "AlertIndicator",
    "ApiToken",
    "Base",
    "ConnectorStatus",
    "DeviceChange",
    "DeviceEntity",
    "DeviceFinding",
    "DirectoryFinding",
    "DirectoryObject",
    "Establishment",
    "EstablishmentOwned",
    "Ght",
    "LoginThrottle",
    "NetworkDevice",
    "NetworkInterface",
    "RoleAssignment",
    "Site",
    "User",
    "UtcDateTime",
    "utcnow",
    # on-call rota and notification outbox
    "Channel",
    "DeliveryStatus",
    "EscalationLevel",
    "Notification",
    "OnCallShift",
    "ShiftKind",
    # governance: shared resources and obligations
    "ComplianceRecord",
    "CrisisExercise",
    "CyberBudget",
    "Designation",
    "EvidenceDocument",
    "GovernanceReminder",
    "MaturitySnapshot",
    "SharedResource",
    # national declarations
    "Declaration",
    "DeclarationStatus",
    "Qualification",
    # the personal-data breach register (GDPR art. 33(5))
    "BreachRecord",
    # security: audit log and second factor
    "AuditChainHead",
    "AuditEvent",
    "RecoveryCode",
    "TotpCredential",
]
