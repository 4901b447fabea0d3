"""Mutations on protection cases: the mandatory report and each step of the workflow."""

from __future__ import annotations

import uuid
from datetime import date

import strawberry
from strawberry import relay

from app.domain.case_facts import MeasureFacts
from app.domain.intake import ChildDescription
from app.domain.referrals import ReferralAction
from app.domain.workflow import CaseAction
from app.enums import (
    CaseCategory,
    CaseMeasure,
    DropoutFollowUp,
    Gender,
    PetitionOutcome,
    ReportSource,
)
from app.models import Case as CaseModel
from app.models import CaseReferral as CaseReferralModel
from app.models import Child as ChildModel
from app.services import cases
from app.services.common import New, record_of
from schema.cases.types import Case, CaseReferral
from schema.children.mutations import ChildPayload
from schema.children.types import Child
from schema.context import Info
from schema.core.enums import register_enums
from schema.core.errors import UserError
from schema.core.mutations import Outcome, run_mutation
from schema.core.payloads import (
    bad_id,
    changes_of,
    client_id,
    current_as,
    maybe,
    uuid_of,
)

register_enums()


@strawberry.input(description="A mandatory report (强制报告) about a child.")
class ReportConcernInput:
    child_id: relay.GlobalID
    category: CaseCategory
    description: str
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )
    source: ReportSource | None = strawberry.field(
        default=None,
        description="Default: the reporter's own kind (SCHOOL, NGO, POLICE), else VILLAGE.",
    )
    reported_to_police: bool | None = strawberry.field(
        default=None,
        description="Default: true for the categories seed 004 says to report to the police "
        "at once (living alone, missing, guardian incapable or neglecting, suspected violence, "
        "abuse or injury), and for reports by the police.",
    )


@strawberry.type
class CasePayload:
    case: Case | None
    errors: list[UserError]
    current: Case | None = strawberry.field(
        default=None,
        description="On VERSION_CONFLICT (or a step the stage does not allow): the case as "
        "it is now.",
    )


@strawberry.input(description="A workflow step that needs nothing but the case.")
class CaseStepInput:
    case_id: relay.GlobalID
    expected_version: int
    note: str | None = None


@strawberry.input(description="Where the persuasion of a pupil at risk of dropping out stands.")
class DropoutFollowUpInput:
    case_id: relay.GlobalID
    expected_version: int
    status: DropoutFollowUp
    note: str | None = None


@strawberry.input
class CompleteAssessmentInput:
    case_id: relay.GlobalID
    expected_version: int
    plan: str = strawberry.field(description="The assistance plan (帮扶方案).")
    note: str | None = None


@strawberry.input
class RecordMeasureInput:
    case_id: relay.GlobalID
    expected_version: int
    measure: CaseMeasure
    note: str | None = None
    placement: PlacementInput | None = strawberry.field(
        default=strawberry.UNSET, description="A placement's facts (measure PLACEMENT)."
    )
    protection_order: ProtectionOrderInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="A protection order's facts (measure PROTECTION_ORDER).",
    )
    revocation_petition: RevocationPetitionInput | None = strawberry.field(
        default=strawberry.UNSET,
        description="A revocation petition's facts (measure REVOCATION_PETITION).",
    )


@strawberry.input
class ReferCaseInput:
    case_id: relay.GlobalID
    expected_version: int
    organization_id: strawberry.ID = strawberry.field(
        description="The organization (its UUID) the case is referred to."
    )
    note: str | None = None


@strawberry.input
class CloseCaseInput:
    case_id: relay.GlobalID
    expected_version: int
    reason: str
    note: str | None = None


@strawberry.input(
    description="The written report (书面报告) of a dropout case whose persuasion failed."
)
class WrittenReportInput:
    case_id: relay.GlobalID
    expected_version: int
    report: str = strawberry.field(
        description="The report's text; it goes to the county education bureau and the "
        "township office of the child's village."
    )
    note: str | None = None


def _payload(outcome: Outcome[CaseModel]) -> CasePayload:
    return CasePayload(
        case=maybe(outcome.result, Case.from_model),
        errors=outcome.errors,
        current=current_as(outcome.current, CaseModel, Case.from_model),
    )


