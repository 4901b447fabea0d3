"""Each field stated once: a mutation's input and the service's record of it name the same
fields, global ids in inputs are decoded by one rule, and a record's nullable fields are
its table's nullable columns (what REQUIRED on an update relies on)."""

from __future__ import annotations

import dataclasses
import typing
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import strawberry
from sqlalchemy import inspect
from strawberry import relay
from strawberry.types.base import StrawberryList, StrawberryObjectDefinition, StrawberryOptional

from app.enums import Finding, GuardianRelation, VisitKind
from app.models import Child, Household, NgoContract, Parent
from app.services.cases import ConcernData, StepData
from app.services.children import ChildData
from app.services.guardianships import EntrustData
from app.services.households import HouseholdData, ParentData
from app.services.ngo_contracts import ContractTerms
from app.services.visits import VisitData
from app.services.webhooks.subscribers import SubscriberData
from authz.fields import CHILD_FIELDS
from schema.build import schema
from schema.cases.mutations import ReportConcernInput, StepInput
from schema.children.mutations import ChildInput
from schema.children.types import Child as ChildType
from schema.core.payloads import changes_of, id_type
from schema.guardianships.mutations import EntrustGuardianInput
from schema.households.mutations import ParentInput, RegisterHouseholdInput, UpdateHouseholdInput
from schema.ngo_contracts.mutations import ContractChildrenInput, NgoContractTermsInput
from schema.visits.mutations import RecordVisitInput
from schema.webhooks.mutations import RegisterWebhookSubscriberInput

# Each input, the record its fields become, and the fields that are not the record's: the
# client id of a create, the target and version of an update, a household's parents.
INPUTS: list[tuple[type[Any], type[Any], set[str]]] = [
    (RecordVisitInput, VisitData, {"id"}),
    (EntrustGuardianInput, EntrustData, {"id"}),
    (ReportConcernInput, ConcernData, {"id"}),
    (ChildInput, ChildData, set()),
    (ParentInput, ParentData, {"id"}),
    (RegisterHouseholdInput, HouseholdData, {"id", "parents"}),
    (UpdateHouseholdInput, HouseholdData, {"id", "expected_version"}),
    (NgoContractTermsInput, ContractTerms, set()),
    (RegisterWebhookSubscriberInput, SubscriberData, set()),
]
# The workflow steps of a case share one record: together they carry all of its fields.
STEP_INPUTS: tuple[type[Any], ...] = typing.get_args(StepInput)
# Records an update merges over a stored row of this table.
STORED = [(ChildData, Child), (HouseholdData, Household), (ParentData, Parent)]
STORED += [(ContractTerms, NgoContract)]


def _names(cls: type[Any]) -> set[str]:
    return {field.name for field in dataclasses.fields(cls) if field.init}


@pytest.mark.parametrize(
    ("input", "record", "not_fields"), INPUTS, ids=[input.__name__ for input, _, _ in INPUTS]
)
def test_an_input_and_its_record_name_the_same_fields(
    input: type[Any], record: type[Any], not_fields: set[str]
) -> None:
    assert not_fields <= _names(input)
    assert _names(input) - not_fields == _names(record)


def test_the_case_steps_together_name_the_fields_of_a_step() -> None:
    assert len(STEP_INPUTS) == 6
    sent = set().union(*(_names(step) for step in STEP_INPUTS))
    assert sent - {"case_id", "expected_version"} == _names(StepData)


@pytest.mark.parametrize(("record", "model"), STORED, ids=[r.__name__ for r, _ in STORED])
def test_a_record_may_be_empty_where_its_column_may(record: type[Any], model: type[Any]) -> None:
    hints = typing.get_type_hints(record)
    columns = inspect(model).columns
    for field in dataclasses.fields(record):
        if field.name in columns:
            may_be_none = type(None) in typing.get_args(hints[field.name])
            assert may_be_none == columns[field.name].nullable, field.name


