"""Small-cell protection: no hidden count can be worked out from what is published."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.domain.suppression import AreaTable, Hidden, is_small, protect_chain, protect_group

# An attacker's guesses for an unknown count range over 0..cap, where cap is at least CAP and
# at least the largest true count: a value that is unique within this range may still not be
# unique over all counts, so the check is if anything stricter.
CAP = 9
Cell = tuple[str, str]  # (table, row code or "total")
Equation = tuple[Cell, tuple[Cell, ...]]  # total = sum of rows


def test_small_counts_and_one_complementary_cell() -> None:
    total_hidden, hidden = protect_group(
        30, {"a": 3, "b": 0, "c": 12, "d": 15}, total_hidden=False, primary=True
    )
    # 3 is small; 12 is the smallest non-zero published row, so it hides 3 as well.
    assert (total_hidden, hidden) == (False, frozenset({"a", "c"}))


def test_zero_rows_are_hidden_only_when_nothing_else_is_left() -> None:
    assert protect_group(3, {"a": 3, "b": 0}, total_hidden=False, primary=True) == (
        False,
        frozenset({"a", "b"}),
    )


def test_a_single_row_hides_the_total() -> None:
    assert protect_group(2, {"a": 2}, total_hidden=False, primary=True) == (True, frozenset({"a"}))


def test_a_hidden_total_hides_a_row_too() -> None:
    # The parent's table hid this area: its rows must not all be published, or they add up.
    assert protect_group(40, {"a": 10, "b": 30}, total_hidden=True, primary=True) == (
        True,
        frozenset({"a"}),
    )


def test_township_level_sees_everything() -> None:
    assert protect_group(3, {"a": 1, "b": 2}, total_hidden=False, primary=False) == (
        False,
        frozenset(),
    )


def test_chain_carries_the_parent_decision_to_the_total() -> None:
    county = AreaTable("c", {"n": 17}, {"t1": {"n": 3}, "t2": {"n": 6}, "t3": {"n": 8}})
    township = AreaTable("t2", {"n": 6}, {"v1": {"n": 6}, "v2": {"n": 0}})
    top, below = protect_chain([county, township], ["n"], primary=True)
    assert top.total == frozenset()
    assert top.rows["t1"] == {"n"} and top.rows["t2"] == {"n"}
    # t2 is hidden in the county's table, so it is hidden here, and so is one of its rows.
    assert below.total == {"n"}
    assert below.rows["v1"] == {"n"} or below.rows["v2"] == {"n"}


def _solutions(
    equations: list[Equation],
    known: Mapping[Cell, int],
    unknown: list[Cell],
    fixed: Cell,
    v: int,
    cap: int,
) -> bool:
    """Whether some non-negative assignment (≤ cap) of the unknowns with `fixed` = v
    satisfies every equation."""
    values: dict[Cell, int] = {**known, fixed: v}
    free = [c for c in unknown if c != fixed]

    def consistent(final: bool) -> bool:
        for total, rows in equations:
            cells = (total, *rows)
            if all(c in values for c in cells):
                if values[total] != sum(values[r] for r in rows):
                    return False
            elif (
                not final
                and total in values
                and sum(values[r] for r in rows if r in values) > values[total]
            ):
                return False
        return True

    def search(index: int) -> bool:
        if not consistent(final=index == len(free)):
            return False
        if index == len(free):
            return True
        for guess in range(cap + 1):
            values[free[index]] = guess
            if search(index + 1):
                return True
        del values[free[index]]
        return False

    return search(0)


def _check(
    tables: list[AreaTable],
    hidden: list[Hidden],
    *,
    primary: bool,
    published: Sequence[frozenset[str]] = (),
) -> None:
    """Every hidden cell has two or more values consistent with the published ones, and no
    small count below the caller's level is published but in the tables that publish it."""
    equations: list[Equation] = []
    truth: dict[Cell, int] = {}
    secret: set[Cell] = set()
    for index, (table, hid) in enumerate(zip(tables, hidden, strict=True)):
        # A table's total is the row of its parent's table: one cell, named by the parent.
        total: Cell = (tables[index - 1].code, table.code) if index else (table.code, "total")
        truth[total] = table.total["n"]
        if "n" in hid.total:
            secret.add(total)
        rows = []
        for code, row in table.rows.items():
            cell = (table.code, code)
            rows.append(cell)
            truth[cell] = row["n"]
            if "n" in hid.rows[code]:
                secret.add(cell)
            elif primary and not (index < len(published) and "n" in published[index]):
                # A lone row under a total its parent publishes is no secret: it is the total.
                lone = index > 0 and len(table.rows) == 1 and "n" not in hid.total
                assert lone or not is_small(row["n"]), (table.code, code)
        if index:
            parent_hidden = "n" in hidden[index - 1].rows[table.code]
            assert ("n" in hid.total) == parent_hidden
        equations.append((total, tuple(rows)))
    known = {cell: value for cell, value in truth.items() if cell not in secret}
    cap = max(CAP, *truth.values())
    for cell in secret:
        possible = [
            v for v in range(cap + 1) if _solutions(equations, known, sorted(secret), cell, v, cap)
        ]
        assert len(possible) >= 2, (cell, truth[cell], possible)