StepInput = (
    CaseStepInput
    | CompleteAssessmentInput
    | RecordMeasureInput
    | ReferCaseInput
    | CloseCaseInput
    | WrittenReportInput
)


async def _step(info: Info, input: StepInput, action: CaseAction, **extra: object) -> CasePayload:
    """A workflow step: the case and the version the input names, and what else it carries
    (`cases.StepData`: the input's other fields, and `extra` decoded by the resolver)."""
    target = uuid_of(input.case_id, "Case") or uuid.UUID(int=0)
    expected_version = input.expected_version
    step = record_of(
        cases.StepData, changes_of(input, skip={"case_id", "expected_version"}) | extra
    )
    outcome = await run_mutation(
        info,
        lambda s, actor: cases.apply_case_action(s, actor, target, expected_version, action, step),
        lambda c: [f"Case:{c.id}", f"Child:{c.child_id}"],
    )
    return _payload(outcome)


@strawberry.type
class CaseMutation:
    @strawberry.mutation(
        description="Report a concern about a child (强制报告): opens a case in stage REPORTED."
    )
    async def report_concern(self, info: Info, input: ReportConcernInput) -> CasePayload:
        try:
            case = New(client_id(input.id), changes_of(input, skip={"id"}))
        except ValueError:
            return CasePayload(case=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: cases.report_concern(s, actor, case),
            lambda c: [f"Case:{c.id}", f"Child:{c.child_id}"],
        )
        return _payload(outcome)

    @strawberry.mutation(description="Start the emergency response (应急处置) to a report.")
    async def start_emergency_response(self, info: Info, input: CaseStepInput) -> CasePayload:
        return await _step(info, input, CaseAction.START_EMERGENCY_RESPONSE)

    @strawberry.mutation(description="Start assessing the child's situation (评估).")
    async def start_assessment(self, info: Info, input: CaseStepInput) -> CasePayload:
        return await _step(info, input, CaseAction.START_ASSESSMENT)

    @strawberry.mutation(description="Complete the assessment with an assistance plan (帮扶).")
    async def complete_assessment(self, info: Info, input: CompleteAssessmentInput) -> CasePayload:
        return await _step(info, input, CaseAction.COMPLETE_ASSESSMENT)

    @strawberry.mutation(
        description="Record a guardianship intervention measure (监护干预): a warning letter, "
        "a protection order, a placement, a petition to revoke guardianship, an admonition "
        "(训诫), an order to the parents to return; with the facts of its kind."
    )
    async def record_measure(self, info: Info, input: RecordMeasureInput) -> CasePayload:
        try:
            facts = measure_facts_of(input)
        except ValueError:
            return CasePayload(case=None, errors=bad_id("placement.placeOrganizationId"))
        return await _step(info, input, CaseAction.RECORD_MEASURE, **facts)

    @strawberry.mutation(description="Refer the case to an organization (转介); the stage stays.")
    async def refer_case(self, info: Info, input: ReferCaseInput) -> CasePayload:
        try:
            organization_id = uuid.UUID(str(input.organization_id))
        except ValueError:
            return CasePayload(case=None, errors=bad_id("organizationId"))
        return await _step(info, input, CaseAction.REFER, organization_id=organization_id)

    @strawberry.mutation(description="Start following up (跟踪回访) after the assistance.")
    async def start_follow_up(self, info: Info, input: CaseStepInput) -> CasePayload:
        return await _step(info, input, CaseAction.START_FOLLOW_UP)

    @strawberry.mutation(
        description="Close the case (结案): after the follow-up, or at once if the report "
        "turned out unfounded."
    )
    async def close_case(self, info: Info, input: CloseCaseInput) -> CasePayload:
        return await _step(info, input, CaseAction.CLOSE)

    @strawberry.mutation(
        description="Record where the persuasion (劝返) of a dropout case stands: persuasion "
        "under way, returned to school or not returned. The reporting school sees this status."
    )
    async def set_dropout_follow_up(self, info: Info, input: DropoutFollowUpInput) -> CasePayload:
        target = uuid_of(input.case_id, "Case") or uuid.UUID(int=0)
        outcome = await run_mutation(
            info,
            lambda s, actor: cases.set_dropout_follow_up(
                s, actor, target, input.expected_version, input.status, input.note
            ),
            lambda c: [f"Case:{c.id}", f"Child:{c.child_id}"],
        )
        return _payload(outcome)


