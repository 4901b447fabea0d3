"""The case workflow: every stage × action, and which roles may act under the default policy."""

from __future__ import annotations

import re
from functools import cache
from itertools import product

import casbin
import pytest

from app.domain.workflow import (
    TRANSITIONS,
    CaseAction,
    WorkflowError,
    allowed_actions,
    apply,
    required_permission,
)
from app.enums import CaseStage, Role
from authz.enforcer import build_enforcer, default_rules

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
    A.REFER,
    A.START_FOLLOW_UP,
    A.CLOSE,
)
# Short names so the table fits on a line each.
REP, EMR, ASM, AST = S.REPORTED, S.EMERGENCY_RESPONSE, S.ASSESSMENT, S.ASSISTANCE
INT, FUP, CLD = S.INTERVENTION, S.FOLLOW_UP, S.CLOSED
# stage: the outcome of each action in COLUMNS, the new stage or the error code.
# fmt: off
OUTCOMES: dict[CaseStage, tuple[CaseStage | str, ...]] = {
    #     emergency assess complete measure refer follow_up close
    REP: (EMR,      ASM,   X,       X,      REP,  X,        CLD),
    EMR: (X,        ASM,   X,       X,      EMR,  X,        X),
    ASM: (X,        X,     AST,     X,      ASM,  X,        X),
    AST: (X,        X,     X,       INT,    AST,  FUP,      X),
    INT: (X,        X,     X,       INT,    INT,  FUP,      X),
    FUP: (X,        X,     X,       X,      FUP,  X,        CLD),
    CLD: (C,        C,     C,       C,      C,    C,        C),
}
# fmt: on

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
    A.REFER: {Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_CIVIL_AFFAIRS, Role.PROTECTION_CENTRE},
    A.START_FOLLOW_UP: {Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR, Role.PROTECTION_CENTRE},
    A.CLOSE: {Role.TOWNSHIP_SUPERVISOR, Role.COUNTY_CIVIL_AFFAIRS, Role.PROTECTION_CENTRE},
}


def expected(stage: CaseStage, action: CaseAction) -> CaseStage | str:
    return OUTCOMES[stage][COLUMNS.index(action)]


def test_tables_cover_every_stage_and_action() -> None:
    assert set(OUTCOMES) == set(CaseStage)
    assert set(COLUMNS) == set(CaseAction) and len(COLUMNS) == len(CaseAction)
    assert all(len(row) == len(COLUMNS) for row in OUTCOMES.values())
    assert set(ROLES_ALLOWED) == set(CaseAction)
    assert set(TRANSITIONS) == set(CaseAction)
    assert all(key is transition.action for key, transition in TRANSITIONS.items())


@pytest.mark.parametrize(
    ("stage", "action"),
    [(s, a) for s, a in product(CaseStage, CaseAction) if isinstance(expected(s, a), CaseStage)],
)
def test_allowed_transition(stage: CaseStage, action: CaseAction) -> None:
    assert apply(stage, action) is expected(stage, action)


@pytest.mark.parametrize(
    ("stage", "action"),
    [
        (s, a)
        for s, a in product(CaseStage, CaseAction)
        if not isinstance(expected(s, a), CaseStage)
    ],
)
def test_forbidden_transition(stage: CaseStage, action: CaseAction) -> None:
    with pytest.raises(WorkflowError) as raised:
        apply(stage, action)
    assert raised.value.code == expected(stage, action)
    # The message tells people which stage and which action.
    assert stage.value in str(raised.value) and action.value in str(raised.value)


@pytest.mark.parametrize("stage", list(CaseStage))
def test_allowed_actions_in_declaration_order(stage: CaseStage) -> None:
    assert allowed_actions(stage) == [
        a for a in COLUMNS if isinstance(expected(stage, a), CaseStage)
    ]


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
