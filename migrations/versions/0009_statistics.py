"""Area statistics: a rollup per village (and township) and quarter, refreshed by the writes.

`shouhu_refresh_statistics(villages, today)` recomputes the current quarter's rows of the
given villages (all villages with data when NULL) from the child files, and their townships'
rows from the villages'. It is SECURITY
DEFINER, owned by the tables' owner, so the caller's row-level security does not distort
the counts; it returns nothing but a row count, and the service may only read the rollup.
Writers in the same township take turns (an advisory lock per township), so each refresh
counts what the one before it committed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "shouhu_app"
# Villages, and townships as the sums of their villages (a province adds up townships).
ROLLUPS = ("area_quarter_statistics", "township_quarter_statistics")
IN_SCOPE = "area_code LIKE ANY ((SELECT shouhu_scope())::text[])"
CATEGORIES = (
    "left_behind",
    "difficulty_economic",
    "difficulty_disability",
    "difficulty_illness",
    "difficulty_safety",
    "scattered_orphan",
)
OPEN_STAGES = ("reported", "emergency_response", "assessment", "assistance", "intervention",
               "follow_up")  # fmt: skip
SOURCES = ("school", "kindergarten", "clinic", "village", "ngo", "police", "public", "hotline")
CHILD_MEASURES = {
    "children": "true",
    **{c: f"'{c}' = ANY(c.categories)" for c in CATEGORIES},
    "key_children": "c.is_key_child",
    "living_alone": "c.living_arrangement = 'alone'",
    "without_guardian": "'left_behind' = ANY(c.categories) AND NOT c.has_confirmed_guardian",
    # The last visit is a derived fact on the child, kept by every visit written.
    "visited": "c.last_visit_at >= q_start",
    "visits_overdue": "c.next_visit_due < p_today",
}
CASE_MEASURES = {
    **{f"cases_{s}": f"stage = '{s}'" for s in OPEN_STAGES},
    "cases_overdue": "stage <> 'closed' AND due_at < now()",
    "dropout_cases": "stage <> 'closed' AND category = 'dropout'",
    **{
        f"reports_{s}": f"source = '{s}' AND reported_at >= q_start AND reported_at < q_end"
        for s in SOURCES
    },
}
MEASURES = (*CHILD_MEASURES, *CASE_MEASURES, "absence_days")


def _counts(measures: dict[str, str]) -> str:
    return ", ".join(f"count(*) FILTER (WHERE {condition}) AS {name}" for name, condition in
                     measures.items())  # fmt: skip


def _upsert(villages: str, areas: str) -> str:
    """The statement recomputing the current quarter: `villages` (a condition on a
    `{column}`) selects the rows counted, `areas` (on `a.code`) the villages written."""
    return f"""
    INSERT INTO area_quarter_statistics AS s (area_code, quarter, computed_at,
        {", ".join(MEASURES)})
    SELECT a.code, q_start, now(), {", ".join(f"coalesce({m}, 0)" for m in MEASURES)}
    FROM areas a
    LEFT JOIN (
        SELECT c.area_code, {_counts(CHILD_MEASURES)}
        FROM children c
        WHERE {villages.format(column="c.area_code")} AND c.deleted_at IS NULL
          AND c.status = 'active'
        GROUP BY c.area_code
    ) ch ON ch.area_code = a.code
    LEFT JOIN (
        SELECT area_code, {_counts(CASE_MEASURES)}
        FROM cases
        WHERE {villages.format(column="area_code")} AND deleted_at IS NULL
          AND (stage <> 'closed' OR reported_at >= q_start)
        GROUP BY area_code
    ) ca ON ca.area_code = a.code
    LEFT JOIN (
        SELECT area_code, count(*) AS absence_days
        FROM absence_records
        WHERE {villages.format(column="area_code")} AND NOT excused
          AND absent_on >= q_start AND absent_on < q_end
        GROUP BY area_code
    ) ab ON ab.area_code = a.code
    WHERE {areas} AND a.level = 'village'
    ON CONFLICT (area_code, quarter) DO UPDATE SET computed_at = excluded.computed_at,
        {", ".join(f"{m} = excluded.{m}" for m in MEASURES)};
    """


def _townships(sums: str, townships: str) -> str:
    """The statement summing the townships' villages: `sums` selects the village rows, a
    join of `area_quarter_statistics s` to the townships `t` of `townships`."""
    return f"""
    INSERT INTO township_quarter_statistics (area_code, quarter, computed_at,
        {", ".join(MEASURES)})
    SELECT t.code, q_start, now(), {", ".join(f"coalesce(sum(s.{m}), 0)" for m in MEASURES)}
    FROM {sums}
    WHERE {townships} AND t.level = 'township'
    GROUP BY t.code
    ON CONFLICT (area_code, quarter) DO UPDATE SET computed_at = excluded.computed_at,
        {", ".join(f"{m} = excluded.{m}" for m in MEASURES)};
    """


# Every village with data, or with counts to set back to zero.
KNOWN_VILLAGES = """a.code IN (
            SELECT area_code FROM children
            UNION SELECT area_code FROM cases
            UNION SELECT area_code FROM absence_records WHERE area_code IS NOT NULL
            UNION SELECT area_code FROM area_quarter_statistics WHERE quarter = q_start)"""
ALL_TOWNSHIPS = """area_quarter_statistics s
    JOIN areas t ON t.code = substr(s.area_code, 1, 9) AND s.quarter = q_start"""
# Codes are digits, so ':' (after '9') bounds every code that starts with a prefix.
SOME_TOWNSHIPS = """areas t LEFT JOIN area_quarter_statistics s ON s.quarter = q_start
    AND s.area_code ~>=~ t.code AND s.area_code ~<~ (t.code || ':')"""
# Separate statements, so each keeps its own plan: a few villages by index, all by scanning.
REFRESH = f"""
CREATE FUNCTION shouhu_refresh_statistics(p_villages text[], p_today date) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    q_start date := date_trunc('quarter', p_today)::date;
    q_end date := (date_trunc('quarter', p_today) + interval '3 months')::date;
    villages text[];
    written integer;
