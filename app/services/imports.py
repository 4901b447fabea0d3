"""Importing a county's ledger (台账) of children, households, parents and guardians.

Each row is matched to a child on file (by ID number; a row without one by the key recorded
when it was first imported), then:
- a child on file is updated through the services' own writes (`update_child`,
  `update_household`, `update_parent`, `entrust_guardian`), with only the fields the ledger
  has a value for and that differ: a row that changes nothing writes nothing;
- a new child is created in bulk: its household, parents and entrusted guardian with it,
  checked by the same rules as registerChild, registerHousehold and entrustGuardian
  (their record types and checks), then derived and given to the task rules as a set
  (`refresh_children`, `apply_task_rules`). Its search keys are kept by the session's hook.
Rows with problems are refused and reported; the others are imported (docs/imports.md). A
dry run does all of it and rolls it back. Every import, dry or not, is recorded
(`LedgerImport`) and audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.database import raw_connection
from app.domain.facts import ChildFacts
from app.domain.guardianship import check_guardian_adult
from app.domain.imports import (
    MAX_ROWS,
    Header,
    LedgerGuardian,
    LedgerParent,
    LedgerRow,
    Person,
    RowProblem,
    UnreadableFile,
    duplicate_key,
    file_hash,
    is_blank,
    map_header,
    parse_row,
    person_of,
    possible_duplicate,
    read_table,
    row_cells,
    row_key,
    standard_header,
    village_key,
)
from app.domain.schools import check_school
from app.domain.validation import (
    ChildIdentity,
    Problem,
    check_id_number,
    check_length,
    check_phone,
    check_required,
    problems,
    same_child,
)
from app.enums import (
    AreaLevel,
    GuardianCapacity,
    GuardianshipStatus,
    OrganizationKind,
    ParentRelation,
    ParentStatus,
    Role,
)
from app.errors import DomainError
from app.global_ids import encode_global_id
from app.idcrypto import fingerprints, sealed_pair
from app.models import (
    Area,
    Child,
    DuplicateReport,
    Guardianship,
    Household,
    ImportedRow,
    LedgerImport,
    Organization,
    Parent,
)
from app.progress import Reporter
from app.services.audit import write_audit_event
from app.services.children import (
    REPORT_DUPLICATE,
    ChildData,
    child_identity,
    child_problems,
    child_values,
    refuse_twin_entry,
    update_child,
)
from app.services.common import Actor, New, merge_create
from app.services.derivation import new_child_derived, refresh_children
from app.services.guardianships import entrust_guardian
from app.services.households import (
    HouseholdData,
    ParentData,
    household_problems,
    household_values,
    parent_problems,
    parent_values,
    update_household,
    update_parent,
)
from app.services.search_keys import index_new_children, index_new_households, reindex
from app.services.statistics.refresh import StatisticsSession, mark_villages_written
from app.services.tasks import apply_task_rules
from authz.scope import Scope
from authz.session import ScopedSession, scoped_sessions

# Rows written per step: one set of lookups, one flush, one derivation per batch (the
# possible duplicates' lookup reads the file once a batch). At most six parameters a row
# in a statement: a batch stays under PostgreSQL's 32,767.
BATCH = 5000
KIND = "children"
_ON_FILE = text("SELECT shouhu_id_numbers_on_file(:prints)")
_RELATIONS = {"father": ParentRelation.FATHER, "mother": ParentRelation.MOTHER}
# A service's field (as its problems name it) → the ledger's column key.
_FIELDS = {
    "name": "name", "gender": "gender", "birthDate": "birth_date", "idNumber": "id_number",
    "studentNumber": "student_number", "schoolId": "school", "schoolStatus": "school_status",
    "livingArrangement": "living_arrangement", "address": "address", "areaCode": "area_code",
    "householdId": "area_code", "id": "name", "guardianName": "guardian_name",
    "phone": "guardian_phone", "startsOn": "guardian_name", "childId": "name",
}  # fmt: skip
_PARENT_FIELDS = {"name": "name", "idNumber": "id_number", "phone": "phone",
                  "workPlace": "work_place"}  # fmt: skip


class ImportSession(ScopedSession, StatisticsSession):
    """An import's sessions: scoped to the importer (ORM predicates and row-level security),
    their commits refreshing the statistics and the search keys, as a request's sessions."""


def import_sessions(
    engine: AsyncEngine, scope: Scope, today: date
) -> async_sessionmaker[AsyncSession]:
    """The sessions an import runs on, as `scope`'s principal, on `engine` (the application
    role's). No statement time limit: an import's statements grow with the ledger, which is
    bounded (MAX_ROWS), not with what the database holds."""
    return scoped_sessions(engine, scope, today, 0, session_class=ImportSession)


@dataclass(frozen=True)
class ImportRequest:
    """What to import: the file, its name, the village (or the area whose villages the
    ledger's 村 column names) rows without an area code go to, the column mapping, and
    whether it is a dry run."""

    body: bytes
    file_name: str
    area_code: str | None = None
    mapping: Mapping[str, str] = field(default_factory=dict)
    dry_run: bool = False


@dataclass
class RowResult:
    """What became of a ledger row: created, updated, unchanged or refused (its problems),
    the child's file, and a child on file it is possibly a duplicate of."""

    row: int
    outcome: str = "refused"
    child_id: uuid.UUID | None = None
    problems: list[RowProblem] = field(default_factory=list)
    possible_duplicate_of: uuid.UUID | None = None


