"""Schools submit absence records (the dropout-prevention feed)."""

from __future__ import annotations

import strawberry

from app.services import absences
from schema.absences.types import AbsenceInput, AbsenceSubmission
from schema.context import Info
from schema.core.errors import UserError
from schema.core.mutations import run_mutation


@strawberry.type
class AbsenceSubmissionPayload:
    submission: AbsenceSubmission | None
    errors: list[UserError]


@strawberry.type
class AbsenceMutation:
    @strawberry.mutation(
        description="A school's absence records, up to 10,000 per call. Rows are matched to "
        "pupils; those that cannot be are listed with their reason, the rest recorded. "
        "Resending a batch id returns the first result and writes nothing. The dropout rule "
        "may open cases for the pupils' villages."
    )
    async def submit_absences(
        self, info: Info, batch_id: str, records: list[AbsenceInput]
    ) -> AbsenceSubmissionPayload:
        rows = [record.raw() for record in records]
        rule = info.context.settings.dropout_rule
        outcome = await run_mutation(
            info,
            lambda s, actor: absences.submit_absences(s, actor, batch_id, rows, rule),
            lambda r: [f"AbsenceBatch:{r.batch_id}", *(f"Case:{c}" for c in r.case_ids)],
        )
        submission = (
            None if outcome.result is None else AbsenceSubmission.from_result(outcome.result)
        )
        return AbsenceSubmissionPayload(submission=submission, errors=outcome.errors)
