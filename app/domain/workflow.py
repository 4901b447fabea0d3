"""The protection-case workflow as an explicit state machine (seed 004 §四).

A case goes mandatory report → emergency response → assessment and assistance → guardianship
intervention → follow-up → closed. Each action names the stages it may start from, the stage
it leads to, and the Casbin permission on object "case" the caller needs in the case's area.
How long a case may stay in a stage is in `app.domain.case_deadlines`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from app.enums import CaseStage, LabeledEnum
from app.i18n import N_, translate

CASE_OBJECT = "case"

WorkflowErrorCode = Literal["INVALID_TRANSITION", "CASE_CLOSED"]


class CaseAction(LabeledEnum):
    """What staff do to a case; each is one Transition below."""

    START_EMERGENCY_RESPONSE = "start_emergency_response", "启动应急处置"
    START_ASSESSMENT = "start_assessment", "开始评估"
    COMPLETE_ASSESSMENT = "complete_assessment", "完成评估并制定帮扶方案"
    RECORD_MEASURE = "record_measure", "采取干预措施"
    REFER = "refer", "转介"
    START_FOLLOW_UP = "start_follow_up", "开始跟踪回访"
    CLOSE = "close", "结案"


@dataclass(frozen=True)
class Transition:
    """What an action requires and does: from which stages, to which stage, with which right."""

    action: CaseAction
    from_stages: frozenset[CaseStage]
    # None: the action leaves the stage as it is (a referral).
    to_stage: CaseStage | None
    # The Casbin action on object "case" the caller needs in the case's area.
    permission: str


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


def apply(stage: CaseStage, action: CaseAction) -> CaseStage:
    """Return the stage a case in `stage` is in after `action`.

    Raises WorkflowError with code "CASE_CLOSED" when the case is closed (no action applies),
    else "INVALID_TRANSITION" when the action does not start from `stage`.
    """
    if stage is CaseStage.CLOSED:
        raise WorkflowError("CASE_CLOSED", stage, action)
    transition = TRANSITIONS[action]
    if stage not in transition.from_stages:
        raise WorkflowError("INVALID_TRANSITION", stage, action)
    return stage if transition.to_stage is None else transition.to_stage


def allowed_actions(stage: CaseStage) -> list[CaseAction]:
    """The actions a case in `stage` allows, in declaration order (none once closed)."""
    return [action for action in CaseAction if stage in TRANSITIONS[action].from_stages]


def required_permission(action: CaseAction) -> tuple[str, str]:
    """The Casbin (object, action) a caller needs in the case's area to perform `action`."""
    return CASE_OBJECT, TRANSITIONS[action].permission
