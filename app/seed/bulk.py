"""Loading many rows in one transaction: foreign keys and secondary indexes set aside during
the load, put back once after it.

A foreign key checks each row COPY writes with a trigger call (about 40% of a COPY), a
B-tree index takes each row as it comes, and a GIN index (the search keys: some 120 million
entries at a million children) merges its pending rows into an index far larger than
PostgreSQL's shared buffers, at a cost that grows faster than the rows. Put back after the
load, a foreign key checks every row in one join and an index is built from the rows in one
pass: the same constraints and indexes, and a B-tree several times cheaper (a GIN build is
still the largest part of a million-child load: docs/performance.md). Needs only the owner;
the transaction holds the tables (and those the keys reference) locked until it ends, and a
failed check rolls the whole load back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_FOREIGN_KEYS = text(
    "SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', conrelid::regclass, conname),"
    " format('ALTER TABLE %s ADD CONSTRAINT %I %s', conrelid::regclass, conname,"
    " pg_get_constraintdef(oid))"
    " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(CAST(:tables AS regclass[]))"
    " ORDER BY conrelid, conname"
)
# Indexes that back no constraint (primary keys and unique constraints stay: foreign keys
# and upserts need them).
_INDEXES = text(
    "SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid)"
    " FROM pg_index i WHERE i.indrelid = ANY(CAST(:tables AS regclass[]))"
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
    " ORDER BY i.indrelid, i.indexrelid"
)
# Memory for sorting an index build (PostgreSQL's default, 64 MB, spills the sort of a
# million-row B-tree build to disk).
_BUILD_MEMORY = text("SET LOCAL maintenance_work_mem = '256MB'")


@dataclass(frozen=True)
class SetAside:
    """The statements that put back what `set_aside` dropped."""

    indexes: list[str]
    foreign_keys: list[str]


async def set_aside(conn: AsyncConnection, tables: Sequence[str]) -> SetAside:
    """Drop the foreign keys and the secondary indexes of `tables` in this transaction."""
    foreign_keys = (await conn.execute(_FOREIGN_KEYS, {"tables": list(tables)})).all()
    indexes = (await conn.execute(_INDEXES, {"tables": list(tables)})).all()
    for drop, _ in (*foreign_keys, *indexes):
        await conn.exec_driver_sql(drop)
    return SetAside(
        indexes=[create for _, create in indexes],
        foreign_keys=[add for _, add in foreign_keys],
    )


async def put_back(conn: AsyncConnection, aside: SetAside, tables: Sequence[str]) -> None:
    """Fresh planner statistics of `tables`, then their indexes built and their foreign
    keys added again, each checking every row at once."""
    for table in tables:
        await conn.exec_driver_sql(f"ANALYZE {table}")
    await conn.execute(_BUILD_MEMORY)
    for statement in (*aside.indexes, *aside.foreign_keys):
        await conn.exec_driver_sql(statement)
