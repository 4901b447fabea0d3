"""Everything derived about a child, in one place, from its facts and its visits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.domain.classification import child_categories
from app.domain.facts import ChildFacts
from app.domain.key_child import key_child_reasons
from app.domain.schedule import next_visit_due
from app.enums import ChildCategory, GuardianCapacity, KeyChildReason


@dataclass(frozen=True)
class Derived:
    """The derived facts stored on a child row."""

    categories: tuple[ChildCategory, ...]
    key_reasons: tuple[KeyChildReason, ...]
    has_confirmed_guardian: bool
    next_visit_due: date

    @property
    def is_key_child(self) -> bool:
        """A key child (重点儿童) has at least one reason."""
        return bool(self.key_reasons)


def derive(
    facts: ChildFacts,
    *,
    last_visit: date | None,
    last_risk_assessment: date | None,
    today: date,
) -> Derived:
    """Categories, key-child reasons, guardianship and the next visit due, as of `today`."""
    reasons = tuple(key_child_reasons(facts, today))
    return Derived(
        categories=tuple(child_categories(facts, today)),
        key_reasons=reasons,
        has_confirmed_guardian=(
            facts.has_active_guardian
            and facts.guardianship_confirmed
            and facts.guardian_capacity is GuardianCapacity.CAPABLE
        ),
        next_visit_due=next_visit_due(last_visit, last_risk_assessment, bool(reasons), today).due,
    )