@dataclass
class ImportReport:
    """An import's report, as the CLI prints it and the HTTP upload answers it."""

    file_name: str
    file_sha256: str
    dry_run: bool
    rows: list[RowResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: tuple[str, ...] = ()
    import_id: uuid.UUID | None = None

    def count(self, outcome: str) -> int:
        """Rows with this outcome."""
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def duplicates(self) -> int:
        """Rows reported as possible duplicates of a child on file."""
        return sum(1 for row in self.rows if row.possible_duplicate_of is not None)

    def counts(self) -> dict[str, int]:
        """The rows by outcome."""
        return {
            "rows": len(self.rows),
            **{o: self.count(o) for o in ("created", "updated", "unchanged", "refused")},
            "possibleDuplicates": self.duplicates,
        }

    def document(self) -> dict[str, Any]:
        """The report as a JSON document, its messages in the current language."""
        return {
            "importId": None if self.import_id is None else str(self.import_id),
            "kind": KIND,
            "fileName": self.file_name,
            "fileSha256": self.file_sha256,
            "dryRun": self.dry_run,
            # Rows with problems are refused; the others are imported (docs/imports.md).
            "policy": "good rows imported, rows with problems refused",
            "counts": self.counts(),
            "ignoredColumns": list(self.ignored_columns),
            "errors": [_problem(p) for p in self.problems],
            "rows": [_row_document(r) for r in self.rows],
        }


def _problem(problem: Problem, **more: object) -> dict[str, Any]:
    return {**more, "code": problem.code, "field": problem.field, "message": problem.render()}


def _row_document(row: RowResult) -> dict[str, Any]:
    found: dict[str, Any] = {"row": row.row, "outcome": row.outcome}
    if row.child_id is not None:
        found["childId"] = encode_global_id("Child", row.child_id)
    if row.possible_duplicate_of is not None:
        found["possibleDuplicateOf"] = encode_global_id("Child", row.possible_duplicate_of)
    if row.problems:
        found["errors"] = [
            {"row": p.row, "column": p.column, "code": p.problem.code,
             "message": p.problem.render()}
            for p in row.problems
        ]  # fmt: skip
    return found


@dataclass(frozen=True)
class _Parsed:
    header: Header | None
    rows: list[tuple[int, LedgerRow | None, list[RowProblem]]]
    problems: list[Problem]


def parse_ledger(request: ImportRequest, today: date) -> _Parsed:
    """The file read and each row parsed (app/domain/imports.py), or the file's problems."""
    try:
        table = read_table(request.body, request.file_name)
        header_cells = next(table, None)
        if header_cells is None:
            return _Parsed(None, [], [Problem("EMPTY_FILE", "file", "the file has no rows")])
        header = map_header(header_cells, request.mapping)
        if isinstance(header, list):
            return _Parsed(None, [], header)
        rows: list[tuple[int, LedgerRow | None, list[RowProblem]]] = []
        for number, values in enumerate(table, start=2):
            if is_blank(values):
                continue
            if len(rows) >= MAX_ROWS:
                too_many = Problem(
                    "TOO_MANY_ROWS", "file", "a ledger holds at most {most} rows: split it",
                    {"most": MAX_ROWS},
                )  # fmt: skip
                return _Parsed(header, [], [too_many])
            parsed, found = parse_row(number, row_cells(values, header), header.titles, today)
            rows.append((number, parsed, found))
    except UnreadableFile as error:
        return _Parsed(None, [], [error.problem])
    return _Parsed(header, rows, [])


async def run_import(
    sessions: async_sessionmaker[AsyncSession],
    actor: Actor,
    request: ImportRequest,
    reporter: Reporter,
) -> ImportReport:
    """Import a ledger as `actor` on its scoped `sessions`: the rows in one transaction (a
    dry run rolls it back), then the import's record and audit event."""
    parsed = parse_ledger(request, actor.today)
    report = ImportReport(
        file_name=request.file_name,
        file_sha256=file_hash(request.body),
        dry_run=request.dry_run,
        problems=parsed.problems,
        ignored_columns=() if parsed.header is None else parsed.header.ignored,
    )
    keys: list[dict[str, Any]] = []
    async with sessions() as session:
        if not parsed.problems:
            await session.begin()
            try:
                report.rows = await _import_rows(session, actor, request, parsed, reporter, keys)
                if request.dry_run:
                    await session.rollback()
            except BaseException:
                await session.rollback()
                raise
        if not session.in_transaction():
            await session.begin()
        await _record(session, actor, request, report)
        if keys and not request.dry_run:
            await _record_keys(session, report, keys)
        await session.commit()
    return report


async def _record(
    session: AsyncSession, actor: Actor, request: ImportRequest, report: ImportReport
) -> None:
    principal = actor.scope.principal
    report.import_id = uuid.uuid4()
    counts = report.counts()
    session.add(
        LedgerImport(
            id=report.import_id, area_code=principal.area_code, kind=KIND,
            imported_by_id=actor.user_id, importer_label=principal.label,
            imported_at=actor.now, file_name=request.file_name[:255],
            file_sha256=report.file_sha256, dry_run=request.dry_run, rows=counts["rows"],
            created=counts["created"], updated=counts["updated"],
            unchanged=counts["unchanged"], refused=counts["refused"],
            possible_duplicates=counts["possibleDuplicates"], report=report.document(),
        )
    )  # fmt: skip
    await session.flush()
    await write_audit_event(
        session,
        principal,
        action="importChildren",
        records=[f"LedgerImport:{report.import_id}"],
        operation_name="import children",
        query=f"{request.file_name} sha256={report.file_sha256} dry_run={request.dry_run}",
    )


async def _record_keys(
    session: AsyncSession, report: ImportReport, keys: list[dict[str, Any]]
) -> None:
    """The row keys of the children created without an ID number. A key recorded for a
    child no longer in sight (moved away) is taken over by the new child."""
    for start in range(0, len(keys), BATCH):
        statement = insert(ImportedRow).values(
            [{**key, "import_id": report.import_id} for key in keys[start : start + BATCH]]
        )
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[ImportedRow.row_key],
                set_={
                    "child_id": statement.excluded.child_id,
                    "area_code": statement.excluded.area_code,
                    "import_id": statement.excluded.import_id,
                },
            )
        )


