"""Ages, the left-behind definition and the categories of a child."""

from __future__ import annotations

from datetime import date
from itertools import product

import pytest

from app.domain.classification import (
    AWAY,
    CANNOT_RAISE,
    UNABLE,
    age_on,
    child_categories,
    is_de_facto_unsupported,
    is_left_behind,
    is_orphan,
    needs_entrusted_guardian,
)
from app.domain.facts import ChildFacts
from app.enums import ChildCategory, LivingArrangement, ParentStatus

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
    # An orphan is never de-facto unsupported too: every other category at once.
    assert child_categories(facts, ON) == [
        c for c in ChildCategory if c is not ChildCategory.DE_FACTO_UNSUPPORTED
    ]
    unsupported = ChildFacts(
        birth_date=BORN,
        parent_statuses=(S.DECEASED, S.IMPRISONED),
        household_minimum_allowance=True,
        disability=True,
        serious_illness=True,
        safety_risk=True,
    )
    assert child_categories(unsupported, ON) == [
        c
        for c in ChildCategory
        if c not in (ChildCategory.LEFT_BEHIND, ChildCategory.SCATTERED_ORPHAN)
    ]


def test_cannot_raise_group() -> None:
    assert {S.INCAPACITATED, S.IMPRISONED, S.MISSING} == CANNOT_RAISE


def _expected_orphan(a: ParentStatus, b: ParentStatus) -> bool:
    return a is S.DECEASED and b is S.DECEASED


def _expected_unsupported(a: ParentStatus, b: ParentStatus) -> bool:
    # 民发〔2019〕62号, spelled out: both parents seriously disabled or ill, imprisoned or in
    # drug rehabilitation, or out of contact; or one dead and the other so.
    cannot = {S.INCAPACITATED, S.IMPRISONED, S.MISSING}
    both_cannot = a in cannot and b in cannot
    one_dead = (a is S.DECEASED and b in cannot) or (b is S.DECEASED and a in cannot)
    return both_cannot or one_dead


@pytest.mark.parametrize(("a", "b"), list(product(ParentStatus, repeat=2)))
def test_orphan_and_de_facto_unsupported_truth_table(a: ParentStatus, b: ParentStatus) -> None:
    assert is_orphan((a, b)) is _expected_orphan(a, b)
    assert is_de_facto_unsupported((a, b)) is _expected_unsupported(a, b)
    categories = child_categories(ChildFacts(birth_date=BORN, parent_statuses=(a, b)), ON)
    assert (ChildCategory.SCATTERED_ORPHAN in categories) is _expected_orphan(a, b)
    assert (ChildCategory.DE_FACTO_UNSUPPORTED in categories) is _expected_unsupported(a, b)
    # The three situations without a parent to care exclude each other.
    assert len({ChildCategory.LEFT_BEHIND, ChildCategory.SCATTERED_ORPHAN,
                ChildCategory.DE_FACTO_UNSUPPORTED} & set(categories)) <= 1  # fmt: skip


@pytest.mark.parametrize(
    ("statuses", "orphan", "unsupported"),
    [
        ((S.DECEASED,), False, False),  # the other parent is not on file
        ((S.IMPRISONED,), False, False),
        ((), False, False),
        ((S.DECEASED, S.DECEASED, S.DECEASED), True, False),
        ((S.IMPRISONED, S.MISSING, S.DECEASED), False, True),
        ((S.IMPRISONED, S.MISSING, S.AT_HOME), False, False),
        ((S.DECEASED, S.DECEASED, S.INCAPACITATED), False, True),
        ((S.MISSING, S.UNKNOWN), False, False),
    ],
)
def test_orphan_and_de_facto_unsupported_examples(
    statuses: tuple[ParentStatus, ...], orphan: bool, unsupported: bool
) -> None:
    assert is_orphan(statuses) is orphan
    assert is_de_facto_unsupported(statuses) is unsupported


def test_scattered_orphan_lives_outside_institutions() -> None:
    dead = (S.DECEASED, S.DECEASED)
    at_home = ChildFacts(birth_date=BORN, parent_statuses=dead,
                         living_arrangement=LivingArrangement.WITH_GRANDPARENTS)  # fmt: skip
    assert child_categories(at_home, ON) == [ChildCategory.SCATTERED_ORPHAN]
    placed = ChildFacts(birth_date=BORN, parent_statuses=dead,
                        living_arrangement=LivingArrangement.INSTITUTION)  # fmt: skip
    assert child_categories(placed, ON) == []
    # Staff record an orphan whose parents are not on file.
    recorded = ChildFacts(birth_date=BORN, parent_statuses=(S.UNKNOWN, S.UNKNOWN),
                          scattered_orphan=True)  # fmt: skip
    assert child_categories(recorded, ON) == [ChildCategory.SCATTERED_ORPHAN]
    # A recorded orphan is not de-facto unsupported, whatever the statuses say.
    recorded_missing = ChildFacts(birth_date=BORN, parent_statuses=(S.DECEASED, S.MISSING),
                                  scattered_orphan=True)  # fmt: skip
    assert child_categories(recorded_missing, ON) == [ChildCategory.SCATTERED_ORPHAN]


def test_de_facto_unsupported_until_18() -> None:
    facts = ChildFacts(birth_date=date(2009, 6, 1), parent_statuses=(S.IMPRISONED, S.MISSING))
    assert child_categories(facts, date(2027, 5, 31)) == [ChildCategory.DE_FACTO_UNSUPPORTED]
    assert child_categories(facts, date(2027, 6, 1)) == []


@pytest.mark.parametrize(
    ("facts", "needed"),
    [
        (ChildFacts(birth_date=BORN), False),
        (ChildFacts(birth_date=BORN, parent_statuses=(S.WORKING_AWAY, S.WORKING_AWAY)), True),
        (ChildFacts(birth_date=BORN, parent_statuses=(S.DECEASED, S.DECEASED)), True),
        (ChildFacts(birth_date=BORN, parent_statuses=(S.IMPRISONED, S.INCAPACITATED)), True),
        (ChildFacts(birth_date=BORN, parent_statuses=(S.UNKNOWN,), scattered_orphan=True), True),
        (
            ChildFacts(
                birth_date=BORN,
                parent_statuses=(S.DECEASED, S.DECEASED),
                living_arrangement=LivingArrangement.INSTITUTION,
            ),
            False,
        ),
        (ChildFacts(birth_date=BORN, parent_statuses=(S.IMPRISONED, S.AT_HOME)), False),
    ],
)
def test_needs_entrusted_guardian(facts: ChildFacts, needed: bool) -> None:
    assert needs_entrusted_guardian(facts, ON) is needed


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
