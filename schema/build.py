"""The schema object: root types composed from each part, and the extensions it runs with."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry import relay
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    QueryDepthLimiter,
    ValidationCache,
)
from strawberry.types import ExecutionContext

from schema.absences.mutations import AbsenceMutation
from schema.absences.query import AbsenceQuery
from schema.areas.query import AreaQuery
from schema.areas.types import Area
from schema.audit.query import AuditQuery
from schema.auth.mutations import AuthMutation
from schema.cases.mutations import (
    CaseAssignmentMutation,
    CaseMutation,
    CaseWorkflowMutation,
    IntakeMutation,
    ReferralMutation,
)
from schema.cases.query import CaseQuery, CaseStatusQuery, ReferralQuery
from schema.cases.types import Case
from schema.children.merges import ChildMergeMutation
from schema.children.move_requests import MoveRequestMutation, MoveRequestQuery
from schema.children.mutations import ChildMutation, MoveMutation
from schema.children.query import ChildQuery
from schema.children.types import Child
from schema.core.cost import QueryCostLimit
from schema.core.error_log import log_errors
from schema.core.extensions import (
    AuditReads,
    CachedParsing,
    CloseRequestDatabase,
    HideSchemaNames,
    RefuseUnsafeText,
    TypedErrors,
)
from schema.guardianships.mutations import GuardianMutation
from schema.guardianships.types import Guardianship
from schema.households.mutations import HouseholdMutation
from schema.households.query import HouseholdQuery
from schema.households.types import Household, Parent
from schema.ngo_contracts.mutations import ContractMutation
from schema.ngo_contracts.query import ContractQuery
from schema.ngo_contracts.types import NgoContract
from schema.organizations.query import OrganizationQuery
from schema.reconciliation.query import ReconciliationQuery
from schema.staff.mutations import StaffMutation
from schema.staff.query import StaffQuery
from schema.staff.types import Staff
from schema.staff.work import StaffWorkQuery
from schema.statistics.query import StatisticsQuery
from schema.sync.push import SyncMutation
from schema.sync.query import SyncQuery
from schema.tasks.mutations import TaskMutation
from schema.tasks.query import TaskQuery
from schema.viewer.query import ViewerQuery
from schema.visits.mutations import VisitMutation
from schema.visits.query import VisitQuery
from schema.visits.types import Visit
from schema.webhooks.mutations import WebhookMutation
from schema.webhooks.query import WebhookQuery


@strawberry.type
class Query(
    ViewerQuery,
    ChildQuery,
    HouseholdQuery,
    VisitQuery,
    CaseQuery,
    AreaQuery,
    SyncQuery,
    AbsenceQuery,
    ContractQuery,
    StatisticsQuery,
    ReconciliationQuery,
    AuditQuery,
    ReferralQuery,
    OrganizationQuery,
    MoveRequestQuery,
    CaseStatusQuery,
    TaskQuery,
    WebhookQuery,
    StaffQuery,
    StaffWorkQuery,
):
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when there is none (or none for you)."
    )


@strawberry.type
class Mutation(
    AuthMutation,
    HouseholdMutation,
    ChildMutation,
    VisitMutation,
    CaseMutation,
    CaseWorkflowMutation,
    GuardianMutation,
    MoveMutation,
    SyncMutation,
    AbsenceMutation,
    ContractMutation,
    CaseAssignmentMutation,
    ReferralMutation,
    MoveRequestMutation,
    IntakeMutation,
    TaskMutation,
    WebhookMutation,
    ChildMergeMutation,
    StaffMutation,
):
    pass


# The depth and alias limits' validation rules, made once: the validation cache is keyed on
# the rule classes, and strawberry's limiters make new ones for every request, so that no
# validation was ever found in the cache.
DOCUMENT_LIMITS = [
    *QueryDepthLimiter(max_depth=12).validation_rules,
    *MaxAliasesLimiter(max_alias_count=30).validation_rules,
]


class ShouhuSchema(strawberry.Schema):
    """Strawberry's schema, logging a request's errors as one bounded line."""

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Instead of strawberry's line per error with the document's text around it."""
        log_errors(execution_context.operation_name if execution_context else None, errors)


schema = ShouhuSchema(
    query=Query,
    mutation=Mutation,
    types=[Area, Child, Household, Parent, Guardianship, Visit, Case, NgoContract, Staff],
    extensions=[
        # Classes or factories, never instances: instances would share state across requests.
        lambda: CachedParsing(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: AddValidationRules(DOCUMENT_LIMITS),
        QueryCostLimit,
        RefuseUnsafeText,
        HideSchemaNames,
        AuditReads,
        CloseRequestDatabase,
        TypedErrors,
    ],
)