class _Batch:
    """The rows of one batch and what the lookups found for them."""

    def __init__(self, rows: list[tuple[RowResult, LedgerRow]]) -> None:
        self.rows = rows
        self.areas: dict[int, str] = {}
        self.by_number: dict[str, Child] = {}
        self.by_key: dict[str, Child] = {}
        self.elsewhere: set[str] = set()


async def _import_rows(
    session: AsyncSession,
    actor: Actor,
    request: ImportRequest,
    parsed: _Parsed,
    reporter: Reporter,
    keys: list[dict[str, Any]],
) -> list[RowResult]:
    """Each row matched, then written or refused, batch by batch; the row keys of the
    children created without an ID number are added to `keys`."""
    results: list[RowResult] = []
    good: list[tuple[RowResult, LedgerRow]] = []
    for number, row, found in parsed.rows:
        result = RowResult(row=number, problems=found)
        results.append(result)
        if row is not None:
            good.append((result, row))
    places = await _Places.load(session, request.area_code)
    seen: dict[str, int] = {}
    with reporter.step("import children", len(parsed.rows)) as advance:
        advance(len(parsed.rows) - len(good))
        for start in range(0, len(good), BATCH):
            batch = _Batch(good[start : start + BATCH])
            await _match(session, actor, batch, places, seen)
            await _write(session, actor, batch, places, request.dry_run, keys)
            advance(len(batch.rows))
    return results


class _Places:
    """The villages rows go to: by the area code column, else the 村 column's name among
    the villages of the import's area, else the import's area when it is a village."""

    def __init__(self, default: Area | None, by_name: dict[str, list[str]]) -> None:
        self.default = default
        self.by_name = by_name
        self.names: dict[str, str] = {}

    @classmethod
    async def load(cls, session: AsyncSession, area_code: str | None) -> _Places:
        if area_code is None:
            return cls(None, {})
        default = await session.get(Area, area_code)
        by_name: dict[str, list[str]] = {}
        if default is not None:
            villages = await session.execute(
                select(Area.code, Area.name).where(
                    Area.code.startswith(area_code), Area.level == AreaLevel.VILLAGE
                )
            )
            for code, name in villages:
                by_name.setdefault(village_key(name), []).append(code)
        return cls(default, by_name)

    def village(self, row: LedgerRow) -> tuple[str | None, Problem | None]:
        if row.area_code is not None:
            return row.area_code, None
        if row.village is not None and self.by_name:
            codes = self.by_name.get(village_key(row.village), [])
            if len(codes) == 1:
                return codes[0], None
            return None, Problem(
                "UNKNOWN_VILLAGE", "village", "no single village named {name} in {area}",
                {"name": row.village, "area": self.default.code if self.default else ""},
            )  # fmt: skip
        if self.default is not None and self.default.level is AreaLevel.VILLAGE:
            return self.default.code, None
        return None, Problem(
            "INVALID_AREA", "areaCode", "the row has no village: give 地区代码 or 村, or --area"
        )


async def _match(
    session: AsyncSession, actor: Actor, batch: _Batch, places: _Places, seen: dict[str, int]
) -> None:
    """Each row's village (in the caller's scope), and the child on file it is, if any."""
    villages: set[str] = set()
    for result, row in batch.rows:
        code, problem = places.village(row)
        if problem is not None:
            result.problems.append(RowProblem(row.number, "地区代码", problem))
            continue
        assert code is not None
        villages.add(code)
        batch.areas[row.number] = code
    known = {
        area.code: area
        for area in await session.scalars(select(Area).where(Area.code.in_(villages)))
    }
    for result, row in batch.rows:
        code = batch.areas.get(row.number)
        if code is None:
            continue
        area = known.get(code)
        if area is None or area.level is not AreaLevel.VILLAGE:
            problem = Problem("INVALID_AREA", "areaCode", "not a village code")
        elif not actor.scope.allows("child_file", "write", code):
            problem = Problem(
                "FORBIDDEN", "areaCode", "you may not write children's files in {area}",
                {"area": code},
            )  # fmt: skip
        else:
            places.names[code] = area.name
            continue
        del batch.areas[row.number]
        result.problems.append(RowProblem(row.number, "地区代码", problem))
    live = [(r, row) for r, row in batch.rows if row.number in batch.areas]
    # The same child twice in the ledger: the first row stands, the others are refused.
    for result, row in live:
        key = row.id_number or row_key(batch.areas[row.number], row)
        if key in seen:
            del batch.areas[row.number]
            result.problems.append(
                RowProblem(
                    row.number, "姓名",
                    Problem("DUPLICATE_ROW", "name", "the same child as row {row}",
                            {"row": seen[key]}),
                )
            )  # fmt: skip
        else:
            seen[key] = row.number
    numbers = [row.id_number for _, row in live if row.id_number]
    if numbers:
        prints = fingerprints(numbers)
        on_file = await session.scalars(
            select(Child).where(Child.id_number_hash.in_(list(prints)), Child.deleted_at.is_(None))
        )
        for child in on_file:
            batch.by_number[str(child.id_number)] = child
        unseen = {p: n for p, n in prints.items() if n not in batch.by_number}
        if unseen:
            found = await session.scalars(_ON_FILE, {"prints": list(unseen)})
            batch.elsewhere = {unseen[p] for p in found}
    keys = {
        row_key(batch.areas[row.number], row): row
        for _, row in live
        if not row.id_number and row.number in batch.areas
    }
    if keys:
        recorded = await session.execute(
            select(ImportedRow.row_key, Child)
            .join(Child, Child.id == ImportedRow.child_id)
            .where(ImportedRow.row_key.in_(list(keys)), Child.deleted_at.is_(None))
        )
        for key, child in recorded:
            batch.by_key[key] = child


