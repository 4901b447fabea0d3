"""Bulk writes of generated rows with COPY, in foreign-key order."""

from __future__ import annotations

from typing import Any

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
KEY_TABLES = ("child_search_keys", "household_search_keys")


async def copy_rows(
    conn: AsyncConnection, rows: dict[str, list[tuple[Any, ...]]]
) -> dict[str, int]:
    """COPY generated rows (table → rows in COLUMNS order) inside the connection's
    transaction; return counts."""
    driver = await raw_connection(conn)
    counts: dict[str, int] = {}
    for table in TABLE_ORDER:
        records = rows.get(table)
        if records:
            await driver.copy_records_to_table(table, records=records, columns=list(COLUMNS[table]))
            counts[table] = len(records)
    return counts


async def copy_keys(conn: AsyncConnection, children: bytes, households: bytes) -> None:
    """COPY the search keys of children and households loaded in bulk, given as COPY text
    (app/seed/keys.py)."""
    driver = await raw_connection(conn)
    for table, key, data in (
        ("child_search_keys", "child_id", children),
        ("household_search_keys", "household_id", households),
    ):
        if data:
            # A memoryview: asyncpg reads bytes as a file's path.
            await driver.copy_to_table(
                table, source=memoryview(data), columns=[key, "area_code", "keys"], format="text"
            )


async def copy_batch(conn: AsyncConnection, batch: Batch) -> dict[str, int]:
    """COPY every queued row of `batch` inside the connection's transaction; return counts."""
    counts = await copy_rows(conn, batch.rows)
    # The search keys of the new rows: COPY passes by the session hook that keeps them.
    await index_new_households(conn, [row[0] for row in batch.rows.get("households", ())])
    await index_new_children(conn, [row[0] for row in batch.rows.get("children", ())])
    batch.rows.clear()
    return counts
