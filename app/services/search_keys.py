"""Keeping the search keys (app/domain/search.py) of children and households current.

Every write of a child's name, ID number, student number or household, of a parent's name
or phone, or of a household's phone changes keys. The hook is on `SearchKeysSession`, a base
of the session class of every session that writes (`StatisticsSession`), so no service has
to remember it: the rows written are collected at each flush, and just before the commit the
keys of the children and households they touch are computed again, in the same transaction.
Bulk loads (the synthetic seed's COPY) call `index_new_children`/`index_new_households`, and
`reindex_all` (`shouhu reindex-search`) fills them for rows on file before the keys existed.

ID numbers give keys only as fingerprints under the newest hash key of the ring (HMAC with
a purpose of its own, so they never equal the ID number fingerprints of app/idcrypto.py);
a lookup tries every key of the ring. After a new hash key, run `shouhu reindex-search`.
"""

from __future__ import annotations

import hmac
import uuid
from collections.abc import Callable, Iterable, Sequence
from hashlib import sha256
from typing import Any

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session, UOWTransaction

from app.database import raw_connection
from app.domain.search import identifier_keys, name_keys
from app.idcrypto import key_ring
from app.models import Child, Household, Parent

_PURPOSE = b"shouhu search key\x00"
_COLLECTED = "shouhu.search_keys_written"
# The attributes whose change changes a record's keys (or those of its household).
_WATCHED: dict[type[Any], tuple[str, ...]] = {
    Child: (
        "name",
        "id_number_enc",
        "student_number",
        "household_id",
        "area_code",
        "deleted_at",
        "merged_into_id",
    ),
    Parent: ("name", "phone", "household_id", "deleted_at"),
    Household: ("phone", "area_code", "deleted_at"),
}
_CHILD_FACTS = text(
    "SELECT c.id, c.area_code, c.name, c.id_number_enc, c.student_number,"
    " ARRAY(SELECT p.phone FROM parents p WHERE p.household_id = c.household_id"
    " AND p.deleted_at IS NULL AND p.phone IS NOT NULL) || h.phone AS phones"
    " FROM children c JOIN households h ON h.id = c.household_id WHERE c.id = ANY(:ids)"
    " AND c.merged_into_id IS NULL"
)
_HOUSEHOLD_FACTS = text(
    "SELECT h.id, h.area_code, h.phone,"
    " ARRAY(SELECT p.name FROM parents p WHERE p.household_id = h.id AND p.deleted_at IS NULL)"
    " || ARRAY(SELECT c.name FROM children c WHERE c.household_id = h.id"
    " AND c.deleted_at IS NULL AND c.merged_into_id IS NULL) AS names,"
    " ARRAY(SELECT p.phone FROM parents p WHERE p.household_id = h.id AND p.deleted_at IS NULL"
    " AND p.phone IS NOT NULL) AS phones"
    " FROM households h WHERE h.id = ANY(:ids)"
)
# A file merged into another has no keys of its own (app/services/child_merges.py).
_DROP_MERGED = text("DELETE FROM child_search_keys WHERE child_id = ANY(:ids)")
_CHILDREN_OF = text("SELECT id FROM children WHERE household_id = ANY(:ids)")
_UPSERT_CHILD = text(
    "INSERT INTO child_search_keys (child_id, area_code, keys) VALUES (:id, :area_code, :keys)"
    " ON CONFLICT (child_id) DO UPDATE SET area_code = EXCLUDED.area_code, keys = EXCLUDED.keys"
)
_UPSERT_HOUSEHOLD = text(
    "INSERT INTO household_search_keys (household_id, area_code, keys)"
    " VALUES (:id, :area_code, :keys) ON CONFLICT (household_id)"
    " DO UPDATE SET area_code = EXCLUDED.area_code, keys = EXCLUDED.keys"
)
CHILD_ID_COLUMN = "children.id_number"


def _secret(key: bytes) -> Callable[[str], str]:
    def secret(value: str) -> str:
        return hmac.new(key, _PURPOSE + value.encode(), sha256).hexdigest()[:32]

    return secret


def storing_secret() -> Callable[[str], str]:
    """The fingerprint of an ID number's keys as stored (the ring's newest hash key)."""
    ring = key_ring()
    return _secret(ring.hash_keys[ring.hash_version])


def lookup_secrets() -> list[Callable[[str], str]]:
    """The fingerprints a lookup tries: one per hash key of the ring, newest first."""
    return [_secret(key) for key in key_ring().hash_keys.values()]


