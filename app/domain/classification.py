"""Which categories a child belongs to: left-behind, the kinds of difficulty, orphan."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.domain.facts import ChildFacts
from app.enums import ChildCategory, ParentStatus

AWAY: frozenset[ParentStatus] = frozenset({ParentStatus.WORKING_AWAY})
UNABLE: frozenset[ParentStatus] = frozenset(
    {
        ParentStatus.DECEASED,
        ParentStatus.INCAPACITATED,
        ParentStatus.IMPRISONED,
        ParentStatus.MISSING,
    }
)

LEFT_BEHIND_AGE_LIMIT = 16
ADULT_AGE = 18


def age_on(birth_date: date, on: date) -> int:
    """Return the completed years of age on `on`.

    A 29 February birthday is reached on 1 March in non-leap years. Raises ValueError if
    `on` is before `birth_date`.
    """
    if on < birth_date:
        raise ValueError(f"{on} is before the birth date {birth_date}")
    # Comparing (month, day) tuples makes Feb 29 > Feb 28, hence Mar 1 in common years.
    not_yet = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(not_yet)


def is_left_behind(parent_statuses: Sequence[ParentStatus], birth_date: date, on: date) -> bool:
    """Return whether a child is a left-behind child (农村留守儿童) on `on`.

    The national definition quoted in seeds 001 and 004: a minor under sixteen whose
    parents both work away from home, or one works away and the other has no capacity to
    act as guardian (父母双方外出务工或一方外出务工另一方无监护能力、不满十六周岁).

    So the child must be under 16 and every parent must be away (WORKING_AWAY) or unable
    (DECEASED, INCAPACITATED, IMPRISONED, MISSING), with at least one away. Parents not on
    file count as UNKNOWN, so with fewer than two entries the child is not left-behind;
    more than two entries are all taken into account.
    """
    if age_on(birth_date, on) >= LEFT_BEHIND_AGE_LIMIT:
        return False
    statuses = list(parent_statuses)
    statuses += [ParentStatus.UNKNOWN] * (2 - len(statuses))
    return any(s in AWAY for s in statuses) and all(s in AWAY or s in UNABLE for s in statuses)


def child_categories(facts: ChildFacts, on: date) -> list[ChildCategory]:
    """Return the child's categories on `on`, in ChildCategory declaration order.

    Children aged 18 or more leave the system and get none.
    """
    if age_on(facts.birth_date, on) >= ADULT_AGE:
        return []
    applies = {
        ChildCategory.LEFT_BEHIND: is_left_behind(facts.parent_statuses, facts.birth_date, on),
        ChildCategory.DIFFICULTY_ECONOMIC: (
            facts.household_minimum_allowance
            or facts.household_extreme_poverty
            or facts.household_registered_poverty
        ),
        ChildCategory.DIFFICULTY_DISABILITY: facts.disability,
        ChildCategory.DIFFICULTY_ILLNESS: facts.serious_illness,
        ChildCategory.DIFFICULTY_SAFETY: facts.safety_risk,
        ChildCategory.SCATTERED_ORPHAN: facts.scattered_orphan,
    }
    return [category for category in ChildCategory if applies[category]]
