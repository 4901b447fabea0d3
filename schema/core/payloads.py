"""Helpers every mutation module uses: ids from inputs, results into payloads."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

import strawberry
from strawberry import relay

from app.domain.validation import Problem
from schema.core.errors import QueryError, UserError

R = TypeVar("R")
N = TypeVar("N")


def uuid_of(value: relay.GlobalID | None, type_name: str) -> uuid.UUID | None:
    """The UUID inside a global id of the expected type; a wrong one matches nothing."""
    if value is None:
        return None
    try:
        return uuid.UUID(value.node_id) if value.type_name == type_name else uuid.UUID(int=0)
    except ValueError:
        return uuid.UUID(int=0)


def sent(input: Any, *, skip: Collection[str] = ()) -> dict[str, object]:
    """The fields of an input object the client sent, by snake_case name (the services'
    `Changes`): a field left out (strawberry.UNSET) is not a key, an explicit null is None."""
    return {
        field.name: value
        for field in dataclasses.fields(input)
        if field.name not in skip and (value := getattr(input, field.name)) is not strawberry.UNSET
    }


# Global-id input fields whose names do not say the type of node they name.
ID_TYPES: Mapping[str, str] = {
    "corrects_id": "Guardianship",
    "contract_id": "NgoContract",
    "referral_id": "CaseReferral",
    "to_household_id": "Household",
    "provisional_id": "Child",
    "into_child_id": "Child",
    "duplicate_id": "Child",
}


def id_type(name: str) -> str:
    """The node type a global-id input field names: its entry in ID_TYPES, else its own name
    (`child_id` and `child_ids` name a Child, `case_id` a Case)."""
    if name in ID_TYPES:
        return ID_TYPES[name]
    stem = name.removesuffix("_ids").removesuffix("_id")
    if stem == name or not stem:
        raise TypeError(f"the input field {name} names no type of node")
    return "".join(part.capitalize() for part in stem.split("_"))


def _decoded(name: str, value: object) -> object:
    if isinstance(value, relay.GlobalID):
        return uuid_of(value, id_type(name))
    if isinstance(value, list) and value and all(isinstance(v, relay.GlobalID) for v in value):
        return [uuid_of(v, id_type(name)) for v in value]
    return value


def changes_of(input: Any, *, skip: Collection[str] = ()) -> dict[str, object]:
    """The fields an input sent (as `sent`), with each global id decoded to the UUID inside
    it by the type its field's name says (`id_type`): a global id of another type matches
    nothing, as with `uuid_of`. What the services take as `Changes`."""
    return {name: _decoded(name, value) for name, value in sent(input, skip=skip).items()}


class InvalidClientId(QueryError, ValueError):
    """A client id that is not a UUID. A mutation catches it to answer a payload error
    (bad_id); one that does not answers the GraphQL error INVALID_ID."""

    def __init__(self) -> None:
        super().__init__("INVALID_ID", "not a UUID")


def client_id(raw: strawberry.ID | None) -> uuid.UUID | None:
    """The UUID an app sent for a create (InvalidClientId, a ValueError, if it is not one)."""
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError as exc:
        raise InvalidClientId from exc


def bad_id(field: str) -> list[UserError]:
    """The error of an id that is not a UUID."""
    return [UserError.from_problem(Problem("INVALID_ID", field, "not a UUID"))]


def maybe(row: R | None, to_node: Callable[[R], N]) -> N | None:
    """A payload's result as its GraphQL type, if there is one."""
    return None if row is None else to_node(row)


def current_as(row: object, model: type[R], to_node: Callable[[R], N]) -> N | None:
    """The record a VERSION_CONFLICT carries, as the client sees it."""
    return to_node(row) if isinstance(row, model) else None


# Inputs shared by a create and an update are patches: what an update leaves out stays as it is.
PATCH = (
    "On an update only the fields sent change: a field left out stays as it is, null clears "
    "one that may be empty (a field that cannot be empty sent as null is REQUIRED)."
)
ON_CREATE = "Required when registering (REQUIRED otherwise)."
FALSE_ON_CREATE = "False when left out of a registration."


def required_on_create(description: str = ON_CREATE) -> Any:
    """An input field a create needs and an update may leave out: nullable in GraphQL, with
    no default, so that a field left out is UNSET and the service names it REQUIRED."""
    return strawberry.field(default=strawberry.UNSET, description=description)
