"""SQLAlchemy models: one module per part of the domain, all registered on Base.metadata."""

from app.models.absences import AbsenceBatch, AbsenceRecord
from app.models.areas import Area
from app.models.audit import AuditEvent, AuditRead
from app.models.auth import ApiKey, LoginFailure, RateLimitBucket, RefreshToken
from app.models.base import Base
from app.models.cases import Case, CaseEvent, CaseNumberCounter, CaseReferral, DropoutStatus
from app.models.children import Child, ChildMove, ChildMoveRequest
from app.models.guardianships import Guardianship
from app.models.households import Household, Parent
from app.models.imports import ImportedRow, LedgerImport
from app.models.ngo_contracts import NgoContract, NgoContractChild
from app.models.organizations import Organization, User
from app.models.outbox import OutboxEvent
from app.models.policy import CasbinRule
from app.models.reconciliation import DuplicateReport
from app.models.search import ChildSearchKeys, HouseholdSearchKeys
from app.models.staff import StaffTraining
from app.models.statistics import area_quarter_statistics, township_quarter_statistics
from app.models.tasks import DailyJobRun, Task
from app.models.visits import Visit
from app.models.webhooks import WebhookDelivery, WebhookSubscriber

__all__ = [
    "AbsenceBatch",
    "AbsenceRecord",
    "ApiKey",
    "Area",
    "AuditEvent",
    "AuditRead",
    "Base",
    "CasbinRule",
    "Case",
    "CaseEvent",
    "CaseNumberCounter",
    "CaseReferral",
    "Child",
    "ChildMove",
    "ChildMoveRequest",
    "ChildSearchKeys",
    "DailyJobRun",
    "DropoutStatus",
    "DuplicateReport",
    "Guardianship",
    "Household",
    "HouseholdSearchKeys",
    "ImportedRow",
    "LedgerImport",
    "LoginFailure",
    "NgoContract",
    "NgoContractChild",
    "Organization",
    "OutboxEvent",
    "Parent",
    "RateLimitBucket",
    "RefreshToken",
    "StaffTraining",
    "Task",
    "User",
    "Visit",
    "WebhookDelivery",
    "WebhookSubscriber",
    "area_quarter_statistics",
    "township_quarter_statistics",
]

# Tables whose rows carry version/change_seq and get the touch trigger (see migrations).
SYNCED_TABLES = sorted(
    name for name, table in Base.metadata.tables.items() if "change_seq" in table.c
)
