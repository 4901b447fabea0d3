"""Moves a village requests and the receiving side accepts: the requests, their list and
their mutations (app/services/children.py, app/domain/moves.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from sqlalchemy import String, cast, tuple_
from strawberry import relay

from app import clock
from app.domain.classification import age_on
from app.domain.moves import acceptance_steps
from app.enums import MoveRequestStatus, MoveStep
from app.models import ChildMoveRequest as RequestModel
from app.services import children
from app.services.common import New
from app.store import json_sql
from app.store.children import age_on_sql, count_move_requests, list_move_requests
from schema.children.types import Child
from schema.compiler.mapping import Compilation, Computed, Listed, Related, RootList, SqlType
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import Outcome, run_mutation
from schema.core.nodes import from_row
from schema.core.pagination import CountedConnection, connection, decode_timed_cursor
from schema.core.payloads import bad_id, changes_of, client_id, id_type, maybe, uuid_of

register_enums()


@strawberry.type(
    description="A village's request to move a child's file to another village. Both sides "
    "see it; the receiving side sees the child's name and age here, not the file, until the "
    "move is done."
)
class ChildMoveRequest(relay.Node):
    id: relay.NodeID[str]
    version: int
    area_code: str = strawberry.field(description="The sending village.")
    to_area_code: str = strawberry.field(description="The receiving village.")
    child_name: str
    child_age: int = strawberry.field(description="The child's age in years today.")
    reason: str | None
    status: MoveRequestStatus
    requested_at: datetime
    steps: list[MoveStep] = strawberry.field(description="The acceptances the move needs.")
    accepted_steps: list[MoveStep] = strawberry.field(description="Those given so far.")
    closed_at: datetime | None = strawberry.field(
        description="When it was accepted (the move), declined or cancelled."
    )
    decline_reason: str | None
    row: strawberry.Private[RequestModel]

    @classmethod
    def from_model(cls, row: RequestModel, info: Info) -> ChildMoveRequest:
        """The GraphQL view of a request."""
        return from_row(
            cls, row,
            child_age=age_on(row.child_birth_date, clock.today()),
            steps=list(acceptance_steps(row.area_code, row.to_area_code)),
            accepted_steps=[s for s in MoveStep if getattr(row, f"{s.value}_at") is not None],
            row=row,
        )  # fmt: skip

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Not reachable through `node`: both sides list them."""
        return [None for _ in node_ids]

    @strawberry.field(
        description="The child's file, as you may see it: null for the receiving side until "
        "the move is done."
    )
    async def child(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.row.child_id)
        return None if row is None else Child.from_model(row, info)


@strawberry.type(name="ChildMoveRequestConnection")
class ChildMoveRequestConnection(CountedConnection[ChildMoveRequest]):
    """A page of requested moves."""


@strawberry.type
class MoveRequestQuery:
    @strawberry.field(
        description="Requested moves of children you may request, accept or approve: from "
        "your villages and into them, latest first. Empty for everyone else."
    )
    async def child_move_requests(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ChildMoveRequestConnection:
        return await connection(
            info, ChildMoveRequestConnection, first=first, after=after,
            cursor=decode_timed_cursor,
            rows=lambda s, key, limit: list_move_requests(s, after=key, limit=limit),
            count=count_move_requests,
            key=lambda r: f"{r.requested_at.isoformat()}|{r.id}",
            node=lambda r: ChildMoveRequest.from_model(r, info),
        )  # fmt: skip


@strawberry.input
class RequestChildMoveInput:
    child_id: relay.GlobalID
    to_area_code: str = strawberry.field(description="The village (12 digits), any county.")
    reason: str | None = None
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )


@strawberry.input
class AcceptChildMoveInput:
    id: relay.GlobalID = strawberry.field(description="The request.")
    expected_version: int
    to_household_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="For the receiving village: the household there the child joins; "
        "required when a sibling stays behind, otherwise its family moves along.",
    )


@strawberry.input
class DeclineChildMoveInput:
    id: relay.GlobalID = strawberry.field(description="The request.")
    expected_version: int
    reason: str


@strawberry.input
class CancelChildMoveInput:
    id: relay.GlobalID = strawberry.field(description="The request.")
    expected_version: int


@strawberry.type
class ChildMoveRequestPayload:
    request: ChildMoveRequest | None
    errors: list[UserError]


def _payload(info: Info, outcome: Outcome[RequestModel]) -> ChildMoveRequestPayload:
    return ChildMoveRequestPayload(
        request=maybe(outcome.result, lambda r: ChildMoveRequest.from_model(r, info)),
        errors=outcome.errors,
    )


