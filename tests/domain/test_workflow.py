"""The case workflow: every stage × action × category (a dropout or any other case), and which
roles may act under the default policy."""

from __future__ import annotations

import re
from functools import cache
from itertools import product

import casbin
import pytest

from app.domain.workflow import (
    DROPOUT_FOLLOW_UP_AFTER,
    DROPOUT_STEP_FOR,
    TRANSITIONS,
    CaseAction,
    WorkflowError,
    allowed_actions,
    apply,
    initial_stage,
    measure_action,
    measure_allowed,
    permitted_actions,
    required_permission,
)
from app.enums import CaseCategory, CaseMeasure, CaseStage, DropoutFollowUp, Role
from authz.enforcer import build_enforcer, default_rules
from authz.guard import case_actions
from authz.scope import Principal, compile_scope

S = CaseStage
A = CaseAction
X = "INVALID_TRANSITION"
C = "CASE_CLOSED"

# Columns of the table, written out rather than taken from the enum.
COLUMNS = (
    A.START_EMERGENCY_RESPONSE,
    A.START_ASSESSMENT,
    A.COMPLETE_ASSESSMENT,
    A.RECORD_MEASURE,
    A.RECORD_EMERGENCY_MEASURE,
    A.REFER,
    A.START_FOLLOW_UP,
    A.CLOSE,
    A.CLOSE_AS_UNFOUNDED,
    A.RECORD_RETURNED,
    A.RECORD_NOT_RETURNED,
    A.SEND_WRITTEN_REPORT,
)
# Short names so the table fits on a line each.
REP, EMR, ASM, AST = S.REPORTED, S.EMERGENCY_RESPONSE, S.ASSESSMENT, S.ASSISTANCE
INT, FUP, CLD = S.INTERVENTION, S.FOLLOW_UP, S.CLOSED
PER, PFL = S.PERSUASION, S.PERSUASION_FAILED
# stage: the outcome of each action in COLUMNS (headed by their first letters: emergency
# response, assessment, completion, measure, urgent measure, referral, follow-up, close,
# unfounded, returned, not returned, written report) for a case of any category but dropout, the
# new stage or the error code.
# fmt: off
OUTCOMES: dict[CaseStage, tuple[CaseStage | str, ...]] = {
    #     emr  ass  cmp  msr  urg  ref  fup  cls  unf  ret  nrt  wrt
    REP: (EMR, ASM, X,   X,   X,   REP, X,   CLD, CLD, X,   X,   X),
    EMR: (X,   ASM, X,   X,   EMR, EMR, X,   X,   CLD, X,   X,   X),
    ASM: (X,   X,   AST, X,   X,   ASM, X,   X,   CLD, X,   X,   X),
    AST: (X,   X,   X,   INT, X,   AST, FUP, X,   X,   X,   X,   X),
    INT: (X,   X,   X,   INT, X,   INT, FUP, X,   X,   X,   X,   X),
    FUP: (X,   X,   X,   X,   X,   FUP, X,   CLD, X,   X,   X,   X),
    CLD: (C,   C,   C,   C,   C,   C,   C,   C,   C,   C,   C,   C),
    PER: (X,   X,   X,   X,   X,   PER, X,   X,   CLD, X,   X,   X),
    PFL: (X,   X,   X,   X,   X,   PFL, X,   X,   X,   X,   X,   X),
}
# A dropout case: the same, but for the steps of its own path.
DROPOUT_OUTCOMES: dict[CaseStage, tuple[CaseStage | str, ...]] = {
    **OUTCOMES,
    FUP: (X,   X,   X,   X,   X,   FUP, X,   CLD, X,   CLD, X,   X),
    PER: (X,   X,   X,   X,   X,   PER, X,   X,   CLD, CLD, PFL, X),
    PFL: (X,   X,   X,   X,   X,   PFL, X,   X,   X,   CLD, X,   FUP),
}
# fmt: on
CATEGORIES = (CaseCategory.OTHER, CaseCategory.DROPOUT)

