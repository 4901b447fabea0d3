"""GraphQL types of school absence submissions and of the follow-up status schools see."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types.arguments import InputContext

from app.domain.absences import RawAbsence, Rejection
from app.enums import DropoutFollowUp
from app.models import DropoutStatus
from app.services.absences import SubmissionResult
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.nodes import from_row
from schema.core.pagination import CountedConnection

register_enums()
strawberry.enum(Rejection, name="AbsenceRejection", description="缺课记录未入库的原因")


@strawberry.input(description="One day a pupil missed school (name the pupil one way or both).")
class AbsenceInput:
    date: str = strawberry.field(
        description="YYYY-MM-DD. Text, so that one bad date is reported for its row alone."
    )
    excused: bool = strawberry.field(description="Leave was asked for (请假).")
    student_number: str | None = strawberry.field(default=None, description="学籍号/学号")
    id_number: str | None = strawberry.field(default=None, description="身份证号")
    periods: int | None = strawberry.field(
        default=None, description="Periods missed, 1–12; a whole day when left out."
    )
    reason: str | None = None

    def raw(self) -> RawAbsence:
        """The row as the service takes it."""
        return RawAbsence(
            student_number=self.student_number,
            id_number=self.id_number,
            date=self.date,
            periods=self.periods,
            excused=self.excused,
            reason=self.reason,
        )


def _absence_from_input(
    cls: type[AbsenceInput], value: Mapping[str, Any], context: InputContext
) -> AbsenceInput:
    """Every field is a scalar graphql-core has already checked: building the input directly
    skips strawberry's field-by-field conversion, which costs over a second for the 10,000
    rows a submission may hold (strawberry's documented hook for this, `from_input`)."""
    return cls(
        date=value["date"],
        excused=value["excused"],
        student_number=value.get("studentNumber"),
        id_number=value.get("idNumber"),
        periods=value.get("periods"),
        reason=value.get("reason"),
    )


AbsenceInput.__strawberry_definition__.from_input = _absence_from_input  # type: ignore[attr-defined]


@strawberry.type(description="A row that was not recorded, and why.")
class UnmatchedAbsence:
    row: int = strawberry.field(description="Its position in the submission, from 1.")
    student_number: str | None
    date: str | None
    reason: Rejection
    message: str


@strawberry.type(description="What a submission did. Resending a batch returns this again.")
class AbsenceSubmission:
    batch_id: str
    received: int = strawberry.field(description="Rows sent.")
    matched: int = strawberry.field(description="Rows matched to a pupil of the school.")
    recorded: int = strawberry.field(description="New absence records.")
    updated: int = strawberry.field(description="Records on file whose details changed.")
    unchanged: int = strawberry.field(description="Records already on file as sent.")
    cases_opened: int = strawberry.field(description="Dropout cases the rule opened.")
    cases_updated: int = strawberry.field(
        description="Open dropout cases the new absences were added to."
    )
    replayed: bool = strawberry.field(
        description="This batch id was submitted before: nothing was written this time."
    )
    unmatched: list[UnmatchedAbsence] = strawberry.field(
        description="Every row not recorded, in order, with its reason."
    )

    @classmethod
    def from_result(cls, result: SubmissionResult) -> AbsenceSubmission:
        """The GraphQL view of a submission's result."""
        return cls(
            batch_id=result.batch_id, received=result.received, matched=result.matched,
            recorded=result.recorded, updated=result.updated, unchanged=result.unchanged,
            cases_opened=result.cases_opened, cases_updated=result.cases_updated,
            replayed=result.replayed,
            unmatched=[
                UnmatchedAbsence(row=u.row, student_number=u.student_number, date=u.date,
                                 reason=Rejection(u.reason), message=u.message)
                for u in result.unmatched
            ],
        )  # fmt: skip


@strawberry.type(
    description="Where the persuasion of a pupil at risk of dropping out stands (控辍保学); "
    "what a school may know of the case, and nothing else."
)
class StudentFollowUp(relay.Node):
    id: relay.NodeID[str]
    status: DropoutFollowUp | None
    reported_at: datetime = strawberry.field(description="When the follow-up began.")
    closed_at: datetime | None = strawberry.field(description="When it ended, if it has.")
    row: strawberry.Private[DropoutStatus]

    @classmethod
    def from_model(cls, row: DropoutStatus) -> StudentFollowUp:
        """The GraphQL view of a dropout case's status."""
        return from_row(cls, row, status=row.dropout_follow_up, row=row)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Info, node_ids: Iterable[str], required: bool = False
    ) -> list[Any]:
        """Not reachable through `node`: a school lists its pupils' follow-ups."""
        return [None for _ in node_ids]

    @strawberry.field(description="The pupil.")
    async def student(self, info: Info) -> Child | None:
        row = await info.context.loaders.child.load(self.row.child_id)
        return None if row is None else Child.from_model(row, info)


@strawberry.type(name="StudentFollowUpConnection")
class StudentFollowUpConnection(CountedConnection[StudentFollowUp]):
    """A page of pupils' follow-ups."""
