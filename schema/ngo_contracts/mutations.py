"""Mutations on NGO service contracts: the county makes and changes them, township
supervisors assign and unassign their children."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry import relay

from app.enums import NgoServiceType
from app.models import NgoContract as NgoContractModel
from app.services import ngo_contracts
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import Outcome, run_mutation
from schema.core.payloads import bad_id, client_id, sent, uuid_of
from schema.ngo_contracts.types import NgoContract

register_enums()
ON_CREATE = "Required when creating a contract (REQUIRED otherwise)."


@strawberry.input(
    description="What the county decides about a contract. On an update only the terms sent "
    "change: a term left out stays as it is (none of them may be null)."
)
class NgoContractTermsInput:
    title: str | None = strawberry.field(default=strawberry.UNSET, description=ON_CREATE)
    area_scope: list[str] | None = strawberry.field(
        default=strawberry.UNSET,
        description="Area codes served, all in one county: the county, townships or villages. "
        + ON_CREATE,
    )
    service_types: list[NgoServiceType] | None = strawberry.field(
        default=strawberry.UNSET, description=ON_CREATE
    )
    starts_on: date | None = strawberry.field(default=strawberry.UNSET, description=ON_CREATE)
    ends_on: date | None = strawberry.field(
        default=strawberry.UNSET, description="The last day of service (≥ startsOn). " + ON_CREATE
    )

    def changes(self) -> dict[str, object]:
        """The terms sent, for the service."""
        changes = sent(self)
        if isinstance(self.area_scope, list):
            changes["area_scope"] = [code.strip() for code in self.area_scope]
        return changes


@strawberry.input
class CreateNgoContractInput:
    ngo_id: strawberry.ID = strawberry.field(description="The NGO organization's UUID.")
    terms: NgoContractTermsInput
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the client made: retrying with it is safe."
    )


@strawberry.input
class UpdateNgoContractInput:
    id: relay.GlobalID
    expected_version: int
    terms: NgoContractTermsInput = strawberry.field(
        description="The terms to change (the others stay); to end a contract early, set endsOn."
    )


@strawberry.type
class NgoContractPayload:
    contract: NgoContract | None
    errors: list[UserError]
    current: NgoContract | None = strawberry.field(
        default=None, description="On VERSION_CONFLICT: the contract as it is now."
    )


@strawberry.input(description="Children of your area to assign to, or unassign from, a contract.")
class ContractChildrenInput:
    contract_id: relay.GlobalID
    child_ids: list[relay.GlobalID] = strawberry.field(description="At most 100 children.")


@strawberry.type
class ContractChildrenPayload:
    contract: NgoContract | None
    changed: int = strawberry.field(description="Children assigned (or unassigned) by this call.")
    unchanged: int = strawberry.field(
        description="Children named that were already assigned (or not assigned)."
    )
    errors: list[UserError]


async def _contract_payload(info: Info, outcome: Outcome[NgoContractModel]) -> NgoContractPayload:
    current = outcome.current if isinstance(outcome.current, NgoContractModel) else None
    return NgoContractPayload(
        contract=None
        if outcome.result is None
        else await NgoContract.from_model(info, outcome.result),
        errors=outcome.errors,
        current=None if current is None else await NgoContract.from_model(info, current),
    )


async def _children_payload(
    info: Info, outcome: Outcome[ngo_contracts.AssignmentResult]
) -> ContractChildrenPayload:
    result = outcome.result
    if result is None:
        return ContractChildrenPayload(contract=None, changed=0, unchanged=0, errors=outcome.errors)
    return ContractChildrenPayload(
        contract=await NgoContract.from_model(info, result.contract),
        changed=result.changed,
        unchanged=result.unchanged,
        errors=[],
    )


def _records(result: ngo_contracts.AssignmentResult, child_ids: list[uuid.UUID]) -> list[str]:
    return [f"NgoContract:{result.contract.id}", *(f"Child:{c}" for c in child_ids)]


def _child_ids(input: ContractChildrenInput) -> list[uuid.UUID]:
    return [uuid_of(child, "Child") or uuid.UUID(int=0) for child in input.child_ids]


@strawberry.type
class ContractMutation:
    @strawberry.mutation(
        description="A county's contract with an NGO over areas of the county (contract manage)."
    )
    async def create_ngo_contract(
        self, info: Info, input: CreateNgoContractInput
    ) -> NgoContractPayload:
        try:
            record_id = client_id(input.id)
        except ValueError:
            return NgoContractPayload(contract=None, errors=bad_id("id"))
        try:
            ngo_id = uuid.UUID(str(input.ngo_id))
        except ValueError:
            return NgoContractPayload(contract=None, errors=bad_id("ngoId"))
        data = ngo_contracts.ContractData(id=record_id, ngo_id=ngo_id, terms=input.terms.changes())
        outcome = await run_mutation(
            info,
            lambda s, actor: ngo_contracts.create_contract(s, actor, data),
            lambda c: [f"NgoContract:{c.id}"],
        )
        return await _contract_payload(info, outcome)

    @strawberry.mutation(
        description="Change a contract's terms, those sent and only those (extend, end early, "
        "areas, services); children in areas the new scope leaves out are unassigned."
    )
    async def update_ngo_contract(
        self, info: Info, input: UpdateNgoContractInput
    ) -> NgoContractPayload:
        contract_id = uuid_of(input.id, "NgoContract") or uuid.UUID(int=0)
        changes = input.terms.changes()
        outcome = await run_mutation(
            info,
            lambda s, actor: ngo_contracts.update_contract(
                s, actor, contract_id, input.expected_version, changes
            ),
            lambda c: [f"NgoContract:{c.id}"],
        )
        return await _contract_payload(info, outcome)

    @strawberry.mutation(
        description="Assign children of your area to a contract serving it (contract assign: "
        "township supervisors); the NGO sees them while the contract is in force."
    )
    async def assign_ngo_contract_children(
        self, info: Info, input: ContractChildrenInput
    ) -> ContractChildrenPayload:
        contract_id = uuid_of(input.contract_id, "NgoContract") or uuid.UUID(int=0)
        child_ids = _child_ids(input)
        outcome = await run_mutation(
            info,
            lambda s, actor: ngo_contracts.assign_children(s, actor, contract_id, child_ids),
            lambda r: _records(r, child_ids),
        )
        return await _children_payload(info, outcome)

    @strawberry.mutation(
        description="Unassign children from a contract; the NGO's access to them ends at once."
    )
    async def unassign_ngo_contract_children(
        self, info: Info, input: ContractChildrenInput
    ) -> ContractChildrenPayload:
        contract_id = uuid_of(input.contract_id, "NgoContract") or uuid.UUID(int=0)
        child_ids = _child_ids(input)
        outcome = await run_mutation(
            info,
            lambda s, actor: ngo_contracts.unassign_children(s, actor, contract_id, child_ids),
            lambda r: _records(r, child_ids),
        )
        return await _children_payload(info, outcome)