rows_strategy = st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(counts=rows_strategy, primary=st.booleans())
def test_no_hidden_cell_of_a_table_can_be_worked_out(counts: list[int], primary: bool) -> None:
    rows = {f"r{i}": {"n": n} for i, n in enumerate(counts)}
    table = AreaTable("top", {"n": sum(counts)}, rows)
    _check([table], protect_chain([table], ["n"], primary=primary), primary=primary)


@settings(max_examples=200, deadline=None)
@given(
    siblings=st.lists(st.integers(min_value=0, max_value=7), min_size=0, max_size=2),
    below=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=3),
)
# A hidden count above CAP once made the attacker's range miss the truth.
@example(siblings=[1], below=[1, 5, 5])
def test_no_hidden_cell_of_two_linked_tables_can_be_worked_out(
    siblings: list[int], below: list[int]
) -> None:
    child = AreaTable("a", {"n": sum(below)}, {f"v{i}": {"n": n} for i, n in enumerate(below)})
    rows = {"a": {"n": sum(below)}, **{f"s{i}": {"n": n} for i, n in enumerate(siblings)}}
    parent = AreaTable("p", {"n": sum(sum(r.values()) for r in rows.values())}, rows)
    chain = [parent, child]
    _check(chain, protect_chain(chain, ["n"], primary=True), primary=True)


@settings(max_examples=200, deadline=None)
@given(
    siblings=st.lists(st.integers(min_value=0, max_value=7), min_size=0, max_size=2),
    below=st.lists(st.integers(min_value=0, max_value=5), min_size=1, max_size=3),
)
@example(siblings=[1], below=[1, 5, 5])
def test_a_supervised_table_in_full_leaves_no_hidden_cell_below_it_worked_out(
    siblings: list[int], below: list[int]
) -> None:
    # A county publishes its townships' rows in full; the villages below stay protected.
    child = AreaTable("a", {"n": sum(below)}, {f"v{i}": {"n": n} for i, n in enumerate(below)})
    rows = {"a": {"n": sum(below)}, **{f"s{i}": {"n": n} for i, n in enumerate(siblings)}}
    parent = AreaTable("p", {"n": sum(sum(r.values()) for r in rows.values())}, rows)
    chain, published = [parent, child], [frozenset({"n"}), frozenset()]
    hidden = protect_chain(chain, ["n"], primary=True, published=published)
    assert all(not row for row in hidden[0].rows.values()) and not hidden[1].total
    _check(chain, hidden, primary=True, published=published)


def test_a_measure_published_in_full_leaves_the_others_protected() -> None:
    table = AreaTable("c", {"n": 9, "m": 9}, {"t1": {"n": 2, "m": 2}, "t2": {"n": 7, "m": 7}})
    (only,) = protect_chain([table], ["n", "m"], primary=True, published=[frozenset({"n"})])
    assert only.rows == {"t1": {"m"}, "t2": {"m"}} and only.total == frozenset()
