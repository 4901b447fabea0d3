"""Filling the statistics rollups for past quarters from the dated records, in SQL.

Used by the seeds, once: afterwards past quarters stay as the writes and the daily refresh
last left them. A past quarter counts, as at the quarter's end:
- children on file then (born by the quarter's end, not archived before it), in their
  current village, with their current categories, key-child and guardianship facts (the
  history of those facts is not kept);
- children visited during the quarter; overdue visits: children not visited in the quarter
  (key children: in its last month), which is when their regular visit fell due;
- cases open at the quarter's end, each in the stage its history says it was in then, and
  overdue when that stage had outlasted its deadline; reports by their report date;
- unexcused absence days in the quarter.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from app import clock
from app.domain.case_deadlines import STAGE_DEADLINES
from app.domain.measures import (
    CATEGORY_MEASURES,
    MEASURES,
    OPEN_STAGES,
    SOURCE_MEASURES,
    STAGE_MEASURES,
    TREND_QUARTERS,
)
from app.domain.quarters import add_quarters, quarter_start
from app.enums import ReportSource
from app.services.statistics.refresh import refresh_statistics

_CHILD_COUNTS = {
    "children": "true",
    **{m.name: f"'{m.name}' = ANY(categories)" for m in CATEGORY_MEASURES},
    "key_children": "is_key_child",
    "living_alone": "living_arrangement = 'alone'",
    "without_guardian": "'left_behind' = ANY(categories) AND NOT has_confirmed_guardian",
}
_DEADLINE = (
    "CASE stage "
    + " ".join(
        f"WHEN '{stage.value}' THEN interval '{int(limit.total_seconds())} seconds'"
        for stage, limit in STAGE_DEADLINES.items()
        if limit is not None
    )
    + " END"
)
_CASE_COUNTS = {
    **{m.name: f"stage = '{s.value}'" for m, s in zip(STAGE_MEASURES, OPEN_STAGES, strict=True)},
    "cases_overdue": f"stage <> 'closed' AND entered + {_DEADLINE} < q_end",
    "dropout_cases": "stage <> 'closed' AND category = 'dropout'",
}
_REPORT_COUNTS = {
    m.name: f"source = '{s.value}'" for m, s in zip(SOURCE_MEASURES, ReportSource, strict=True)
}


def _filtered(counts: dict[str, str]) -> str:
    return ", ".join(f"count(*) FILTER (WHERE {cond}) AS {name}" for name, cond in counts.items())


def _sums(counts: dict[str, str]) -> str:
    return ", ".join(f"sum({name})::int AS {name}" for name in counts)


_VALUES = {
    **{name: name for name in (*_CHILD_COUNTS, *_CASE_COUNTS, *_REPORT_COUNTS)},
    "visited": "visited",
    "visits_overdue": "greatest(coalesce(children, 0) - coalesce(in_time, 0), 0)",
    "absence_days": "absence_days",
}
_FILL = f"""
WITH quarters AS (
    SELECT q::date AS q_start, (q + interval '3 months')::date AS q_end
    FROM generate_series(CAST(:first AS date), CAST(:last AS date), interval '3 months') q
), on_file AS (
    SELECT area_code,
           greatest(date_trunc('quarter', birth_date)::date, CAST(:first AS date)) AS from_q,
           CASE WHEN status = 'archived' THEN date_trunc('quarter', archived_at)::date
                ELSE 'infinity'::date END AS until_q,
           {_filtered(_CHILD_COUNTS)}
    FROM children WHERE deleted_at IS NULL
    GROUP BY 1, 2, 3
), ch AS (
    SELECT o.area_code, q.q_start, {_sums(_CHILD_COUNTS)}
    FROM on_file o JOIN quarters q ON o.from_q <= q.q_start AND q.q_start < o.until_q
    GROUP BY 1, 2
), vis AS (
    -- A child's last visit in each quarter (the next one is in a later quarter): one row per
    -- child and quarter, cheaper than grouping millions of visits by child.
    SELECT c.area_code, w.q::date AS q_start, count(*) AS visited,
           count(*) FILTER (WHERE NOT c.is_key_child
                            OR w.visited_at >= w.q + interval '2 months') AS in_time
    FROM (
        SELECT child_id, visited_at, date_trunc('quarter', visited_at) AS q,
               lead(visited_at) OVER (PARTITION BY child_id ORDER BY visited_at) AS next_at
        FROM visits
        WHERE deleted_at IS NULL
          AND visited_at >= CAST(:first AS date) AND visited_at < CAST(:current AS date)
    ) w
    JOIN children c ON c.id = w.child_id
    WHERE c.deleted_at IS NULL AND (w.next_at IS NULL OR w.next_at >= w.q + interval '3 months')
    GROUP BY 1, 2
), stage_at AS (
    SELECT c.area_code, c.category, q.q_start, q.q_end, e.to_stage AS stage,
           e.occurred_at AS entered
    FROM cases c JOIN quarters q ON c.reported_at < q.q_end
    CROSS JOIN LATERAL (
        SELECT to_stage, occurred_at FROM case_events e
        WHERE e.case_id = c.id AND e.to_stage IS NOT NULL AND e.deleted_at IS NULL
          AND e.occurred_at < q.q_end
        ORDER BY e.occurred_at DESC LIMIT 1
    ) e
    WHERE c.deleted_at IS NULL
), cs AS (
    SELECT area_code, q_start, {_filtered(_CASE_COUNTS)} FROM stage_at GROUP BY 1, 2
), rep AS (
    SELECT area_code, date_trunc('quarter', reported_at)::date AS q_start,
           {_filtered(_REPORT_COUNTS)}
    FROM cases
    WHERE deleted_at IS NULL
      AND reported_at >= CAST(:first AS date) AND reported_at < CAST(:current AS date)
    GROUP BY 1, 2
), ab AS (
    SELECT area_code, date_trunc('quarter', absent_on)::date AS q_start,
           count(*) AS absence_days
    FROM absence_records
    WHERE area_code IS NOT NULL AND NOT excused
      AND absent_on >= CAST(:first AS date) AND absent_on < CAST(:current AS date)
    GROUP BY 1, 2
), keys AS (
    SELECT area_code, q_start FROM ch UNION SELECT area_code, q_start FROM vis
    UNION SELECT area_code, q_start FROM cs UNION SELECT area_code, q_start FROM rep
    UNION SELECT area_code, q_start FROM ab
)
INSERT INTO area_quarter_statistics (area_code, quarter, computed_at,
    {", ".join(m.name for m in MEASURES)})