def _on_file(batch: _Batch, row: LedgerRow) -> Child | None:
    if row.id_number:
        return batch.by_number.get(row.id_number)
    return batch.by_key.get(row_key(batch.areas[row.number], row))


async def _write(
    session: AsyncSession,
    actor: Actor,
    batch: _Batch,
    places: _Places,
    dry_run: bool,
    keys: list[dict[str, Any]],
) -> None:
    new: list[tuple[RowResult, LedgerRow]] = []
    matched: list[tuple[RowResult, LedgerRow, Child]] = []
    for result, row in batch.rows:
        if row.number not in batch.areas:
            continue
        child = _on_file(batch, row)
        if child is not None:
            matched.append((result, row, child))
        elif row.id_number and row.id_number in batch.elsewhere:
            await _under_review(
                session, actor, result, row, batch.areas[row.number], places, dry_run
            )
        else:
            new.append((result, row))
    schools = await _schools(session, actor, [(r, row) for r, row, _ in matched])
    files = await _Files.load(session, [child for _, _, child in matched])
    for result, row, child in matched:
        result.child_id = child.id
        school = schools.get(row.school) if row.school is not None else None
        if isinstance(school, Problem):
            _service_problems(result, [school])
        elif files.differs(row, child, school):
            await _update(session, actor, result, row, child, school, dry_run)
        else:
            result.outcome = "unchanged"  # nothing to write, nothing read row by row
    if new:
        await _create(session, actor, batch, new, places, keys)


@dataclass
class _Files:
    """What is on file of a batch's matched children, read for all of them at once: their
    households, parents by relation, and active guardians' names."""

    households: dict[uuid.UUID, Household]
    parents: dict[uuid.UUID, dict[ParentRelation, Parent]]
    guardians: dict[uuid.UUID, str]

    @classmethod
    async def load(cls, session: AsyncSession, children: Sequence[Child]) -> _Files:
        household_ids = {child.household_id for child in children}
        files = cls({}, {}, {})
        if not children:
            return files
        for household in await session.scalars(
            select(Household).where(Household.id.in_(household_ids))
        ):
            files.households[household.id] = household
        for parent in await session.scalars(
            select(Parent).where(
                Parent.household_id.in_(household_ids), Parent.deleted_at.is_(None)
            )
        ):
            files.parents.setdefault(parent.household_id, {})[parent.relation] = parent
        for child_id, name in await session.execute(
            select(Guardianship.child_id, Guardianship.guardian_name).where(
                Guardianship.child_id.in_([child.id for child in children]),
                Guardianship.status == GuardianshipStatus.ACTIVE,
                Guardianship.deleted_at.is_(None),
            )
        ):
            files.guardians[child_id] = name
        return files

    def differs(self, row: LedgerRow, child: Child, school_id: uuid.UUID | None) -> bool:
        """Whether the row has a value the file lacks or holds otherwise (what _update
        would write)."""
        if _child_changes(row, child, school_id):
            return True
        household = self.households.get(child.household_id)
        if household is not None and (
            any(getattr(household, k) != v for k, v in row.poverty.items())
            or (row.address is not None and household.address != row.address)
        ):
            return True
        stored = self.parents.get(child.household_id, {})
        for who, parent in row.parents:
            on_file = stored.get(_RELATIONS[who])
            if on_file is None or _parent_changes(parent, on_file):
                return True
        return row.guardian is not None and self.guardians.get(child.id) != row.guardian.name