BEGIN
    IF p_villages IS NULL THEN
        {_upsert("true", KNOWN_VILLAGES)}
        GET DIAGNOSTICS written = ROW_COUNT;
        {_townships(ALL_TOWNSHIPS, "true")}
    ELSE
        SELECT array_agg(DISTINCT code ORDER BY code) INTO villages FROM unnest(p_villages) code;
        -- Writers in a township take turns (its row sums their villages): the next one
        -- counts what this one committed. Sorted, so two writers never wait on each other.
        PERFORM pg_advisory_xact_lock(hashtext('shouhu_statistics'), hashtext(township))
        FROM (SELECT DISTINCT substr(code, 1, 9) AS township FROM unnest(villages) code
              ORDER BY 1) townships;
        {_upsert("{column} = ANY(villages)", "a.code = ANY(villages)")}
        GET DIAGNOSTICS written = ROW_COUNT;
        {_townships(SOME_TOWNSHIPS, "t.code IN (SELECT substr(v, 1, 9) FROM unnest(villages) v)")}
    END IF;
    RETURN written;
END
$$
"""


def upgrade() -> None:
    for table in ROLLUPS:
        op.create_table(
            table,
            sa.Column("area_code", sa.String(length=12), nullable=False),
            sa.Column("quarter", sa.Date(), nullable=False),
            sa.Column("computed_at", sa.DateTime(timezone=True),
                      server_default=sa.text("now()"), nullable=False),
            *(sa.Column(m, sa.Integer(), server_default="0", nullable=False) for m in MEASURES),
            sa.ForeignKeyConstraint(["area_code"], ["areas.code"],
                                    name=op.f(f"fk_{table}_area_code_areas")),
            sa.PrimaryKeyConstraint("area_code", "quarter", name=op.f(f"pk_{table}")),
        )  # fmt: skip
        op.create_index(
            f"ix_{table}_area_code_prefix",
            table,
            ["area_code", "quarter"],
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        )
        # The service reads the rollups; only the function below writes them.
        op.execute(f"REVOKE INSERT, UPDATE, DELETE ON {table} FROM {APP_ROLE}")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY in_scope ON {table} USING ({IN_SCOPE})")
    op.execute(REFRESH)
    op.execute("REVOKE ALL ON FUNCTION shouhu_refresh_statistics(text[], date) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION shouhu_refresh_statistics(text[], date) TO {APP_ROLE}")


def downgrade() -> None:
    op.execute("DROP FUNCTION shouhu_refresh_statistics(text[], date)")
    for table in ROLLUPS:
        op.drop_index(f"ix_{table}_area_code_prefix", table_name=table)
        op.drop_table(table)