@strawberry.input(description="Where a child is placed (临时安置), from and until when.")
class PlacementInput:
    place: str | None = strawberry.field(
        default=None, description="Where, in words (required unless organizationId is given)."
    )
    place_organization_id: strawberry.ID | None = strawberry.field(
        default=None, description="Or with which organization (its UUID)."
    )
    starts_on: date
    ends_on: date | None = None

    def facts(self) -> MeasureFacts:
        """The placement's facts (ValueError if the organization id is not a UUID)."""
        organization = self.place_organization_id
        return MeasureFacts(
            place=self.place,
            place_organization_id=None if organization is None else uuid.UUID(str(organization)),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
        )


@strawberry.input(description="A personal safety protection order (人身安全保护令).")
class ProtectionOrderInput:
    court: str = strawberry.field(description="The court that issued it.")
    issued_on: date
    expires_on: date | None = None

    def facts(self) -> MeasureFacts:
        """The order's facts."""
        return MeasureFacts(court=self.court, issued_on=self.issued_on, expires_on=self.expires_on)


@strawberry.input(description="A petition to revoke the parents' guardianship (撤销监护资格).")
class RevocationPetitionInput:
    court: str = strawberry.field(description="The court petitioned.")
    filed_on: date
    outcome: PetitionOutcome | None = strawberry.field(
        default=None, description="Default: PENDING."
    )
    parents_refusing_since: date | None = strawberry.field(
        default=None,
        description="Since when the parents refuse to return or to take up their duty (seed "
        "004: six months or more is a ground for revocation).",
    )

    def facts(self) -> MeasureFacts:
        """The petition's facts."""
        return MeasureFacts(
            court=self.court,
            filed_on=self.filed_on,
            outcome=self.outcome,
            refusing_since=self.parents_refusing_since,
        )


def measure_facts_of(input: RecordMeasureInput) -> dict[str, MeasureFacts | None]:
    """The facts a measure input carries, by the StepData field each belongs to."""
    given: dict[str, PlacementInput | ProtectionOrderInput | RevocationPetitionInput | None] = {
        "placement": input.placement,
        "protection_order": input.protection_order,
        "revocation_petition": input.revocation_petition,
    }
    return {
        name: None if value is None else value.facts()
        for name, value in given.items()
        if value is not strawberry.UNSET
    }


@strawberry.input(description="Hand a case over to another worker.")
class AssignCaseInput:
    case_id: relay.GlobalID
    expected_version: int
    assignee_id: strawberry.ID = strawberry.field(
        description="The worker's account (its UUID, as `me { id }` gives it)."
    )


@strawberry.type
class CaseAssignmentMutation:
    @strawberry.mutation(
        description="Hand a case over (移交) to a worker who may work on it in its area: "
        "recorded in its history as a HANDOVER from the previous assignee."
    )
    async def assign_case(self, info: Info, input: AssignCaseInput) -> CasePayload:
        target = uuid_of(input.case_id, "Case") or uuid.UUID(int=0)
        try:
            assignee = uuid.UUID(str(input.assignee_id))
        except ValueError:
            return CasePayload(case=None, errors=bad_id("assigneeId"))
        outcome = await run_mutation(
            info,
            lambda s, actor: cases.assign_case(s, actor, target, input.expected_version, assignee),
            lambda c: [f"Case:{c.id}", f"Child:{c.child_id}"],
        )
        return _payload(outcome)


