"""The protection-case workflow as an explicit state machine (seed 004 §四).

A case goes mandatory report → emergency response → assessment and assistance → guardianship
intervention → follow-up → closed. A dropout case goes its own way (seed 004: 辍学学生登记、
劝返复学和书面报告制度): persuasion → returned (closed) or not returned → a written report to
the county education bureau and the township → follow-up → closed. Any case may be closed as
unfounded (核查不实) before assistance. Each action names the stages it may start from, the
categories it is for (all, unless it says), the stage it leads to, and the Casbin permission
on object "case" the caller needs in the case's area. How long a case may stay in a stage is
in `app.domain.case_deadlines`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from app.enums import CaseCategory, CaseMeasure, CaseStage, DropoutFollowUp, LabeledEnum
from app.i18n import N_, translate

CASE_OBJECT = "case"

WorkflowErrorCode = Literal["INVALID_TRANSITION", "CASE_CLOSED"]


class CaseAction(LabeledEnum):
    """What staff do to a case; each is one Transition below."""

    START_EMERGENCY_RESPONSE = "start_emergency_response", "启动应急处置"
    START_ASSESSMENT = "start_assessment", "开始评估"
    COMPLETE_ASSESSMENT = "complete_assessment", "完成评估并制定帮扶方案"
    RECORD_MEASURE = "record_measure", "采取干预措施"
    RECORD_EMERGENCY_MEASURE = "record_emergency_measure", "采取应急处置措施"
    REFER = "refer", "转介"
    START_FOLLOW_UP = "start_follow_up", "开始跟踪回访"
    CLOSE = "close", "结案"
    CLOSE_AS_UNFOUNDED = "close_as_unfounded", "核查不实结案"
    RECORD_RETURNED = "record_returned", "已劝返复学"
    RECORD_NOT_RETURNED = "record_not_returned", "劝返无效"
    SEND_WRITTEN_REPORT = "send_written_report", "书面报告教育部门和乡镇"


@dataclass(frozen=True)
class Transition:
    """What an action requires and does: from which stages, to which stage, with which right."""

    action: CaseAction
    from_stages: frozenset[CaseStage]
    # None: the action leaves the stage as it is (a referral).
    to_stage: CaseStage | None
    # The Casbin action on object "case" the caller needs in the case's area.
    permission: str
    # The categories of case the action is for; None: every category.
    categories: frozenset[CaseCategory] | None = None


_OPEN_STAGES = frozenset(CaseStage) - {CaseStage.CLOSED}

_TRANSITION_LIST = (
    Transition(
        CaseAction.START_EMERGENCY_RESPONSE,
        frozenset({CaseStage.REPORTED}),
        CaseStage.EMERGENCY_RESPONSE,
        "respond",
    ),
    # A report that needs no emergency response goes straight to assessment.
    Transition(
        CaseAction.START_ASSESSMENT,
        frozenset({CaseStage.REPORTED, CaseStage.EMERGENCY_RESPONSE}),
        CaseStage.ASSESSMENT,
        "assess",
    ),
    Transition(
        CaseAction.COMPLETE_ASSESSMENT,
        frozenset({CaseStage.ASSESSMENT}),
        CaseStage.ASSISTANCE,
        "assess",
    ),
    # Measures may follow one another (a warning letter, then a protection order…).
    Transition(
        CaseAction.RECORD_MEASURE,
        frozenset({CaseStage.ASSISTANCE, CaseStage.INTERVENTION}),
        CaseStage.INTERVENTION,
        "intervene",
    ),
    # Seed 004's emergency response: the police admonish (训诫), order the parents back
    # (责令父母返回), warn (告诫书), and the child may be placed (临时安置), before any
    # assessment; the case stays in emergency response.
    Transition(
        CaseAction.RECORD_EMERGENCY_MEASURE,
        frozenset({CaseStage.EMERGENCY_RESPONSE}),
        None,
        "respond",
    ),
    Transition(CaseAction.REFER, _OPEN_STAGES, None, "refer"),
    # Intervention is skipped when assistance is enough.
    Transition(
        CaseAction.START_FOLLOW_UP,
        frozenset({CaseStage.ASSISTANCE, CaseStage.INTERVENTION}),
        CaseStage.FOLLOW_UP,
        "follow_up",
    ),
    # Closing straight from a report: the report turned out unfounded.
    Transition(
        CaseAction.CLOSE,
        frozenset({CaseStage.REPORTED, CaseStage.FOLLOW_UP}),
        CaseStage.CLOSED,
        "close",
    ),
    *(
        # Before assistance the facts are still being checked; after it they are established.
        Transition(
            CaseAction.CLOSE_AS_UNFOUNDED,
            frozenset(
                {
                    CaseStage.REPORTED,
                    CaseStage.EMERGENCY_RESPONSE,
                    CaseStage.ASSESSMENT,
                    CaseStage.PERSUASION,
                }
            ),
            CaseStage.CLOSED,
            "close",
        ),
        # The pupil is back at school: whenever that happens, the case has done its work.
        # The village director who persuades the family records it (follow_up).
        Transition(
            CaseAction.RECORD_RETURNED,
            frozenset({CaseStage.PERSUASION, CaseStage.PERSUASION_FAILED, CaseStage.FOLLOW_UP}),
            CaseStage.CLOSED,
            "follow_up",
            frozenset({CaseCategory.DROPOUT}),
        ),
        Transition(
            CaseAction.RECORD_NOT_RETURNED,
            frozenset({CaseStage.PERSUASION}),
            CaseStage.PERSUASION_FAILED,
            "follow_up",
            frozenset({CaseCategory.DROPOUT}),
        ),
        # 劝返无效的应书面报旗县（市、区）教育部门和苏木乡镇; then the case is followed up.
        Transition(
            CaseAction.SEND_WRITTEN_REPORT,
            frozenset({CaseStage.PERSUASION_FAILED}),
            CaseStage.FOLLOW_UP,
            "follow_up",
            frozenset({CaseCategory.DROPOUT}),
        ),
    ),
)

TRANSITIONS: Mapping[CaseAction, Transition] = MappingProxyType(
    {transition.action: transition for transition in _TRANSITION_LIST}
)


class WorkflowError(ValueError):
    """An action a case in its current stage does not allow; `code` says why."""

    def __init__(self, code: WorkflowErrorCode, stage: CaseStage, action: CaseAction) -> None:
        if code == "CASE_CLOSED":
            self.template = N_("the case is closed (stage {stage}): {action} is not allowed")
        else:
            self.template = N_("{action} is not allowed in stage {stage}")
        # Chinese names the stage and the action by their labels (app/i18n.translate).
        self.params: dict[str, object] = {"stage": stage, "action": action}
        super().__init__(translate(self.template, self.params, "en"))
        self.code: WorkflowErrorCode = code
        self.stage = stage
        self.action = action


def _starts_from(transition: Transition, stage: CaseStage, category: CaseCategory | None) -> bool:
    """Whether the transition applies to a case of `category` (None: of no particular one)
    in `stage`."""
    return stage in transition.from_stages and (
        transition.categories is None or category in transition.categories
    )


def apply(stage: CaseStage, action: CaseAction, category: CaseCategory | None = None) -> CaseStage:
    """Return the stage a case of `category` in `stage` is in after `action`.

    Raises WorkflowError with code "CASE_CLOSED" when the case is closed (no action applies),
    else "INVALID_TRANSITION" when the action does not start from `stage` or is not for the
    case's category.
    """
    if stage is CaseStage.CLOSED:
        raise WorkflowError("CASE_CLOSED", stage, action)
    transition = TRANSITIONS[action]
    if not _starts_from(transition, stage, category):
        raise WorkflowError("INVALID_TRANSITION", stage, action)
    return stage if transition.to_stage is None else transition.to_stage


def allowed_actions(stage: CaseStage, category: CaseCategory | None = None) -> list[CaseAction]:
    """The actions a case of `category` in `stage` allows, in declaration order (none once
    closed)."""
    return [action for action in CaseAction if _starts_from(TRANSITIONS[action], stage, category)]


def required_permission(action: CaseAction) -> tuple[str, str]:
    """The Casbin (object, action) a caller needs in the case's area to perform `action`."""
    return CASE_OBJECT, TRANSITIONS[action].permission