SELECT area_code, q_start, now(),
    {", ".join(f"coalesce({_VALUES[m.name]}, 0)" for m in MEASURES)}
FROM keys
LEFT JOIN ch USING (area_code, q_start) LEFT JOIN vis USING (area_code, q_start)
LEFT JOIN cs USING (area_code, q_start) LEFT JOIN rep USING (area_code, q_start)
LEFT JOIN ab USING (area_code, q_start)
ON CONFLICT (area_code, quarter) DO UPDATE SET computed_at = excluded.computed_at,
    {", ".join(f"{m.name} = excluded.{m.name}" for m in MEASURES)}
"""
_TOWNSHIPS = f"""
INSERT INTO township_quarter_statistics (area_code, quarter, computed_at,
    {", ".join(m.name for m in MEASURES)})
SELECT t.code, s.quarter, now(), {", ".join(f"sum(s.{m.name})" for m in MEASURES)}
FROM area_quarter_statistics s JOIN areas t ON t.code = substr(s.area_code, 1, 9)
WHERE s.quarter >= CAST(:first AS date) AND s.quarter <= CAST(:last AS date)
GROUP BY t.code, s.quarter
ON CONFLICT (area_code, quarter) DO UPDATE SET computed_at = excluded.computed_at,
    {", ".join(f"{m.name} = excluded.{m.name}" for m in MEASURES)}
"""


async def fill_past_quarters(conn: AsyncConnection, today: date, quarters: int) -> int:
    """Compute the `quarters` quarters before `today`'s for every village, and their
    townships as the sums of their villages; the number of village rows written."""
    current = quarter_start(today)
    period = {"first": add_quarters(current, -quarters), "last": add_quarters(current, -1)}
    result = await conn.execute(text(_FILL), {**period, "current": current})
    await conn.execute(text(_TOWNSHIPS), period)
    return result.rowcount


async def fill_statistics(conn: AsyncConnection, now: datetime) -> int:
    """The whole rollup after a bulk load, as of `now`: the trend's past quarters and the
    current one."""
    # Millions of visits are sorted and grouped: in memory rather than in temporary files.
    await conn.execute(text("SET LOCAL work_mem = '256MB'"))
    written = await fill_past_quarters(conn, clock.local_day(now), TREND_QUARTERS - 1)
    return written + await refresh_statistics(conn, None, now)
