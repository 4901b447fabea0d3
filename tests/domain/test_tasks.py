"""The rules that open and close tasks (app/domain/tasks.py)."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date

import pytest

from app.domain.tasks import Alert, Firing, Guardian, Situation, TaskRules, evaluate
from app.enums import CaseCategory, GuardianCapacity, LivingArrangement, TaskKind

TODAY = date(2026, 11, 23)
RULES = TaskRules()
TEN = date(2016, 5, 20)
FIFTEEN = date(2011, 11, 24)  # 16 tomorrow
SIXTEEN = date(2010, 11, 23)  # 16 today
G1 = uuid.UUID(int=1)
G2 = uuid.UUID(int=2)

ALONE = LivingArrangement.ALONE
GRANDPARENTS = LivingArrangement.WITH_GRANDPARENTS
INCAPABLE = Guardian(G1, active=True, capacity=GuardianCapacity.INCAPABLE, confirmed=False)
UNASSESSED = Guardian(G1, active=True, capacity=GuardianCapacity.UNASSESSED, confirmed=False)
CONFIRMED = Guardian(G2, active=True, capacity=GuardianCapacity.CAPABLE, confirmed=True)
CAPABLE = Guardian(G2, active=True, capacity=GuardianCapacity.CAPABLE, confirmed=False)
ENDED = Guardian(G1, active=False, capacity=GuardianCapacity.CAPABLE, confirmed=True)
LIVING_ALONE = CaseCategory.LIVING_ALONE
INCAPABLE_CASE = CaseCategory.GUARDIAN_INCAPABLE
DUE = date(2026, 11, 30)
ALONE_ALERT = frozenset({Alert.LIVING_ALONE})
INCAPABLE_ALERT = frozenset({Alert.GUARDIAN_INCAPABLE})
NO_GUARDIAN = frozenset({Alert.NO_CONFIRMED_GUARDIAN})
NO_CONTACT = frozenset({Alert.PARENTS_NO_CONTACT})
CONFIRM = (TaskKind.CONFIRM_GUARDIAN, date(2026, 12, 23))
CONTACT = (TaskKind.CONTACT_PARENTS, date(2026, 11, 30))


def situation(**changes: object) -> Situation:
    base = Situation(
        birth_date=TEN, living_arrangement=GRANDPARENTS, guardian=None, ended_guardian=None,
        open_case_categories=frozenset(), find_guardian_subjects=frozenset(),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # Nothing wrong: nothing to do.
        ({}, Firing()),
        # Living alone at 10: the report; once its case is open, nothing more.
        ({"living_arrangement": ALONE}, Firing(reports=(LIVING_ALONE,), raised=ALONE_ALERT)),
        (
            {"living_arrangement": ALONE, "open_case_categories": frozenset({LIVING_ALONE})},
            Firing(raised=ALONE_ALERT),
        ),
        # Reported before and still alone (the case since closed): not reported again…
        ({"living_arrangement": ALONE, "raised": ALONE_ALERT}, Firing(raised=ALONE_ALERT)),
        # …but living with someone ends the alert, and living alone again is a new report.
        ({"raised": ALONE_ALERT}, Firing(close_reports=(LIVING_ALONE,))),
        # A capable guardian confirmed: the danger is over while the child still lives alone.
        (
            {"living_arrangement": ALONE, "guardian": CONFIRMED, "raised": ALONE_ALERT},
            Firing(raised=ALONE_ALERT, close_reports=(LIVING_ALONE,), close_find_guardian=True),
        ),
        # Found: the report of the missing child has done its work.
        ({"raised": frozenset({Alert.MISSING})}, Firing(close_reports=(CaseCategory.MISSING,))),
        # Missing: reported at once too.
        (
            {"missing": True},
            Firing(reports=(CaseCategory.MISSING,), raised=frozenset({Alert.MISSING})),
        ),
        # Another open case does not stop the report.
        (
            {"living_arrangement": ALONE, "open_case_categories": frozenset({INCAPABLE_CASE})},
            Firing(reports=(LIVING_ALONE,), raised=ALONE_ALERT),
        ),
        # Under 16 only: 15 the day before the birthday, not 16 on it.
        (
            {"living_arrangement": ALONE, "birth_date": FIFTEEN},
            Firing(reports=(LIVING_ALONE,), raised=ALONE_ALERT),
        ),
        ({"living_arrangement": ALONE, "birth_date": SIXTEEN}, Firing()),
        # A guardian assessed incapable: the report and a new guardian to find in 7 days.
        (
            {"guardian": INCAPABLE},
            Firing(
                reports=(INCAPABLE_CASE,),
                raised=INCAPABLE_ALERT,
                find_guardian_about=G1,
                find_guardian_due=DUE,
            ),
        ),
        # At 16 no report, but a new guardian all the same.
        (
            {"guardian": INCAPABLE, "birth_date": SIXTEEN},
            Firing(find_guardian_about=G1, find_guardian_due=DUE),
        ),
        # Alone and incapable: both reports.
        (
            {"guardian": INCAPABLE, "living_arrangement": ALONE},
            Firing(
                reports=(LIVING_ALONE, INCAPABLE_CASE),
                raised=ALONE_ALERT | INCAPABLE_ALERT,
                find_guardian_about=G1,
                find_guardian_due=DUE,
            ),
        ),
        # The same guardianship never opens a second find-a-guardian task.
        (
            {
                "guardian": INCAPABLE,
                "open_case_categories": frozenset({INCAPABLE_CASE}),
                "find_guardian_subjects": frozenset({G1}),
            },
            Firing(raised=INCAPABLE_ALERT),
        ),
        # Not yet assessed: nothing.
        ({"guardian": UNASSESSED}, Firing()),
        # Ended with no successor: a new guardian to find, no report.
        ({"ended_guardian": ENDED}, Firing(find_guardian_about=G1, find_guardian_due=DUE)),
        ({"ended_guardian": ENDED, "find_guardian_subjects": frozenset({G1})}, Firing()),
        # A successor capable but not yet confirmed: nothing opens, nothing closes.
        ({"ended_guardian": ENDED, "guardian": CAPABLE}, Firing()),
        # A confirmed capable guardian: find-a-guardian tasks close.
        ({"ended_guardian": ENDED, "guardian": CONFIRMED}, Firing(close_find_guardian=True)),
        # A left-behind child without a confirmed guardian: the village confirms one, once.
        ({"left_behind": True}, Firing(raised=NO_GUARDIAN, open_village_tasks=(CONFIRM,))),
        (
            {"left_behind": True, "guardian": CAPABLE, "raised": NO_GUARDIAN},
            Firing(raised=NO_GUARDIAN),
        ),
        # Confirmed: the alert ends and its task closes.
        (
            {"left_behind": True, "guardian": CONFIRMED, "raised": NO_GUARDIAN},
            Firing(close_find_guardian=True, close_village_tasks=(TaskKind.CONFIRM_GUARDIAN,)),
        ),
        # A guardian who failed is found anew (FIND_GUARDIAN), not confirmed.
        (
            {"left_behind": True, "ended_guardian": ENDED},
            Firing(find_guardian_about=G1, find_guardian_due=DUE),
        ),
        # Not left behind: no guardian to confirm; parents' calls are not the village's task.
        ({"parents_never_contact": True}, Firing()),
        # Parents who never call a left-behind child: the village reaches them, once.
        (
            {"left_behind": True, "guardian": CONFIRMED, "parents_never_contact": True},
            Firing(raised=NO_CONTACT, open_village_tasks=(CONTACT,), close_find_guardian=True),
        ),
        (
            {"left_behind": True, "guardian": CONFIRMED, "raised": NO_CONTACT},
            Firing(close_find_guardian=True, close_village_tasks=(TaskKind.CONTACT_PARENTS,)),
        ),
    ],
)
def test_what_a_situation_calls_for(facts: dict[str, object], expected: Firing) -> None:
    assert evaluate(situation(**facts), RULES, TODAY) == expected


def test_thresholds_are_the_rules() -> None:
    rules = TaskRules(report_under_age=11, find_guardian_days=3)
    alone = situation(living_arrangement=ALONE, birth_date=date(2015, 11, 23))  # 11 today
    assert evaluate(alone, rules, TODAY) == Firing()
    incapable = evaluate(situation(guardian=INCAPABLE), rules, TODAY)
    assert incapable.find_guardian_due == date(2026, 11, 26)


def test_the_village_tasks_are_due_by_their_thresholds() -> None:
    rules = TaskRules(parents_contact_days=2, confirm_guardian_days=5)
    firing = evaluate(situation(left_behind=True, parents_never_contact=True), rules, TODAY)
    assert firing.open_village_tasks == (
        (TaskKind.CONTACT_PARENTS, date(2026, 11, 25)),
        (TaskKind.CONFIRM_GUARDIAN, date(2026, 11, 28)),
    )
