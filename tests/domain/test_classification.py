"""Ages, the left-behind definition and the categories of a child."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from app.domain.classification import AWAY, UNABLE, age_on, child_categories, is_left_behind
from app.domain.facts import ChildFacts
from app.enums import ChildCategory, ParentStatus

S = ParentStatus
ON = date(2026, 6, 1)
BORN = date(2016, 6, 1)  # 10 years old on ON


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(2010, 6, 1), date(2026, 5, 31), 15),
        (date(2010, 6, 1), date(2026, 6, 1), 16),
        (date(2010, 6, 1), date(2010, 6, 1), 0),
        (date(2010, 2, 28), date(2026, 2, 28), 16),
        (date(2008, 2, 29), date(2024, 2, 28), 15),
        (date(2008, 2, 29), date(2024, 2, 29), 16),
        (date(2008, 2, 29), date(2025, 2, 28), 16),
        (date(2008, 2, 29), date(2025, 3, 1), 17),
        (date(2010, 12, 31), date(2011, 1, 1), 0),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_on_rejects_date_before_birth() -> None:
    with pytest.raises(ValueError):
        age_on(date(2020, 1, 2), date(2020, 1, 1))


def test_parent_status_groups() -> None:
    assert {S.WORKING_AWAY} == AWAY
    assert {S.DECEASED, S.INCAPACITATED, S.IMPRISONED, S.MISSING} == UNABLE


def _expected_pair(a: ParentStatus, b: ParentStatus) -> bool:
    # Spelled out independently of the implementation: both away, or one away + one unable.
    both_away = a is S.WORKING_AWAY and b is S.WORKING_AWAY
    unable = {S.DECEASED, S.INCAPACITATED, S.IMPRISONED, S.MISSING}
    one_away_other_unable = (a is S.WORKING_AWAY and b in unable) or (
        b is S.WORKING_AWAY and a in unable
    )
    return both_away or one_away_other_unable


@pytest.mark.parametrize(("a", "b"), list(product(ParentStatus, repeat=2)))
def test_left_behind_truth_table(a: ParentStatus, b: ParentStatus) -> None:
    assert is_left_behind((a, b), BORN, ON) is _expected_pair(a, b)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        ((S.WORKING_AWAY, S.WORKING_AWAY), True),
        ((S.WORKING_AWAY, S.DECEASED), True),
        ((S.IMPRISONED, S.WORKING_AWAY), True),
        ((S.WORKING_AWAY, S.AT_HOME), False),
        ((S.WORKING_AWAY, S.UNKNOWN), False),
        ((S.DECEASED, S.DECEASED), False),
        ((S.WORKING_AWAY,), False),
        ((), False),
        ((S.WORKING_AWAY, S.WORKING_AWAY, S.DECEASED), True),
        ((S.WORKING_AWAY, S.MISSING, S.INCAPACITATED), True),
        ((S.WORKING_AWAY, S.WORKING_AWAY, S.AT_HOME), False),
        ((S.DECEASED, S.MISSING, S.IMPRISONED), False),
    ],
)
def test_left_behind_examples(statuses: tuple[ParentStatus, ...], expected: bool) -> None:
    assert is_left_behind(statuses, BORN, ON) is expected


def test_left_behind_stops_on_16th_birthday() -> None:
    away = (S.WORKING_AWAY, S.WORKING_AWAY)
    birth = date(2010, 6, 1)
    assert is_left_behind(away, birth, date(2026, 5, 31))
    assert not is_left_behind(away, birth, date(2026, 6, 1))


def test_left_behind_feb_29_birthday() -> None:
    away = (S.WORKING_AWAY, S.WORKING_AWAY)
    # A 16th birthday after a 29 February birth usually falls in a leap year ...
    birth = date(2008, 2, 29)
    assert is_left_behind(away, birth, date(2024, 2, 28))
    assert not is_left_behind(away, birth, date(2024, 2, 29))
    # ... but 2100 is a common year: 16 is reached on 1 March.
    birth = date(2084, 2, 29)
    assert is_left_behind(away, birth, date(2100, 2, 28))
    assert not is_left_behind(away, birth, date(2100, 3, 1))


def test_ordinary_child_has_no_category() -> None:
    assert child_categories(ChildFacts(birth_date=BORN), ON) == []


def test_all_categories_in_declaration_order() -> None:
    facts = ChildFacts(
        birth_date=BORN,
        parent_statuses=(S.DECEASED, S.WORKING_AWAY),
        household_registered_poverty=True,
        disability=True,
        serious_illness=True,
        safety_risk=True,
        scattered_orphan=True,
    )
    assert child_categories(facts, ON) == list(ChildCategory)


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        (
            ChildFacts(birth_date=BORN, parent_statuses=(S.WORKING_AWAY, S.WORKING_AWAY)),
            [ChildCategory.LEFT_BEHIND],
        ),
        (
            ChildFacts(birth_date=BORN, household_minimum_allowance=True),
            [ChildCategory.DIFFICULTY_ECONOMIC],
        ),
        (
            ChildFacts(birth_date=BORN, household_extreme_poverty=True),
            [ChildCategory.DIFFICULTY_ECONOMIC],
        ),
        (
            ChildFacts(birth_date=BORN, safety_risk=True, disability=True),
            [ChildCategory.DIFFICULTY_DISABILITY, ChildCategory.DIFFICULTY_SAFETY],
        ),
        (
            ChildFacts(birth_date=BORN, serious_illness=True, scattered_orphan=True),
            [ChildCategory.DIFFICULTY_ILLNESS, ChildCategory.SCATTERED_ORPHAN],
        ),
    ],
)
def test_categories(facts: ChildFacts, expected: list[ChildCategory]) -> None:
    assert child_categories(facts, ON) == expected


def test_16_and_17_year_olds_keep_difficulty_but_not_left_behind() -> None:
    facts = ChildFacts(
        birth_date=date(2009, 6, 1),
        parent_statuses=(S.WORKING_AWAY, S.WORKING_AWAY),
        disability=True,
    )
    assert child_categories(facts, date(2025, 5, 31)) == [
        ChildCategory.LEFT_BEHIND,
        ChildCategory.DIFFICULTY_DISABILITY,
    ]
    assert child_categories(facts, date(2025, 6, 1)) == [ChildCategory.DIFFICULTY_DISABILITY]
    assert child_categories(facts, date(2027, 5, 31)) == [ChildCategory.DIFFICULTY_DISABILITY]


def test_adults_have_no_categories() -> None:
    facts = ChildFacts(birth_date=date(2008, 6, 1), disability=True, scattered_orphan=True)
    assert child_categories(facts, date(2026, 6, 1)) == []
