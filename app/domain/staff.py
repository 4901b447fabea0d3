"""Rules of the staff register (seed 002): who may manage whom, where each role serves, and
the training a director or supervisor needs before writing and every year after."""

from __future__ import annotations

from datetime import date

from app.domain.validation import Problem
from app.enums import AreaLevel, Role

# Roles of the civil-affairs line, lowest first: a person manages only roles below their own.
_LINE = (
    Role.VILLAGE_DIRECTOR,
    Role.TOWNSHIP_SUPERVISOR,
    Role.COUNTY_CIVIL_AFFAIRS,
    Role.CITY,
    Role.PROVINCE,
    Role.ADMIN,
)
# Partner bodies' staff rank below everyone of the line but the village: only an administrator
# may register them (authz/policy.csv), and they may register nobody.
_PARTNER_RANK = 0

# The level of area each role is appointed in; partner bodies' staff serve their
# organization's area, whatever its level.
AREA_LEVEL: dict[Role, AreaLevel] = {
    Role.VILLAGE_DIRECTOR: AreaLevel.VILLAGE,
    Role.TOWNSHIP_SUPERVISOR: AreaLevel.TOWNSHIP,
    Role.COUNTY_CIVIL_AFFAIRS: AreaLevel.COUNTY,
    Role.CITY: AreaLevel.CITY,
    Role.PROVINCE: AreaLevel.PROVINCE,
}

# Seed 002: directors and supervisors start work after passing training, and are trained at
# least once a year.
TRAINED_ROLES = frozenset({Role.VILLAGE_DIRECTOR, Role.TOWNSHIP_SUPERVISOR})
# Days before a refresher falls due when the county is given its training task.
REFRESHER_NOTICE_DAYS = 30


def rank(role: Role) -> int:
    """The role's place in the line (higher manages lower)."""
    return _LINE.index(role) + 1 if role in _LINE else _PARTNER_RANK


def outranks(manager: Role, role: Role) -> bool:
    """Whether someone holding `manager` may give or take `role`: only a role below theirs.

    Independent of the policy, so that no rule table could let a county make an administrator.
    """
    return role is not Role.ADMIN and rank(role) < rank(manager)


def area_level_problem(role: Role, level: AreaLevel, field: str) -> Problem | None:
    """A problem when `role` is not held at this level of area (a director in a village)."""
    wanted = AREA_LEVEL.get(role)
    if wanted is None or wanted is level:
        return None
    return Problem(
        "INVALID_AREA", field, "a {role} is appointed in a {level}", {"role": role, "level": wanted}
    )


def needs_training(role: Role, trained_on: date | None) -> bool:
    """Whether a person of `role` must pass a training before writing: a director or
    supervisor with no passed training on record."""
    return role in TRAINED_ROLES and trained_on is None


def refresher_due(role: Role, trained_on: date | None) -> date | None:
    """When the yearly refresher falls due (a year after the last passed training); None for
    roles without one, and for a person never trained (who needs training now)."""
    if role not in TRAINED_ROLES or trained_on is None:
        return None
    try:
        return trained_on.replace(year=trained_on.year + 1)
    except ValueError:  # 29 February
        return date(trained_on.year + 1, 3, 1)


def training_owed(role: Role, trained_on: date | None, today: date) -> bool:
    """Whether the county owes this person a training now: never trained, or the refresher
    due within REFRESHER_NOTICE_DAYS (or past)."""
    if role not in TRAINED_ROLES:
        return False
    due = refresher_due(role, trained_on)
    return due is None or (due - today).days <= REFRESHER_NOTICE_DAYS