@strawberry.type
class CaseWorkflowMutation:
    """The steps of the workflow by category: closing as unfounded, and the dropout path."""

    @strawberry.mutation(
        description="Close the case as unfounded (核查不实) with the reason, in one step, "
        "from any stage before assistance (or persuasion, for a dropout). The report still "
        "counts in the statistics."
    )
    async def close_as_unfounded(self, info: Info, input: CloseCaseInput) -> CasePayload:
        return await _step(info, input, CaseAction.CLOSE_AS_UNFOUNDED)

    @strawberry.mutation(
        description="A dropout case: the pupil is back at school (劝返复学); closes the case."
    )
    async def record_returned_to_school(self, info: Info, input: CaseStepInput) -> CasePayload:
        return await _step(info, input, CaseAction.RECORD_RETURNED)

    @strawberry.mutation(
        description="A dropout case: persuasion failed (劝返无效); a written report is due."
    )
    async def record_not_returned(self, info: Info, input: CaseStepInput) -> CasePayload:
        return await _step(info, input, CaseAction.RECORD_NOT_RETURNED)

    @strawberry.mutation(
        description="A dropout case: send the written report to the county education bureau "
        "and the township (书面报告); the case goes on to follow-up."
    )
    async def send_written_report(self, info: Info, input: WrittenReportInput) -> CasePayload:
        return await _step(info, input, CaseAction.SEND_WRITTEN_REPORT)


@strawberry.input(description="A receiving organization accepts a referral.")
class AcceptReferralInput:
    referral_id: relay.GlobalID
    expected_version: int


@strawberry.input(description="A receiving organization declines a referral, saying why.")
class DeclineReferralInput:
    referral_id: relay.GlobalID
    expected_version: int
    reason: str


@strawberry.input(description="A receiving organization completes a referral it accepted.")
class CompleteReferralInput:
    referral_id: relay.GlobalID
    expected_version: int
    feedback: str = strawberry.field(description="What the organization did (办结反馈).")


@strawberry.type
class ReferralPayload:
    referral: CaseReferral | None
    errors: list[UserError]
    current: CaseReferral | None = strawberry.field(
        default=None,
        description="On VERSION_CONFLICT (or a step its status does not allow): the referral "
        "as it is now.",
    )


async def _answer(
    info: Info, referral_id: relay.GlobalID, expected_version: int,
    action: ReferralAction, text: str | None = None,
) -> ReferralPayload:  # fmt: skip
    target = uuid_of(referral_id, "CaseReferral") or uuid.UUID(int=0)
    outcome = await run_mutation(
        info,
        lambda s, actor: cases.answer_referral(s, actor, target, expected_version, action, text),
        lambda r: [f"CaseReferral:{r.id}", f"Case:{r.case_id}"],
    )
    return ReferralPayload(
        referral=maybe(outcome.result, CaseReferral.from_model),
        errors=outcome.errors,
        current=current_as(outcome.current, CaseReferralModel, CaseReferral.from_model),
    )


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="Accept a referral to your organization (接收转介).")
    async def accept_referral(self, info: Info, input: AcceptReferralInput) -> ReferralPayload:
        return await _answer(info, input.referral_id, input.expected_version, ReferralAction.ACCEPT)

    @strawberry.mutation(
        description="Decline a referral to your organization, with the reason: the case is "
        "no longer yours to see."
    )
    async def decline_referral(self, info: Info, input: DeclineReferralInput) -> ReferralPayload:
        return await _answer(
            info, input.referral_id, input.expected_version, ReferralAction.DECLINE, input.reason
        )

    @strawberry.mutation(
        description="Complete a referral you accepted, with your feedback (办结); you keep "
        "reading the case."
    )
    async def complete_referral(self, info: Info, input: CompleteReferralInput) -> ReferralPayload:
        return await _answer(
            info, input.referral_id, input.expected_version, ReferralAction.COMPLETE,
            input.feedback,
        )  # fmt: skip


@strawberry.input(description="A child not on file, as a report describes it.")
class ChildDescriptionInput:
    name: str
    gender: Gender | None = strawberry.field(
        default=None, description="Required: a file has a gender (ask the reporter)."
    )
    birth_date: date | None = None
    approximate_age: int | None = strawberry.field(
        default=None, description="In years, when the birth date is not known."
    )
    village_code: str | None = strawberry.field(
        default=None, description="The village (12 digits) where the child is."
    )
    township_code: str | None = strawberry.field(
        default=None, description="The township (9 digits), when the village is not known."
    )
    place: str | None = strawberry.field(
        default=None, description="Where the child is, in words (an address, a landmark)."
    )

    def description(self) -> ChildDescription:
        """The description the intake service takes."""
        return ChildDescription(
            name=self.name, gender=self.gender, birth_date=self.birth_date,
            approximate_age=self.approximate_age, village_code=self.village_code,
            township_code=self.township_code, place=self.place,
        )  # fmt: skip