def child_keys(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Each child's keys from its facts (id, area, name, sealed ID number, student number,
    phones)."""
    secret, ring = storing_secret(), key_ring()
    found = []
    for child_id, area_code, name, sealed, student_number, phones in rows:
        number = None if sealed is None else ring.unseal(sealed, CHILD_ID_COLUMN)
        keys = name_keys(name) | identifier_keys(
            student_number=student_number, phones=phones, id_number=number, secret=secret
        )
        found.append({"id": child_id, "area_code": area_code, "keys": sorted(keys)})
    return found


def household_keys(rows: Iterable[Sequence[Any]]) -> list[dict[str, Any]]:
    """Each household's keys from its facts (id, area, phone, its people's names, parents'
    phones)."""
    secret = storing_secret()
    found = []
    for household_id, area_code, phone, names, phones in rows:
        keys = identifier_keys(phones=[phone, *phones], secret=secret)
        for name in names:
            keys |= name_keys(name)
        found.append({"id": household_id, "area_code": area_code, "keys": sorted(keys)})
    return found


class SearchKeysSession(Session):
    """A session whose commits keep the search keys of the records they wrote current."""


@event.listens_for(SearchKeysSession, "before_flush")
def _collect(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    written: list[Any] = session.info.setdefault(_COLLECTED, [])
    for obj in (*session.new, *session.dirty):
        watched = _WATCHED.get(type(obj))
        if watched is None:
            continue
        state = inspect(obj)
        if state.pending or any(state.attrs[name].history.has_changes() for name in watched):
            written.append(obj)


@event.listens_for(SearchKeysSession, "before_commit")
def _reindex_before_commit(session: Session) -> None:
    session.flush()  # the last changes are collected by the flush
    written: list[Any] = session.info.pop(_COLLECTED, [])
    if not written:
        return
    children = {obj.id for obj in written if isinstance(obj, Child)}
    households = {obj.household_id for obj in written if isinstance(obj, Child | Parent)}
    households |= {obj.id for obj in written if isinstance(obj, Household)}
    for obj in written:
        if isinstance(obj, Child | Parent):
            state: Any = inspect(obj)
            households.update(state.attrs.household_id.history.deleted or ())
    merged = {obj.id for obj in written if isinstance(obj, Child) and obj.merged_into_id}
    reindex(session.connection(), children, households, merged)


@event.listens_for(SearchKeysSession, "after_rollback")
def _forget(session: Session, *args: object) -> None:
    session.info.pop(_COLLECTED, None)


def reindex(
    conn: Connection,
    children: set[uuid.UUID],
    households: set[uuid.UUID],
    merged: set[uuid.UUID] | None = None,
) -> None:
    """Compute again the keys of these children, these households and their children, and
    drop those of the children just merged into another file (the facts leave merged files
    out, so their keys are dropped once, by the write that merged them)."""
    if households:
        children |= set(conn.execute(_CHILDREN_OF, {"ids": list(households)}).scalars())
        facts = conn.execute(_HOUSEHOLD_FACTS, {"ids": list(households)}).all()
        if facts:
            conn.execute(_UPSERT_HOUSEHOLD, household_keys(facts))
    if children:
        facts = conn.execute(_CHILD_FACTS, {"ids": list(children)}).all()
        if facts:
            conn.execute(_UPSERT_CHILD, child_keys(facts))
    if merged:
        conn.execute(_DROP_MERGED, {"ids": list(merged)})


async def index_new_children(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> int:
    """The keys of children just loaded in bulk (no keys yet), written with COPY."""
    facts = (await conn.execute(_CHILD_FACTS, {"ids": list(ids)})).all()
    return await _copy(conn, "child_search_keys", "child_id", child_keys(facts))


async def index_new_households(conn: AsyncConnection, ids: Sequence[uuid.UUID]) -> int:
    """The keys of households just loaded in bulk (no keys yet), written with COPY."""
    facts = (await conn.execute(_HOUSEHOLD_FACTS, {"ids": list(ids)})).all()
    return await _copy(conn, "household_search_keys", "household_id", household_keys(facts))


async def _copy(conn: AsyncConnection, table: str, key: str, rows: list[dict[str, Any]]) -> int:
    driver = await raw_connection(conn)
    records = [(row["id"], row["area_code"], row["keys"]) for row in rows]
    await driver.copy_records_to_table(table, records=records, columns=[key, "area_code", "keys"])
    return len(records)


async def index_unindexed(conn: AsyncConnection, *, batch: int = 5000) -> tuple[int, int]:
    """The keys of every household and child that has none (rows from before the search
    keys, or loaded past the service); how many households and children were indexed. Run
    at every start: a database upgraded to the search keys is searchable without a step."""
    counts = []
    for table, keys, key, index in (
        ("households", "household_search_keys", "household_id", index_new_households),
        ("children", "child_search_keys", "child_id", index_new_children),
    ):
        total = 0
        missing = text(
            f"SELECT r.id FROM {table} r WHERE NOT EXISTS "
            f"(SELECT 1 FROM {keys} k WHERE k.{key} = r.id) ORDER BY r.id"
        )
        ids = list((await conn.execute(missing)).scalars())
        for start in range(0, len(ids), batch):
            total += await index(conn, ids[start : start + batch])
        counts.append(total)
    if any(counts):
        # The planner's view of the keys, which it needs to choose the GIN index.
        await conn.execute(text("ANALYZE child_search_keys"))
        await conn.execute(text("ANALYZE household_search_keys"))
    return counts[0], counts[1]


async def reindex_all(conn: AsyncConnection, *, batch: int = 5000) -> tuple[int, int]:
    """Every search key computed again from the records on file (children, households)."""
    await conn.execute(text("DELETE FROM child_search_keys"))
    await conn.execute(text("DELETE FROM household_search_keys"))
    return await index_unindexed(conn, batch=batch)
