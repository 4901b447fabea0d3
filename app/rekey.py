"""Re-sealing stored ID numbers under the newest keys (`shouhu keys rotate-id-numbers`).

Every value sealed under an older key of SHOUHU_ID_NUMBER_KEYS, or fingerprinted under an
older key of SHOUHU_ID_NUMBER_HASH_KEYS, is opened and sealed (and fingerprinted) again
under the first key of each ring. One batch is one transaction, so a run that stops keeps
what it did and the next run carries on from what is left; a run with nothing left to do
changes nothing. Run it after the service has the new keys, so nothing new is sealed under
the old ones; then the old keys can leave the rings.

Re-sealing is no edit: the touch trigger is off for the batch's transaction (its table is
locked against other writes meanwhile, some tens of milliseconds), so no row's version,
updated_at or change_seq moves. A value the service changes while a batch runs is left as
the service wrote it (the update only replaces the ciphertext it read).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.idcrypto import KeyRing, sealed_id_number_columns
from app.models import Base
from app.models.base import Synced
from app.progress import Reporter, SilentReporter

BATCH = 2_000


@dataclass(frozen=True, order=True)
class SealedColumn:
    """A table's sealed ID number: its columns and whether a touch trigger watches it."""

    table: str
    name: str
    synced: bool

    @property
    def column(self) -> str:
        """The "table.column" a value is sealed for."""
        return f"{self.table}.{self.name}"


def sealed_columns() -> list[SealedColumn]:
    """Every sealed ID number of the models."""
    return sorted(
        SealedColumn(cast(Table, mapper.local_table).name, name, issubclass(mapper.class_, Synced))
        for mapper in Base.registry.mappers
        for name in sealed_id_number_columns(mapper.class_)
    )


@dataclass
class RotationSummary:
    """What a rotation did, per table, and the key versions everything is under now."""

    sealing_version: int
    hash_version: int
    resealed: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        """One line for the console."""
        total = sum(self.resealed.values())
        tables = ", ".join(f"{table} {count:,}" for table, count in self.resealed.items())
        return (
            f"{total:,} ID numbers re-sealed ({tables}); every ID number is under key "
            f"v{self.sealing_version} and hash key v{self.hash_version}"
        )


def _stale(column: SealedColumn) -> str:
    enc, hash_ = f"{column.name}_enc", f"{column.name}_hash"
    return (
        f"{enc} IS NOT NULL AND (get_byte({enc}, 0) <> :sealing "
        f"OR {hash_} IS NULL OR get_byte({hash_}, 0) <> :hashing)"
    )


def _versions(ring: KeyRing) -> dict[str, int]:
    return {"sealing": ring.sealing_version, "hashing": ring.hash_version}


async def count_stale(engine: AsyncEngine, ring: KeyRing) -> dict[str, int]:
    """How many values of each table are not under the newest keys."""
    counts: dict[str, int] = {}
    async with engine.connect() as conn:
        for column in sealed_columns():
            counts[column.table] = (
                await conn.scalar(
                    text(f"SELECT count(*) FROM {column.table} WHERE {_stale(column)}"),
                    _versions(ring),
                )
                or 0
            )
    return counts


async def rotate_id_numbers(
    engine: AsyncEngine, ring: KeyRing, reporter: Reporter | None = None, batch: int = BATCH
) -> RotationSummary:
    """Re-seal every ID number not under the ring's newest keys; see the module docstring.
    Raises UnreadableIdNumber (naming the table) if a value's key is not in the ring."""
    progress: Reporter = reporter or SilentReporter()
    summary = RotationSummary(ring.sealing_version, ring.hash_version)
    stale = await count_stale(engine, ring)
    for column in sealed_columns():
        done = 0
        with progress.step(f"re-sealing {column.column}", stale[column.table]) as advance:
            after = uuid.UUID(int=0)
            while True:
                async with engine.begin() as conn:
                    rows, changed = await _rotate_batch(conn, ring, column, after, batch)
                if not rows:
                    break
                done += changed
                advance(len(rows))
                after = rows[-1][0]
        summary.resealed[column.table] = done
    return summary


async def _rotate_batch(
    conn: AsyncConnection, ring: KeyRing, column: SealedColumn, after: uuid.UUID, batch: int
) -> tuple[Sequence[Any], int]:
    """One batch in the connection's transaction: the rows read and how many were re-sealed."""
    table, enc, hash_ = column.table, f"{column.name}_enc", f"{column.name}_hash"
    if column.synced:
        # First, so the lock waits for running writers before anything is read.
        await conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_touch"))
    rows = (
        await conn.execute(
            text(
                f"SELECT id, {enc} FROM {table} WHERE {_stale(column)} AND id > :after "
                "ORDER BY id LIMIT :limit"
            ),
            {**_versions(ring), "after": after, "limit": batch},
        )
    ).all()
    changed = 0
    if rows:
        numbers = [ring.unseal(blob, column.column) for _, blob in rows]
        result = await conn.execute(
            text(
                f"UPDATE {table} AS t SET {enc} = u.enc, {hash_} = u.hash FROM unnest("
                "CAST(:ids AS uuid[]), CAST(:old AS bytea[]), CAST(:encs AS bytea[]), "
                "CAST(:hashes AS bytea[])) AS u(id, old, enc, hash) "
                f"WHERE t.id = u.id AND t.{enc} = u.old"
            ),
            {
                "ids": [row_id for row_id, _ in rows],
                "old": [blob for _, blob in rows],
                "encs": [ring.seal(number, column.column) for number in numbers],
                "hashes": [ring.fingerprint(number) for number in numbers],
            },
        )
        changed = result.rowcount
    if column.synced:
        await conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_touch"))
    return rows, changed