# action: the roles whose default `case` permissions allow it.
ROLES_ALLOWED: dict[CaseAction, set[Role]] = {
    A.START_EMERGENCY_RESPONSE: {Role.TOWNSHIP_SUPERVISOR, Role.PROTECTION_CENTRE, Role.POLICE},
    A.START_ASSESSMENT: {
        Role.TOWNSHIP_SUPERVISOR,
        Role.COUNTY_CIVIL_AFFAIRS,
        Role.PROTECTION_CENTRE,
    },
    A.COMPLETE_ASSESSMENT: {
        Role.TOWNSHIP_SUPERVISOR,
        Role.COUNTY_CIVIL_AFFAIRS,
        Role.PROTECTION_CENTRE,
    },
    A.RECORD_MEASURE: {Role.COUNTY_CIVIL_AFFAIRS, Role.PROTECTION_CENTRE, Role.POLICE},
    A.RECORD_EMERGENCY_MEASURE: {
        Role.TOWNSHIP_SUPERVISOR,
        Role.PROTECTION_CENTRE,
        Role.POLICE,
    },
    A.REFER: {Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_CIVIL_AFFAIRS, Role.PROTECTION_CENTRE},
    A.START_FOLLOW_UP: {Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR, Role.PROTECTION_CENTRE},
    A.CLOSE: {Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_CIVIL_AFFAIRS, Role.PROTECTION_CENTRE},
    A.CLOSE_AS_UNFOUNDED: {
        Role.TOWNSHIP_SUPERVISOR,
        Role.COUNTY_CIVIL_AFFAIRS,
        Role.PROTECTION_CENTRE,
    },
    A.RECORD_RETURNED: {Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR, Role.PROTECTION_CENTRE},
    A.RECORD_NOT_RETURNED: {
        Role.VILLAGE_DIRECTOR,
        Role.TOWNSHIP_SUPERVISOR,
        Role.PROTECTION_CENTRE,
    },
    A.SEND_WRITTEN_REPORT: {
        Role.VILLAGE_DIRECTOR,
        Role.TOWNSHIP_SUPERVISOR,
        Role.PROTECTION_CENTRE,
    },
}


def expected(
    stage: CaseStage, action: CaseAction, category: CaseCategory = CaseCategory.OTHER
) -> CaseStage | str:
    table = DROPOUT_OUTCOMES if category is CaseCategory.DROPOUT else OUTCOMES
    return table[stage][COLUMNS.index(action)]


def test_tables_cover_every_stage_and_action() -> None:
    assert set(OUTCOMES) == set(CaseStage) == set(DROPOUT_OUTCOMES)
    assert set(COLUMNS) == set(CaseAction) and len(COLUMNS) == len(CaseAction)
    assert all(len(row) == len(COLUMNS) for row in OUTCOMES.values())
    assert all(len(row) == len(COLUMNS) for row in DROPOUT_OUTCOMES.values())
    assert set(ROLES_ALLOWED) == set(CaseAction)
    assert set(TRANSITIONS) == set(CaseAction)
    assert all(key is transition.action for key, transition in TRANSITIONS.items())


@pytest.mark.parametrize(
    ("stage", "action", "category"),
    [
        (s, a, c)
        for s, a, c in product(CaseStage, CaseAction, CATEGORIES)
        if isinstance(expected(s, a, c), CaseStage)
    ],
)
def test_allowed_transition(stage: CaseStage, action: CaseAction, category: CaseCategory) -> None:
    assert apply(stage, action, category) is expected(stage, action, category)