async def _under_review(
    session: AsyncSession,
    actor: Actor,
    result: RowResult,
    row: LedgerRow,
    area_code: str,
    places: _Places,
    dry_run: bool,
) -> None:
    """An ID number on file out of the caller's sight: refused as registerChild refuses it,
    and passed on to be reconciled (not on a dry run, which writes nothing)."""
    result.problems.append(
        RowProblem(
            row.number, "身份证号",
            Problem(
                "ID_NUMBER_UNDER_REVIEW", "idNumber",
                "this ID number cannot be registered here now: it has been passed to the "
                "township supervisor to check",
            ),
        )
    )  # fmt: skip
    if dry_run:
        return
    reported = await session.scalar(
        select(DuplicateReport.id).where(
            DuplicateReport.area_code == area_code,
            DuplicateReport.name == row.name,
            DuplicateReport.birth_date == row.birth_date,
            DuplicateReport.gender == row.gender,
        )
    )
    if reported is not None:
        return  # reported by an earlier import of the row: nothing new to pass on
    household_data, parent_records, found = _family(row, area_code, places, actor)
    if household_data is None or found:
        return
    # The family the ledger names, as registerChild's caller has it on file: the report
    # names the household the child was to join.
    household = Household(
        id=uuid.uuid4(), created_by_id=actor.user_id, **household_values(household_data)
    )
    session.add(household)
    await session.flush()
    session.add_all([_new_parent(record, household) for _, record in parent_records])
    await session.flush()
    assert row.id_number is not None
    await session.execute(
        REPORT_DUPLICATE,
        {
            "id_number_prints": list(fingerprints([row.id_number])), "area_code": area_code,
            "household_id": household.id, "attempted_child_id": None, "name": row.name,
            "gender": row.gender.value, "birth_date": row.birth_date,
            "reported_by": actor.user_id, "reporter_label": actor.scope.principal.label,
            "reported_at": actor.now,
        },
    )  # fmt: skip


def _column(field_name: str, parents: Sequence[str] = ()) -> str:
    """The ledger column of a service's problem field."""
    if field_name.startswith("parents."):
        _, index, rest = field_name.split(".", 2)
        who = parents[int(index)] if int(index) < len(parents) else "father"
        return f"{who}_{_PARENT_FIELDS.get(rest, 'name')}"
    return _FIELDS.get(field_name, "name")


def _service_problems(
    result: RowResult, found: Sequence[Problem], parents: Sequence[str] = ()
) -> None:
    for problem in found:
        key = _column(problem.field, parents)
        result.problems.append(RowProblem(result.row, standard_header(key), problem))
    result.outcome = "refused"


def _child_changes(row: LedgerRow, child: Child, school_id: uuid.UUID | None) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "name": row.name, "gender": row.gender, "birth_date": row.birth_date,
        "id_number": row.id_number, "student_number": row.student_number,
        "school_id": school_id, "living_arrangement": row.living_arrangement,
        "school_status": row.school_status, **row.facts,
    }  # fmt: skip
    return {
        key: value
        for key, value in wanted.items()
        if key in row.given and value is not None and getattr(child, key) != value
    }


def _parent_changes(parent: LedgerParent, stored: Parent) -> dict[str, Any]:
    wanted: dict[str, Any] = {
        "name": parent.name, "id_number": parent.id_number, "phone": parent.phone,
        "work_place": parent.work_place,
    }  # fmt: skip
    if parent.away and stored.status in (ParentStatus.AT_HOME, ParentStatus.UNKNOWN):
        wanted["status"] = ParentStatus.WORKING_AWAY
    return {k: v for k, v in wanted.items() if v is not None and getattr(stored, k) != v}


async def _school(session: AsyncSession, actor: Actor, name: str | None) -> uuid.UUID | Problem:
    """The school a row names, by its name: one school of that name, or a problem."""
    if name is None:
        return Problem("REQUIRED", "schoolId", "this field is required")
    found = list(
        await session.scalars(
            select(Organization.id).where(
                Organization.name == name, Organization.kind == OrganizationKind.SCHOOL
            )
        )
    )
    if len(found) != 1:
        return Problem(
            "UNKNOWN_SCHOOL", "schoolId", "no single school named {name}", {"name": name}
        )
    principal = actor.scope.principal
    problem = check_school(
        found[0],
        OrganizationKind.SCHOOL,
        calling_school=principal.organization_id if principal.role is Role.SCHOOL else None,
    )
    return found[0] if problem is None else problem


async def _update(
    session: AsyncSession,
    actor: Actor,
    result: RowResult,
    row: LedgerRow,
    child: Child,
    school_id: uuid.UUID | None,
    dry_run: bool,
) -> None:
    """A child on file: the services' own updates, with the fields that differ, in a
    savepoint of the row's own."""
    changed = False
    try:
        async with session.begin_nested():
            changes = _child_changes(row, child, school_id)
            if changes:
                await update_child(session, actor, child.id, child.version, changes)
                changed = True
            household = await session.get(Household, child.household_id)
            if household is not None:
                changed |= await _update_household(session, actor, row, household)
            changed |= await _update_guardian(session, actor, row, child)
    except DomainError as error:
        _service_problems(result, error.problems)
        if error.after is not None and not dry_run:
            await error.after(session)
        return
    result.outcome = "updated" if changed else "unchanged"


async def _update_household(
    session: AsyncSession, actor: Actor, row: LedgerRow, household: Household
) -> bool:
    changed = False
    changes: dict[str, Any] = {k: v for k, v in row.poverty.items() if getattr(household, k) != v}
    if row.address is not None and household.address != row.address:
        changes["address"] = row.address
    if changes:
        await update_household(session, actor, household.id, household.version, changes)
        changed = True
    stored = {
        parent.relation: parent
        for parent in await session.scalars(
            select(Parent).where(Parent.household_id == household.id, Parent.deleted_at.is_(None))
        )
    }
    added: list[Parent] = []
    for index, (who, parent) in enumerate(row.parents):
        on_file = stored.get(_RELATIONS[who])
        if on_file is not None:
            parent_changes = _parent_changes(parent, on_file)
            if parent_changes:
                await update_parent(session, actor, on_file.id, on_file.version, parent_changes)
                changed = True
            continue
        record, found = _parent_record(who, parent, index, actor)
        if record is None or found:
            raise DomainError(found)
        added.append(_new_parent(record, household))
    if added:
        # A parent the ledger names and the file lacks: added as registerHousehold adds it.
        session.add_all(added)
        await session.flush()
        children = list(
            await session.scalars(select(Child.id).where(Child.household_id == household.id))
        )
        await refresh_children(session, children, actor.today)
        await apply_task_rules(session, actor, children)
        changed = True
    return changed