def _request_id(value: relay.GlobalID) -> uuid.UUID:
    return uuid_of(value, "ChildMoveRequest") or uuid.UUID(int=0)


def _touched(request: RequestModel) -> list[str]:
    return [f"ChildMoveRequest:{request.id}", f"Child:{request.child_id}"]


@strawberry.type
class MoveRequestMutation:
    @strawberry.mutation(
        description="Ask to move a child of your village to another village (any county); "
        "the receiving side accepts it (acceptChildMove)."
    )
    async def request_child_move(
        self, info: Info, input: RequestChildMoveInput
    ) -> ChildMoveRequestPayload:
        try:
            new = New(client_id(input.id), changes_of(input, skip={"id"}))
        except ValueError:
            return ChildMoveRequestPayload(request=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info, lambda s, actor: children.request_child_move(s, actor, new), _touched
        )
        return _payload(info, outcome)

    @strawberry.mutation(
        description="Give your acceptance of a requested move (the receiving village's, or a "
        "county's across counties); the last one moves the file with its history."
    )
    async def accept_child_move(
        self, info: Info, input: AcceptChildMoveInput
    ) -> ChildMoveRequestPayload:
        household = uuid_of(input.to_household_id, id_type("to_household_id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: children.accept_child_move(
                s, actor, _request_id(input.id), input.expected_version, household
            ),
            _touched,
        )
        return _payload(info, outcome)

    @strawberry.mutation(description="Decline a requested move, with a reason.")
    async def decline_child_move(
        self, info: Info, input: DeclineChildMoveInput
    ) -> ChildMoveRequestPayload:
        outcome = await run_mutation(
            info,
            lambda s, actor: children.decline_child_move(
                s, actor, _request_id(input.id), input.expected_version, input.reason
            ),
            _touched,
        )
        return _payload(info, outcome)

    @strawberry.mutation(description="Withdraw a move your village requested.")
    async def cancel_child_move(
        self, info: Info, input: CancelChildMoveInput
    ) -> ChildMoveRequestPayload:
        outcome = await run_mutation(
            info,
            lambda s, actor: children.cancel_child_move(
                s, actor, _request_id(input.id), input.expected_version
            ),
            _touched,
        )
        return _payload(info, outcome)


def _steps(_compilation: Compilation, inputs: list[Any]) -> list[str]:
    area_code, to_area_code = inputs
    return [step.name for step in acceptance_steps(area_code, to_area_code)]


def _accepted_steps(_compilation: Compilation, inputs: list[Any]) -> list[str]:
    return [step.name for step, at in zip(MoveStep, inputs, strict=True) if at is not None]


MOVE_REQUEST_SQL = SqlType(
    name="ChildMoveRequest",
    model=RequestModel,
    columns={"childAge": lambda row, c: age_on_sql(row.child_birth_date, c.today)},
    related={
        "child": Related(
            "Child",
            link=lambda request, child, _c: [
                child.id == request.child_id,
                child.deleted_at.is_(None),
            ],
        )
    },
    # The acceptances a move needs are the domain's rule (app/domain/moves.py).
    computed={
        "steps": Computed(inputs=lambda row, _c: [row.area_code, row.to_area_code], value=_steps),
        "acceptedSteps": Computed(
            inputs=lambda row, _c: [getattr(row, f"{step.value}_at") for step in MoveStep],
            value=_accepted_steps,
        ),
    },
)
"""How SQL serves a requested move's fields (schema/compiler): those of `from_model`."""


def _move_rows(row: Any, arguments: Mapping[str, Any], _compilation: Compilation) -> Listed:
    """`childMoveRequests` in SQL: `list_move_requests`'s rows, latest first, its cursors."""
    after = decode_timed_cursor(arguments.get("after"))
    key = tuple_(RequestModel.requested_at, RequestModel.id)
    return Listed(
        where=(),
        order_by=[RequestModel.requested_at.desc(), RequestModel.id.desc()],
        cursor_key=json_sql.iso_datetime(row.requested_at) + "|" + cast(row.id, String),
        after=() if after is None else [key < tuple_(*after)],
        listing=False,
    )


MOVE_REQUEST_ROOTS: Mapping[str, RootList] = {
    "childMoveRequests": RootList("ChildMoveRequest", rows=_move_rows)
}
"""How SQL serves the list of requested moves (schema/compiler)."""
