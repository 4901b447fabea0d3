"""Who reads which area's statistics, from which level, with small counts hidden or not."""

from __future__ import annotations

from app.domain.measures import OPERATIONAL
from app.enums import Role
from authz.patterns import AreaPattern
from authz.scope import Principal, Scope
from authz.statistics import ancestry, statistics_access


def _scope(role: Role, area: str, *patterns: str) -> Scope:
    return Scope(
        principal=Principal(label="test", role=role, area_code=area),
        permissions={("statistics", "read"): tuple(AreaPattern.parse(p) for p in patterns)},
    )


def test_ancestry_lists_the_areas_above_province_first() -> None:
    assert ancestry("420702100201") == ("42", "4207", "420702", "420702100", "420702100201")
    assert ancestry("42") == ("42",)


def test_the_chain_starts_at_the_callers_own_level() -> None:
    county = _scope(Role.COUNTY_CIVIL_AFFAIRS, "420702", "420702*")
    access = statistics_access(county, "420702100")
    assert access is not None
    assert access.chain == ("420702", "420702100") and access.suppress
    # A further grant higher up makes the caller's level the higher one.
    wider = _scope(Role.COUNTY_CIVIL_AFFAIRS, "420702", "420702*", "4207*")
    assert statistics_access(wider, "420702100") == statistics_access(
        _scope(Role.CITY, "4207", "4207*"), "420702100"
    )


def test_townships_see_their_own_area_unsuppressed_only() -> None:
    township = _scope(Role.TOWNSHIP_SUPERVISOR, "420702100", "420702100*", "420703*")
    own = statistics_access(township, "420702100201")
    assert own is not None and not own.suppress
    granted = statistics_access(township, "420703")
    assert granted is not None and granted.suppress


def test_no_pattern_or_no_area_code_is_no_access() -> None:
    county = _scope(Role.COUNTY_CIVIL_AFFAIRS, "420702", "420702*")
    for area in ("420703", "4207", "42070", "4207021001", "42070210020a", ""):
        assert statistics_access(county, area) is None, area
    assert statistics_access(_scope(Role.NGO, "420702"), "420702") is None


def test_a_county_sees_its_townships_operational_counts_in_full_on_screen_only() -> None:
    county = _scope(Role.COUNTY_CIVIL_AFFAIRS, "420702", "420702*")
    operational = frozenset(m.name for m in OPERATIONAL)
    for area, published in (
        ("420702", (operational,)),
        ("420702100", (operational, frozenset())),
        ("420702100201", (operational, frozenset(), frozenset())),
    ):
        access = statistics_access(county, area, on_screen=True)
        assert access is not None and access.suppress and access.published == published, area
        exported = statistics_access(county, area)
        assert exported is not None and exported.published == (), area
    city = _scope(Role.CITY, "4207", "4207*")
    for area in ("4207", "420702", "420702100"):
        access = statistics_access(city, area, on_screen=True)
        assert access is not None and access.published == (), area
    # A county reading from a wider grant reads as that level does: nothing in full.
    wider = _scope(Role.COUNTY_CIVIL_AFFAIRS, "420702", "420702*", "4207*")
    assert statistics_access(wider, "420702100", on_screen=True) == statistics_access(
        city, "420702100", on_screen=True
    )
