"""Which categories a child belongs to: left-behind, the kinds of difficulty, orphan,
de-facto unsupported."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from app.domain.facts import ChildFacts
from app.enums import ChildCategory, LivingArrangement, ParentStatus

AWAY: frozenset[ParentStatus] = frozenset({ParentStatus.WORKING_AWAY})
UNABLE: frozenset[ParentStatus] = frozenset(
    {
        ParentStatus.DECEASED,
        ParentStatus.INCAPACITATED,
        ParentStatus.IMPRISONED,
        ParentStatus.MISSING,
    }
)

# A parent who cannot raise the child while alive (民发〔2019〕62号): seriously disabled or ill
# (INCAPACITATED), serving a sentence or in compulsory drug rehabilitation (IMPRISONED), out
# of contact (MISSING, 失联).
CANNOT_RAISE: frozenset[ParentStatus] = frozenset(
    {ParentStatus.INCAPACITATED, ParentStatus.IMPRISONED, ParentStatus.MISSING}
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


def _both_parents(parent_statuses: Sequence[ParentStatus]) -> list[ParentStatus]:
    """The statuses with a parent not on file counted as UNKNOWN (at least two entries)."""
    statuses = list(parent_statuses)
    return statuses + [ParentStatus.UNKNOWN] * (2 - len(statuses))


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
    statuses = _both_parents(parent_statuses)
    return any(s in AWAY for s in statuses) and all(s in AWAY or s in UNABLE for s in statuses)


def is_orphan(parent_statuses: Sequence[ParentStatus]) -> bool:
    """Return whether the parents' statuses make the child an orphan (孤儿): both parents dead.

    A parent a court declared dead is recorded DECEASED. A parent merely out of contact
    (MISSING, 失联) does not make an orphan; with a parent not on file (UNKNOWN) the
    statuses cannot tell, so staff record such a child with the `scatteredOrphan` flag.
    """
    return all(s is ParentStatus.DECEASED for s in _both_parents(parent_statuses))


def is_de_facto_unsupported(parent_statuses: Sequence[ParentStatus]) -> bool:
    """Return whether the child is de-facto unsupported (事实无人抚养儿童, 民发〔2019〕62号).

    Both parents cannot raise the child (CANNOT_RAISE: seriously disabled or ill, serving a
    sentence or in compulsory drug rehabilitation, out of contact), or one is dead and the
    other cannot. Both dead is an orphan instead (child_categories also leaves out a child
    staff recorded as an orphan); a parent at home, away working or not on file (UNKNOWN)
    rules it out. Every entry on file is taken into account.
    """
    statuses = _both_parents(parent_statuses)
    return all(s is ParentStatus.DECEASED or s in CANNOT_RAISE for s in statuses) and any(
        s in CANNOT_RAISE for s in statuses
    )


def needs_entrusted_guardian(facts: ChildFacts, on: date) -> bool:
    """Return whether no parent can look after the child, so a guardian must be entrusted
    (seeds 001, 004): a left-behind child, or an orphan or de-facto unsupported child who
    does not live in an institution (the institution looks after them then)."""
    if is_left_behind(facts.parent_statuses, facts.birth_date, on):
        return True
    without_parents = (
        facts.scattered_orphan
        or is_orphan(facts.parent_statuses)
        or is_de_facto_unsupported(facts.parent_statuses)
    )
    return without_parents and facts.living_arrangement is not LivingArrangement.INSTITUTION


def child_categories(facts: ChildFacts, on: date) -> list[ChildCategory]:
    """Return the child's categories on `on`, in ChildCategory declaration order.

    An orphan, by the parents' statuses or as staff recorded (`scattered_orphan`), is a
    scattered orphan (散居孤儿, seed 002) unless living in an institution, and never
    de-facto unsupported. Children aged 18 or more leave the system and get none.
    """
    if age_on(facts.birth_date, on) >= ADULT_AGE:
        return []
    orphan = facts.scattered_orphan or is_orphan(facts.parent_statuses)
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
        ChildCategory.SCATTERED_ORPHAN: (
            orphan and facts.living_arrangement is not LivingArrangement.INSTITUTION
        ),
        ChildCategory.DE_FACTO_UNSUPPORTED: (
            not orphan and is_de_facto_unsupported(facts.parent_statuses)
        ),
    }
    return [category for category in ChildCategory if applies[category]]