@strawberry.input(
    description="A report from any source (the hotline 12355, the public, the police, staff): "
    "about a child on file (childId) or a child not on file (child), exactly one of the two."
)
class ReportIntakeInput:
    category: CaseCategory
    description: str
    child_id: relay.GlobalID | None = None
    child: ChildDescriptionInput | None = strawberry.field(
        default=None,
        description="A child not on file: the case opens with a provisional file in the "
        "village (or township) named, for the village to complete or merge.",
    )
    id: strawberry.ID | None = strawberry.field(
        default=None, description="A UUID the app made: retrying with it is safe."
    )
    source: ReportSource | None = strawberry.field(
        default=None,
        description="HOTLINE, PUBLIC, POLICE…; default: the reporter's own kind, else VILLAGE.",
    )
    reported_to_police: bool | None = strawberry.field(
        default=None, description="Default: as for reportConcern."
    )
    reporter_name: str | None = strawberry.field(
        default=None,
        description="A member of the public who reported (protected: shown only to county "
        "civil affairs and the police).",
    )
    reporter_phone: str | None = strawberry.field(
        default=None, description="Their phone, protected as their name."
    )


@strawberry.type(description="The answer to a report: the case (or its receipt) and its number.")
class IntakePayload:
    case: Case | None
    case_number: str | None = strawberry.field(
        description="The number to ask about the case later (caseStatus)."
    )
    errors: list[UserError]


@strawberry.input(description="Match a provisional file to the child's file on record.")
class MergeProvisionalChildInput:
    provisional_id: relay.GlobalID
    expected_version: int = strawberry.field(description="The provisional file's version.")
    into_child_id: relay.GlobalID


@strawberry.type
class IntakeMutation:
    @strawberry.mutation(
        description="Take in a report from any source (受理): about a child on file it is "
        "reportConcern; about a child not on file it opens the case and a provisional file. "
        "Answers the case number its reporter asks about later."
    )
    async def report_intake(self, info: Info, input: ReportIntakeInput) -> IntakePayload:
        try:
            changes = changes_of(input, skip={"id", "child"})
            if input.child is not None:
                changes["child"] = input.child.description()
            report = New(client_id(input.id), changes)
        except ValueError:
            return IntakePayload(case=None, case_number=None, errors=bad_id("id"))
        outcome = await run_mutation(
            info,
            lambda s, actor: cases.report_intake(s, actor, report),
            lambda c: [f"Case:{c.id}", f"Child:{c.child_id}"],
        )
        return IntakePayload(
            case=maybe(outcome.result, Case.from_model),
            case_number=None if outcome.result is None else outcome.result.case_number,
            errors=outcome.errors,
        )

    @strawberry.mutation(
        description="Merge a provisional file into the child's file (并档): its cases, their "
        "history and its visits move onto that file, each case records the merge, and the "
        "provisional file is archived as a duplicate. Answers the child's file."
    )
    async def merge_provisional_child(
        self, info: Info, input: MergeProvisionalChildInput
    ) -> ChildPayload:
        provisional = uuid_of(input.provisional_id, "Child") or uuid.UUID(int=0)
        into = uuid_of(input.into_child_id, "Child") or uuid.UUID(int=0)
        outcome = await run_mutation(
            info,
            lambda s, actor: cases.merge_provisional_child(
                s, actor, provisional, input.expected_version, into
            ),
            lambda c: [f"Child:{c.id}", f"Child:{provisional}"],
        )
        return ChildPayload(
            child=maybe(outcome.result, lambda c: Child.from_model(c, info)),
            errors=outcome.errors,
            current=current_as(outcome.current, ChildModel, lambda c: Child.from_model(c, info)),
        )