async def _update_guardian(
    session: AsyncSession, actor: Actor, row: LedgerRow, child: Child
) -> bool:
    """A guardian the ledger names who is not the child's active one: entrusted (the
    active guardianship ends today, as entrustGuardian ends it)."""
    if row.guardian is None:
        return False
    active = await session.scalar(
        select(Guardianship).where(
            Guardianship.child_id == child.id,
            Guardianship.status == GuardianshipStatus.ACTIVE,
            Guardianship.deleted_at.is_(None),
        )
    )
    if active is not None and active.guardian_name == row.guardian.name:
        return False
    guardian = row.guardian
    changes = {
        "child_id": child.id, "guardian_name": guardian.name, "relation": guardian.relation,
        "phone": guardian.phone, "id_number": guardian.id_number,
    }  # fmt: skip
    await entrust_guardian(session, actor, New(None, changes))
    return True


def _parent_record(
    who: str, parent: LedgerParent, index: int, actor: Actor
) -> tuple[ParentData | None, list[Problem]]:
    changes = {
        "relation": _RELATIONS[who], "name": parent.name, "id_number": parent.id_number,
        "phone": parent.phone, "work_place": parent.work_place,
        "status": ParentStatus.WORKING_AWAY if parent.away else ParentStatus.AT_HOME,
    }  # fmt: skip
    record, found = merge_create(ParentData, changes, prefix=f"parents.{index}.")
    if record is not None:
        found += parent_problems(record, index, actor)
    return record, found


def _new_parent(record: ParentData, household: Household) -> Parent:
    return Parent(
        id=uuid.uuid4(),
        household_id=household.id,
        area_code=household.area_code,
        **parent_values(record),
    )


def _guardian_problems(guardian: LedgerGuardian, actor: Actor) -> list[Problem]:
    # entrustGuardian's checks (app/services/guardianships.py), on the same fields.
    return problems(
        check_required(guardian.name, "guardianName"),
        check_length(guardian.name, "guardianName", 100),
        check_phone(guardian.phone, "phone"),
        check_id_number(guardian.id_number, "idNumber", today=actor.today),
        check_guardian_adult(guardian.id_number, "idNumber", actor.today),
    )


def _family(
    row: LedgerRow, area_code: str, places: _Places, actor: Actor
) -> tuple[HouseholdData | None, list[tuple[str, ParentData]], list[Problem]]:
    """A row's household and parents as registerHousehold takes them, with their problems.
    A row without an address gets the village's name as its address."""
    found: list[Problem] = []
    parent_records: list[tuple[str, ParentData]] = []
    for index, (who, parent) in enumerate(row.parents):
        record, missing = _parent_record(who, parent, index, actor)
        found += missing
        if record is not None:
            parent_records.append((who, record))
    address = row.address or places.names[area_code]
    household_data, missing = merge_create(
        HouseholdData, {"area_code": area_code, "address": address, **row.poverty}
    )
    found += missing + ([] if household_data is None else household_problems(household_data))
    return household_data, parent_records, found


def _facts(
    child: ChildData,
    household: HouseholdData,
    parent_statuses: tuple[ParentStatus, ...],
    row: LedgerRow,
) -> ChildFacts:
    """What derivation reads of a new child of a new household: the values about to be
    written (the guardian entrusted with it is unassessed and unconfirmed)."""
    return ChildFacts(
        birth_date=child.birth_date,
        parent_statuses=parent_statuses,
        living_arrangement=child.living_arrangement,
        school_status=child.school_status,
        no_household_registration=child.no_household_registration,
        disability=child.disability,
        serious_illness=child.serious_illness,
        household_minimum_allowance=household.minimum_allowance,
        household_extreme_poverty=household.extreme_poverty,
        household_registered_poverty=household.registered_poverty,
        safety_risk=child.safety_risk,
        scattered_orphan=child.scattered_orphan,
        has_active_guardian=row.guardian is not None,
        guardian_capacity=GuardianCapacity.UNASSESSED if row.guardian is not None else None,
        guardianship_confirmed=False,
        recorded_key_reasons=frozenset(child.recorded_key_reasons),
    )


