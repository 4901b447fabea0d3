"""The schema object: root types composed from each part, and the extensions it runs with."""

from __future__ import annotations

import strawberry
from strawberry import relay
from strawberry.extensions import (
    MaxAliasesLimiter,
    QueryDepthLimiter,
    ValidationCache,
)

from schema.absences.mutations import AbsenceMutation
from schema.absences.query import AbsenceQuery
from schema.areas.query import AreaQuery
from schema.areas.types import Area
from schema.auth.mutations import AuthMutation
from schema.cases.mutations import CaseMutation
from schema.cases.query import CaseQuery
from schema.cases.types import Case
from schema.children.query import ChildQuery
from schema.children.types import Child, Guardianship, Parent, Visit
from schema.contracts.mutations import ContractMutation
from schema.contracts.query import ContractQuery
from schema.contracts.types import NgoContract
from schema.core.extensions import (
    AuditReads,
    AuthenticationGate,
    CachedParsing,
    CloseRequestDatabase,
    PersistedDocumentGate,
    RefuseUnsafeText,
    TypedErrors,
)
from schema.files.mutations import FileMutation
from schema.guardianships.mutations import GuardianMutation, MoveMutation
from schema.households.query import HouseholdQuery
from schema.households.types import Household
from schema.statistics.query import StatisticsQuery
from schema.sync.push import SyncMutation
from schema.sync.query import SyncQuery
from schema.viewer.query import ViewerQuery
from schema.visits.query import VisitQuery


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
):
    node: relay.Node | None = relay.node(
        description="Any object by its global id; null when there is none (or none for you)."
    )


@strawberry.type
class Mutation(
    AuthMutation,
    FileMutation,
    CaseMutation,
    GuardianMutation,
    MoveMutation,
    SyncMutation,
    AbsenceMutation,
    ContractMutation,
):
    pass


schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    types=[Area, Child, Household, Parent, Guardianship, Visit, Case, NgoContract],
    extensions=[
        # Classes or factories, never instances: instances would share state across requests.
        lambda: CachedParsing(maxsize=256),
        lambda: ValidationCache(maxsize=256),
        lambda: QueryDepthLimiter(max_depth=12),
        lambda: MaxAliasesLimiter(max_alias_count=30),
        PersistedDocumentGate,
        AuthenticationGate,
        RefuseUnsafeText,
        AuditReads,
        CloseRequestDatabase,
        TypedErrors,
    ],
)