@pytest.mark.parametrize(
    ("stage", "action", "category"),
    [
        (s, a, c)
        for s, a, c in product(CaseStage, CaseAction, CATEGORIES)
        if not isinstance(expected(s, a, c), CaseStage)
    ],
)
def test_forbidden_transition(stage: CaseStage, action: CaseAction, category: CaseCategory) -> None:
    with pytest.raises(WorkflowError) as raised:
        apply(stage, action, category)
    assert raised.value.code == expected(stage, action, category)
    # The message tells people which stage and which action.
    assert stage.value in str(raised.value) and action.value in str(raised.value)


@pytest.mark.parametrize(("stage", "category"), list(product(CaseStage, CATEGORIES)))
def test_allowed_actions_in_declaration_order(stage: CaseStage, category: CaseCategory) -> None:
    assert allowed_actions(stage, category) == [
        a for a in COLUMNS if isinstance(expected(stage, a, category), CaseStage)
    ]


@pytest.mark.parametrize("category", list(CaseCategory))
def test_every_category_but_dropout_follows_the_general_table(category: CaseCategory) -> None:
    table = DROPOUT_OUTCOMES if category is CaseCategory.DROPOUT else OUTCOMES
    for stage in CaseStage:
        assert allowed_actions(stage, category) == [
            a for i, a in enumerate(COLUMNS) if isinstance(table[stage][i], CaseStage)
        ]


@pytest.mark.parametrize(
    ("category", "stage"),
    [(c, S.PERSUASION if c is CaseCategory.DROPOUT else S.REPORTED) for c in CaseCategory],
)
def test_a_case_opens_in_its_categorys_first_stage(
    category: CaseCategory, stage: CaseStage
) -> None:
    assert initial_stage(category) is stage


def test_a_dropout_case_goes_its_own_way_to_the_written_report() -> None:
    dropout = CaseCategory.DROPOUT
    stage = initial_stage(dropout)
    assert allowed_actions(stage, dropout)[0] is not A.START_EMERGENCY_RESPONSE
    for action in (A.RECORD_NOT_RETURNED, A.SEND_WRITTEN_REPORT, A.CLOSE):
        stage = apply(stage, action, dropout)
    assert stage is S.CLOSED


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (A.RECORD_RETURNED, DropoutFollowUp.RETURNED),
        (A.RECORD_NOT_RETURNED, DropoutFollowUp.NOT_RETURNED),
    ],
)
def test_the_schools_status_follows_the_dropout_steps(
    action: CaseAction, status: DropoutFollowUp
) -> None:
    assert DROPOUT_FOLLOW_UP_AFTER == {
        A.RECORD_RETURNED: DropoutFollowUp.RETURNED,
        A.RECORD_NOT_RETURNED: DropoutFollowUp.NOT_RETURNED,
    }
    assert DROPOUT_FOLLOW_UP_AFTER[action] is status and DROPOUT_STEP_FOR[status] is action


def test_a_case_can_go_the_whole_way() -> None:
    stage = S.REPORTED
    for action in (
        A.START_EMERGENCY_RESPONSE,
        A.START_ASSESSMENT,
        A.COMPLETE_ASSESSMENT,
        A.RECORD_MEASURE,
        A.RECORD_MEASURE,
        A.REFER,
        A.START_FOLLOW_UP,
        A.CLOSE,
    ):
        stage = apply(stage, action)
    assert stage is S.CLOSED
    assert allowed_actions(stage) == []


@pytest.mark.parametrize(
    ("action", "permission"),
    [
        (A.START_EMERGENCY_RESPONSE, "respond"),
        (A.START_ASSESSMENT, "assess"),
        (A.COMPLETE_ASSESSMENT, "assess"),
        (A.RECORD_MEASURE, "intervene"),
        (A.REFER, "refer"),
        (A.START_FOLLOW_UP, "follow_up"),
        (A.CLOSE, "close"),
        (A.CLOSE_AS_UNFOUNDED, "close"),
        (A.RECORD_RETURNED, "follow_up"),
        (A.RECORD_NOT_RETURNED, "follow_up"),
        (A.SEND_WRITTEN_REPORT, "follow_up"),
    ],
)
def test_required_permission(action: CaseAction, permission: str) -> None:
    assert required_permission(action) == ("case", permission)