def _sealed(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """A row's values as its table stores them: the ID number sealed beside its fingerprint."""
    number = values.pop("id_number", None)
    enc, fingerprint = sealed_pair(number, f"{model.__tablename__}.id_number")
    return {**values, "id_number_enc": enc, "id_number_hash": fingerprint}


async def _insert(
    session: AsyncSession, rows_of: Mapping[Any, list[dict[str, Any]]], joined: set[uuid.UUID]
) -> None:
    """The new rows, a statement per table (households first: the others point at them),
    the search keys of the new households and children written with COPY (those of the
    families on file they joined computed again), and their villages' statistics marked for
    the commit's refresh: what the session's hooks do for rows written through the ORM."""
    for model in (Household, Parent, Child, Guardianship):
        if rows_of[model]:
            await _insert_rows(session, cast(Table, model.__table__), rows_of[model])
    conn = await session.connection()
    await index_new_households(conn, [row["id"] for row in rows_of[Household]])
    new_households = {row["id"] for row in rows_of[Household]}
    await index_new_children(
        conn, [row["id"] for row in rows_of[Child] if row["household_id"] in new_households]
    )
    if joined:
        await conn.run_sync(lambda sync: reindex(sync, set(), set(joined)))
    mark_villages_written(session, {row["area_code"] for row in rows_of[Child]})


async def _insert_rows(session: AsyncSession, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows of one table (all with the same columns) and the columns' defaults, as an
    INSERT of them would write them: copied (COPY) into a temporary table, then inserted
    from it in one statement. PostgreSQL refuses COPY into a table with row-level
    security; the INSERT … SELECT goes through its policies as any insert does."""
    given = list(rows[0])
    # Computed once for the statement (created_at: the same instant for the batch).
    defaults = {c.name: _default(c) for c in table.c if c.default is not None and c.name
                not in rows[0]}  # fmt: skip
    columns = [*given, *defaults]
    extra = tuple(defaults.values())
    records = [(*(row[name] for name in given), *extra) for row in rows]
    listed = ", ".join(columns)
    staging = f"import_{table.name}"
    await session.execute(
        text(
            f"CREATE TEMPORARY TABLE {staging} ON COMMIT DROP AS"
            f" SELECT {listed} FROM {table.name} WITH NO DATA"
        )
    )
    driver = await raw_connection(await session.connection())
    await driver.copy_records_to_table(staging, records=records, columns=columns)
    await session.execute(
        text(f"INSERT INTO {table.name} ({listed}) SELECT {listed} FROM {staging}")
    )
    await session.execute(text(f"DROP TABLE {staging}"))


def _default(column: Any) -> object:
    """A column's default as SQLAlchemy computes it for an INSERT that leaves it out."""
    default = column.default
    return default.arg(None) if default.is_callable else default.arg


async def _join(
    session: AsyncSession,
    actor: Actor,
    result: RowResult,
    row: LedgerRow,
    household_id: uuid.UUID,
    identity: ChildIdentity,
) -> bool:
    """A new child of a family on file: registerChild's check of a twin entry in the
    household, and the ledger's values for the household and parents written as for a
    child on file (so that the same ledger again changes nothing). False: refused."""
    household = await session.get(Household, household_id)
    try:
        async with session.begin_nested():
            await refuse_twin_entry(session, household_id, identity, None)
            if household is not None:
                await _update_household(session, actor, row, household)
    except DomainError as error:
        _service_problems(result, error.problems)
        return False
    return True


def _household_key(area_code: str, row: LedgerRow) -> tuple[str, ...] | None:
    """Rows of one family share a household: the same village and the same parents (by ID
    number where the ledger has them, else by name and address). None: a row naming no
    parent has a household of its own."""
    if not row.parents:
        return None
    numbers = tuple(sorted(p.id_number for _, p in row.parents if p.id_number))
    if numbers:
        return (area_code, *numbers)
    return (area_code, row.address or "", *(f"{who}={p.name}" for who, p in row.parents))


async def _households_on_file(
    session: AsyncSession, rows: Sequence[LedgerRow]
) -> dict[str, uuid.UUID]:
    """Households on file (in scope) of the parents the rows name by ID number."""
    numbers = [p.id_number for row in rows for _, p in row.parents if p.id_number]
    if not numbers:
        return {}
    found = await session.scalars(
        select(Parent).where(
            Parent.id_number_hash.in_(fingerprints(numbers)), Parent.deleted_at.is_(None)
        )
    )
    return {str(parent.id_number): parent.household_id for parent in found}


async def _duplicates(session: AsyncSession, rows: Sequence[LedgerRow]) -> dict[int, uuid.UUID]:
    """The child on file (in scope) each new row is possibly a duplicate of
    (app/domain/imports.possible_duplicate)."""
    pairs = {(row.name, row.birth_date) for row in rows}
    if not pairs:
        return {}
    # One text of each pair, a long IN list of one expression, which PostgreSQL hashes:
    # only the children of the rows' pairs are read, however many share a name or a day.
    pair = Child.name + "\x1f" + func.to_char(Child.birth_date, "YYYY-MM-DD")
    candidates = list(
        await session.scalars(
            select(Child).where(
                pair.in_([f"{name}\x1f{born.isoformat()}" for name, born in pairs]),
                Child.deleted_at.is_(None),
                Child.merged_into_id.is_(None),
            )
        )
    )
    if not candidates:
        return {}
    parents: dict[uuid.UUID, list[Parent]] = {}
    for parent in await session.scalars(
        select(Parent).where(
            Parent.household_id.in_({c.household_id for c in candidates}),
            Parent.deleted_at.is_(None),
        )
    ):
        parents.setdefault(parent.household_id, []).append(parent)
    people: dict[tuple[str, date], list[tuple[uuid.UUID, Person]]] = {}
    for child in candidates:
        person = Person(
            child.name, child.birth_date,
            frozenset(p.name for p in parents.get(child.household_id, [])),
            frozenset(str(p.id_number) for p in parents.get(child.household_id, [])
                      if p.id_number),
        )  # fmt: skip
        people.setdefault(duplicate_key(person), []).append((child.id, person))
    found: dict[int, uuid.UUID] = {}
    for row in rows:
        person = person_of(row)
        for child_id, on_file in people.get(duplicate_key(person), []):
            if possible_duplicate(person, on_file):
                found[row.number] = child_id
                break
    return found


async def _schools(
    session: AsyncSession, actor: Actor, rows: Sequence[tuple[RowResult, LedgerRow]]
) -> dict[str, uuid.UUID | Problem]:
    names = {row.school for _, row in rows if row.school is not None}
    return {name: await _school(session, actor, name) for name in names}


async def _create(
    session: AsyncSession,
    actor: Actor,
    batch: _Batch,
    rows: list[tuple[RowResult, LedgerRow]],
    places: _Places,
    keys: list[dict[str, Any]],
) -> None:
    """New children in bulk, with their households, parents and guardians: each checked by
    the rules of the services that create them, then written, derived and given to the task
    rules together."""
    schools = await _schools(session, actor, rows)
    on_file = await _households_on_file(session, [row for _, row in rows])
    duplicates = await _duplicates(session, [row for _, row in rows])
    households: dict[tuple[str, ...], uuid.UUID] = {}
    members: dict[uuid.UUID, list[ChildIdentity]] = {}
    rows_of: dict[Any, list[dict[str, Any]]] = {Household: [], Parent: [], Child: [],
                                                Guardianship: []}  # fmt: skip
    joined: set[uuid.UUID] = set()
    # What derivation reads of the households created here (their rows are in memory).
    families: dict[uuid.UUID, tuple[HouseholdData, tuple[ParentStatus, ...]]] = {}
    created: list[uuid.UUID] = []
    to_refresh: list[uuid.UUID] = []
    recorded: list[dict[str, Any]] = []
    for result, row in rows:
        area_code = batch.areas[row.number]
        school = schools.get(row.school) if row.school is not None else None
        if isinstance(school, Problem):
            _service_problems(result, [school])
            continue
        household_data, parent_records, found = _family(row, area_code, places, actor)
        if row.guardian is not None:
            found += _guardian_problems(row.guardian, actor)
        key = _household_key(area_code, row)
        household_id = next(
            (on_file[p.id_number] for _, p in row.parents if p.id_number in on_file), None
        )
        household = households.get(key) if key is not None else None
        child_data, missing = merge_create(
            ChildData,
            {
                "household_id": household_id or household or uuid.uuid4(),
                "name": row.name, "gender": row.gender, "birth_date": row.birth_date,
                "id_number": row.id_number,
                "student_number": row.student_number, "school_id": school,
                "living_arrangement": row.living_arrangement,
                "school_status": row.school_status, **row.facts,
            },
        )  # fmt: skip
        found += missing
        if child_data is not None:
            # A ledger row may lack the ID number registerChild requires (docs/imports.md).
            found += [p for p in child_problems(child_data, actor) if p.code != "REQUIRED"
                      or p.field != "idNumber"]  # fmt: skip
        if found or child_data is None or household_data is None:
            _service_problems(result, found, [who for who, _ in row.parents])
            continue
        values = child_values(child_data)
        twin = next(
            (c for c in members.get(child_data.household_id, [])
             if same_child(child_identity(values), c)),
            None,
        )  # fmt: skip
        if twin is not None:
            _service_problems(
                result,
                [Problem("DUPLICATE_CHILD", "name", "a child of this name, birth date and gender "
                         "is already on file in the household")],
            )  # fmt: skip
            continue
        if household_id is not None and not await _join(
            session, actor, result, row, household_id, child_identity(values)
        ):
            continue
        if household_id is not None:
            joined.add(household_id)
        elif household is None:
            rows_of[Household].append(
                {
                    "id": child_data.household_id,
                    "created_by_id": actor.user_id,
                    **household_values(household_data),
                }
            )
            rows_of[Parent] += [
                _sealed(Parent, {"id": uuid.uuid4(), "household_id": child_data.household_id,
                                 "area_code": area_code, **parent_values(record)})
                for _, record in parent_records
            ]  # fmt: skip
            families[child_data.household_id] = (
                household_data,
                tuple(record.status for _, record in parent_records),
            )
            if key is not None:
                households[key] = child_data.household_id
        child_id = uuid.uuid4()
        members.setdefault(child_data.household_id, []).append(child_identity(values))
        family = families.get(child_data.household_id)
        if family is None:
            to_refresh.append(child_id)
        facts = None if family is None else _facts(child_data, *family, row)
        rows_of[Child].append(
            _sealed(Child, {"id": child_id, "area_code": area_code,
                            "created_by_id": actor.user_id, **values,
                            **new_child_derived(facts, actor.today)})
        )  # fmt: skip
        if row.guardian is not None:
            rows_of[Guardianship].append(
                _sealed(Guardianship, {
                    "id": uuid.uuid4(), "child_id": child_id, "area_code": area_code,
                    "guardian_name": row.guardian.name.strip(), "relation": row.guardian.relation,
                    "phone": row.guardian.phone, "id_number": row.guardian.id_number,
                    "starts_on": actor.today, "capacity": GuardianCapacity.UNASSESSED,
                    "status": GuardianshipStatus.ACTIVE,
                })
            )  # fmt: skip
        result.outcome, result.child_id = "created", child_id
        result.possible_duplicate_of = duplicates.get(row.number)
        created.append(child_id)
        if not row.id_number:
            recorded.append(
                {"row_key": row_key(area_code, row), "child_id": child_id, "area_code": area_code}
            )
    if not created:
        return
    await _insert(session, rows_of, joined)
    # The children of households on file are derived from what the file holds.
    await refresh_children(session, to_refresh, actor.today)
    await apply_task_rules(session, actor, created)
    keys.extend(recorded)
