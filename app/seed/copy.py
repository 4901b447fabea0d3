"""Bulk writes of generated rows with COPY, in foreign-key order."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from app.database import raw_connection
from app.seed.generator import COLUMNS, Batch
from app.services.search_keys import index_new_children, index_new_households

# Parents before children: the order COPY must follow for the foreign keys.
TABLE_ORDER = (
    "households",
    "parents",
    "children",
    "guardianships",
    "visits",
    "cases",
    "case_events",
)


async def copy_batch(conn: AsyncConnection, batch: Batch) -> dict[str, int]:
    """COPY every queued row of `batch` inside the connection's transaction; return counts."""
    driver = await raw_connection(conn)
    counts: dict[str, int] = {}
    for table in TABLE_ORDER:
        rows = batch.rows.get(table)
        if rows:
            await driver.copy_records_to_table(table, records=rows, columns=list(COLUMNS[table]))
            counts[table] = len(rows)
    # The search keys of the new rows: COPY passes by the session hook that keeps them.
    await index_new_households(conn, [row[0] for row in batch.rows.get("households", ())])
    await index_new_children(conn, [row[0] for row in batch.rows.get("children", ())])
    batch.rows.clear()
    return counts