@cache
def enforcer_for(role: Role) -> casbin.Enforcer:
    return build_enforcer([*default_rules(), ("g", "user:x", role.value, "42*")])


@pytest.mark.parametrize(("role", "action"), list(product(Role, CaseAction)))
def test_role_may_act_per_default_policy(role: Role, action: CaseAction) -> None:
    enforcer = enforcer_for(role)
    allowed = enforcer.enforce("user:x", "420702100201", *required_permission(action))
    assert allowed == (role in ROLES_ALLOWED[action])


@pytest.mark.parametrize("action", list(CaseAction))
def test_no_role_may_act_outside_its_area(action: CaseAction) -> None:
    # The grant covers Hubei (42*) only; a case in Beijing is out of reach.
    enforcer = enforcer_for(Role.PROTECTION_CENTRE)
    assert not enforcer.enforce("user:x", "110101001001", *required_permission(action))


@pytest.mark.parametrize("action", list(CaseAction))
def test_action_has_chinese_label(action: CaseAction) -> None:
    assert re.search(r"[\u4e00-\u9fff]", action.label)
    assert re.fullmatch(r"[a-z]+(_[a-z]+)*", action.value)


@pytest.mark.parametrize(("role", "stage", "category"), list(product(Role, CaseStage, CATEGORIES)))
def test_next_actions_are_what_the_stage_and_the_callers_permissions_allow(
    role: Role, stage: CaseStage, category: CaseCategory
) -> None:
    principal = Principal(label="x", role=role, area_code="42", grants=((role.value, "42*"),))
    scope = compile_scope(principal, enforcer_for(role))
    offered = case_actions(scope, stage, category, "420702100201")
    assert offered == [
        a
        for a in COLUMNS
        if isinstance(expected(stage, a, category), CaseStage) and role in ROLES_ALLOWED[a]
    ]
    # Outside the grant nothing is offered.
    assert case_actions(scope, stage, category, "110101001001") == []


def test_permitted_actions_ask_for_each_actions_permission() -> None:
    asked: list[tuple[str, str]] = []

    def allows(obj: str, act: str) -> bool:
        asked.append((obj, act))
        return act == "close"

    assert permitted_actions(S.REPORTED, CaseCategory.OTHER, allows) == [
        A.CLOSE,
        A.CLOSE_AS_UNFOUNDED,
    ]
    assert set(asked) == {("case", p) for p in ("respond", "assess", "refer", "close")}


@pytest.mark.parametrize(
    ("stage", "action"),
    [
        (S.EMERGENCY_RESPONSE, A.RECORD_EMERGENCY_MEASURE),
        (S.ASSISTANCE, A.RECORD_MEASURE),
        (S.INTERVENTION, A.RECORD_MEASURE),
        (S.REPORTED, A.RECORD_MEASURE),
    ],
)
def test_a_measure_is_an_emergency_one_during_the_emergency_response(
    stage: CaseStage, action: CaseAction
) -> None:
    assert measure_action(stage) is action


@pytest.mark.parametrize(
    ("measure", "in_emergency"),
    [
        (CaseMeasure.ADMONITION, True),
        (CaseMeasure.ORDER_TO_RETURN, True),
        (CaseMeasure.WARNING_LETTER, True),
        (CaseMeasure.PLACEMENT, True),
        (CaseMeasure.PROTECTION_ORDER, False),
        (CaseMeasure.REVOCATION_PETITION, False),
    ],
)
def test_only_emergency_measures_are_taken_before_an_assessment(
    measure: CaseMeasure, in_emergency: bool
) -> None:
    assert measure_allowed(A.RECORD_EMERGENCY_MEASURE, measure) is in_emergency
    assert measure_allowed(A.RECORD_MEASURE, measure)
