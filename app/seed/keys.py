"""The search keys of generated rows, computed from the rows themselves.

The service computes a record's keys from its facts read back from the database
(app/services/search_keys.py). A bulk load knows those facts already: a generated household
comes whole in one batch (its parents, its children), so the facts are taken from the batch's
rows in the same shapes as the service's queries return them, and the keys are the same.
Names repeat a lot in a province (a surname and one or two common characters), so each
distinct name's keys are computed once per load: pinyin is most of the cost.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.domain.search import identifier_keys, name_keys
from app.idcrypto import key_ring
from app.seed.generator import COLUMNS
from app.services.search_keys import CHILD_ID_COLUMN, storing_secret

# (id, area_code, name, sealed ID number, student number, phones): as _CHILD_FACTS reads them.
ChildFacts = tuple[uuid.UUID, str, str, bytes | None, str | None, list[str | None]]
# (id, area_code, phone, names, phones): as _HOUSEHOLD_FACTS reads them.
HouseholdFacts = tuple[uuid.UUID, str, str | None, list[str], list[str]]
KeyRow = tuple[uuid.UUID, str, list[str]]


def _column(table: str, name: str) -> int:
    return COLUMNS[table].index(name)


_HOUSEHOLD = {n: _column("households", n) for n in ("id", "area_code", "phone")}
_PARENT = {n: _column("parents", n) for n in ("household_id", "name", "phone")}
_CHILD = {
    n: _column("children", n)
    for n in ("id", "household_id", "area_code", "name", "id_number_enc", "student_number")
}


@dataclass
class Facts:
    """What the keys of one batch's children and households are computed from."""

    children: list[ChildFacts] = field(default_factory=list)
    households: list[HouseholdFacts] = field(default_factory=list)


def batch_facts(rows: dict[str, list[tuple[Any, ...]]]) -> Facts:
    """The facts of the households and children of a batch's rows (COLUMNS order); every
    household of the batch comes with all its parents and children."""
    names: dict[uuid.UUID, list[str]] = defaultdict(list)
    phones: dict[uuid.UUID, list[str]] = defaultdict(list)
    for parent in rows.get("parents", ()):
        household = parent[_PARENT["household_id"]]
        names[household].append(parent[_PARENT["name"]])
        if parent[_PARENT["phone"]] is not None:
            phones[household].append(parent[_PARENT["phone"]])
    own_phone = {
        row[_HOUSEHOLD["id"]]: row[_HOUSEHOLD["phone"]] for row in rows.get("households", ())
    }
    facts = Facts()
    for child in rows.get("children", ()):
        household = child[_CHILD["household_id"]]
        facts.children.append(
            (
                child[_CHILD["id"]], child[_CHILD["area_code"]], child[_CHILD["name"]],
                child[_CHILD["id_number_enc"]], child[_CHILD["student_number"]],
                [*phones[household], own_phone[household]],
            )
        )  # fmt: skip
    children_names: dict[uuid.UUID, list[str]] = defaultdict(list)
    for child in rows.get("children", ()):
        children_names[child[_CHILD["household_id"]]].append(child[_CHILD["name"]])
    for row in rows.get("households", ()):
        household = row[_HOUSEHOLD["id"]]
        facts.households.append(
            (
                household, row[_HOUSEHOLD["area_code"]], row[_HOUSEHOLD["phone"]],
                [*names[household], *children_names[household]], phones[household],
            )
        )  # fmt: skip
    return facts


class KeyComputer:
    """Computes the keys of facts as app/services/search_keys.py does, each distinct
    name's keys once."""

    def __init__(self) -> None:
        # A name's keys joined by NUL (which no key holds): a million-child province has
        # about 300,000 distinct names, and a string costs a tenth of a set of strings.
        self._names: dict[str, str] = {}
        self._secret: Callable[[str], str] = storing_secret()

    def _name_keys(self, name: str) -> list[str]:
        joined = self._names.get(name)
        if joined is None:
            joined = self._names[name] = "\0".join(name_keys(name))
        return joined.split("\0") if joined else []

    def children(self, facts: Sequence[ChildFacts]) -> list[KeyRow]:
        """The key rows (child id, area, keys) of children's facts."""
        ring, secret = key_ring(), self._secret
        found = []
        for child_id, area_code, name, sealed, student_number, phones in facts:
            number = None if sealed is None else ring.unseal(sealed, CHILD_ID_COLUMN)
            keys = identifier_keys(
                student_number=student_number, phones=phones, id_number=number, secret=secret
            )
            keys.update(self._name_keys(name))
            found.append((child_id, area_code, sorted(keys)))
        return found

    def households(self, facts: Sequence[HouseholdFacts]) -> list[KeyRow]:
        """The key rows (household id, area, keys) of households' facts."""
        found = []
        for household_id, area_code, phone, names, phones in facts:
            keys = identifier_keys(phones=[phone, *phones], secret=self._secret)
            for name in names:
                keys.update(self._name_keys(name))
            found.append((household_id, area_code, sorted(keys)))
        return found


# COPY's text format escapes a backslash (first) and what would end a field or a row.
_COPY_ESCAPES = (("\\", "\\\\"), ("\t", "\\t"), ("\n", "\\n"), ("\r", "\\r"))


def copy_text(rows: Sequence[KeyRow]) -> bytes:
    """Key rows as COPY text (the keys an array literal of quoted elements). A chunk's keys
    pass between processes as these bytes and go to the database unchanged: as lists of
    strings they were pickled, unpickled and encoded again, which cost more than the load
    process's share of the COPY."""
    lines = []
    for record_id, area_code, keys in rows:
        # The keys escaped for the array literal at once, joined by NUL (which no key holds).
        joined = "\0".join(keys).replace("\\", "\\\\").replace('"', '\\"')
        literal = '{"' + joined.replace("\0", '","') + '"}' if keys else "{}"
        for char, escaped in _COPY_ESCAPES:
            literal = literal.replace(char, escaped)
        lines.append(f"{record_id}\t{area_code}\t{literal}\n")
    return "".join(lines).encode()