def initial_stage(category: CaseCategory) -> CaseStage:
    """The stage a case of `category` opens in: persuasion for a dropout, else the report."""
    return CaseStage.PERSUASION if category is CaseCategory.DROPOUT else CaseStage.REPORTED


# What the reporting school reads of a dropout case (its follow-up status), by the step taken.
DROPOUT_FOLLOW_UP_AFTER: Mapping[CaseAction, DropoutFollowUp] = MappingProxyType(
    {
        CaseAction.RECORD_RETURNED: DropoutFollowUp.RETURNED,
        CaseAction.RECORD_NOT_RETURNED: DropoutFollowUp.NOT_RETURNED,
    }
)

# The step a dropout follow-up status stands for, where the workflow has one.
DROPOUT_STEP_FOR: Mapping[DropoutFollowUp, CaseAction] = MappingProxyType(
    {status: action for action, status in DROPOUT_FOLLOW_UP_AFTER.items()}
)


def permitted_actions(
    stage: CaseStage, category: CaseCategory, allows: Callable[[str, str], bool]
) -> list[CaseAction]:
    """The actions a caller may take on a case of `category` in `stage` now: those the stage
    and category allow and whose permission `allows(object, action)` grants in the case's
    area. The one rule behind both `nextActions` and the refusal of a step (authz/guard)."""
    return [
        action
        for action in allowed_actions(stage, category)
        if allows(*required_permission(action))
    ]


# What may be done for a child during the emergency response; the court's measures (a
# protection order, a petition to revoke guardianship) follow an assessment.
EMERGENCY_MEASURES = frozenset(
    {
        CaseMeasure.ADMONITION,
        CaseMeasure.ORDER_TO_RETURN,
        CaseMeasure.WARNING_LETTER,
        CaseMeasure.PLACEMENT,
    }
)


def measure_action(stage: CaseStage) -> CaseAction:
    """The step that records a measure on a case in `stage`: an emergency measure during the
    emergency response, an intervention otherwise (`recordMeasure` is both)."""
    if stage is CaseStage.EMERGENCY_RESPONSE:
        return CaseAction.RECORD_EMERGENCY_MEASURE
    return CaseAction.RECORD_MEASURE


def measure_allowed(action: CaseAction, measure: CaseMeasure) -> bool:
    """Whether `measure` may be recorded by `action`: any by an intervention, only the
    emergency measures during the emergency response."""
    return action is not CaseAction.RECORD_EMERGENCY_MEASURE or measure in EMERGENCY_MEASURES