def _global_id_fields() -> dict[str, str]:
    """Every input field of the schema that takes global ids (one or a list), by name, with
    the input it is on."""
    found: dict[str, str] = {}
    for concrete in schema.schema_converter.type_map.values():
        definition = concrete.definition
        if not isinstance(definition, StrawberryObjectDefinition) or not definition.is_input:
            continue
        for field in definition.fields:
            kind: Any = field.type
            while isinstance(kind, StrawberryOptional | StrawberryList):
                kind = kind.of_type
            if kind is relay.GlobalID:
                found[field.python_name] = definition.name
    return found


def test_every_global_id_input_field_names_a_type_of_node() -> None:
    fields = _global_id_fields()
    assert {"child_id", "case_id", "corrects_id", "contract_id", "child_ids"} <= set(fields)
    nodes = {
        name
        for name, concrete in schema.schema_converter.type_map.items()
        if isinstance(concrete.definition, StrawberryObjectDefinition)
        and relay.Node in getattr(concrete.definition.origin, "__mro__", ())
    }
    # `id` is the record an update or a step acts on: its resolver names the type.
    for name, on in fields.items():
        if name != "id":
            assert id_type(name) in nodes, f"{on}.{name}"


def _visit(**ids: relay.GlobalID | None) -> RecordVisitInput:
    return RecordVisitInput(
        visited_at=datetime(2026, 11, 20, 9, tzinfo=UTC), kind=VisitKind.ROUTINE,
        living_conditions=Finding.GOOD, guardianship=Finding.GOOD, schooling=Finding.GOOD,
        health=Finding.GOOD, mental_state=Finding.GOOD, **ids,  # type: ignore[arg-type]
    )  # fmt: skip


def test_global_ids_are_decoded_by_the_type_their_name_says() -> None:
    child, case, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    changes = changes_of(
        _visit(
            child_id=relay.GlobalID("Child", str(child)), case_id=relay.GlobalID("Case", str(case))
        )
    )
    assert (changes["child_id"], changes["case_id"]) == (child, case)
    assert changes_of(_visit(child_id=relay.GlobalID("Child", str(child))))["case_id"] is None
    contract = uuid.uuid4()
    assignment = ContractChildrenInput(
        contract_id=relay.GlobalID("NgoContract", str(contract)),
        child_ids=[relay.GlobalID("Child", str(child)), relay.GlobalID("Child", str(other))],
    )
    assert changes_of(assignment) == {"contract_id": contract, "child_ids": [child, other]}
    entrust = EntrustGuardianInput(
        child_id=relay.GlobalID("Child", str(child)), guardian_name="王芳",
        relation=GuardianRelation.GRANDPARENT,
        corrects_id=relay.GlobalID("Guardianship", str(other)),
    )  # fmt: skip
    assert changes_of(entrust)["corrects_id"] == other


def test_a_global_id_of_another_type_matches_nothing() -> None:
    child = uuid.uuid4()
    nothing = uuid.UUID(int=0)
    changes = changes_of(
        _visit(
            child_id=relay.GlobalID("Household", str(child)),
            case_id=relay.GlobalID("Case", "not-a-uuid"),
        )
    )
    assert (changes["child_id"], changes["case_id"]) == (nothing, nothing)
    assignment = ContractChildrenInput(
        contract_id=relay.GlobalID("Child", str(child)),
        child_ids=[relay.GlobalID("Child", str(child)), relay.GlobalID("Visit", str(child))],
    )
    assert changes_of(assignment) == {"contract_id": nothing, "child_ids": [child, nothing]}


def test_only_the_fields_sent_are_changes() -> None:
    household = uuid.uuid4()
    sent = ChildInput(household_id=relay.GlobalID("Household", str(household)), name="李明")
    assert changes_of(sent) == {"household_id": household, "name": "李明"}
    assert changes_of(ChildInput(student_number=None)) == {"student_number": None}
    assert changes_of(ParentInput(id=strawberry.ID("x"), name="李强"), skip={"id"}) == {
        "name": "李强"
    }


def test_every_field_of_a_child_has_a_view_rule() -> None:
    # The Child type shows each field as authz/fields.py's table says: a field added to the
    # type without a rule there would be shown to every view, or filtered without one.
    shown = {f.name for f in dataclasses.fields(ChildType) if f.init and f.name != "row"}
    assert shown == set(CHILD_FIELDS)
