"""Generated child files: households, parents, children, guardians, visits and cases.

One generator serves the demo data and the synthetic benchmark data. It is deterministic for
a given seed and reference date, produces plain tuples in the column order of `COLUMNS`, and
its shares follow what the policy texts and national figures make plausible: most children on
file are left-behind with both parents working away, a minority are children in difficulty,
and a few per hundred are key children.
"""

from __future__ import annotations

import random
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from app import clock
from app.domain.case_deadlines import STAGE_ORDER, stage_due_at
from app.domain.classification import age_on, is_left_behind
from app.domain.derivation import derive
from app.domain.facts import ChildFacts
from app.domain.idnumber import make_id_number
from app.domain.key_child import key_child_reasons
from app.domain.schedule import next_regular_visit_due
from app.enums import (
    CaseCategory,
    CaseEventKind,
    CaseMeasure,
    CaseStage,
    ContactFrequency,
    DropoutFollowUp,
    Finding,
    Gender,
    GuardianCapacity,
    GuardianRelation,
    KeyChildReason,
    LivingArrangement,
    ParentRelation,
    ParentStatus,
    ReportSource,
    SchoolStatus,
    VisitKind,
)
from app.idcrypto import sealed_pair
from app.models import Child, Guardianship, Parent
from app.seed import names

COLUMNS: dict[str, tuple[str, ...]] = {
    "households": (
        "id", "area_code", "address", "phone",
        "minimum_allowance", "extreme_poverty", "registered_poverty",
    ),
    "parents": (
        "id", "household_id", "area_code", "relation", "name", "id_number_enc",
        "id_number_hash", "phone", "status",
        "work_place", "work_province_code", "away_since", "contact_frequency",
        "last_contact_on", "home_at_holidays",
    ),
    "children": (
        "id", "household_id", "area_code", "name", "gender", "birth_date", "id_number_enc",
        "id_number_hash", "no_household_registration", "school_id", "student_number",
        "school_status", "disability", "serious_illness", "safety_risk", "scattered_orphan",
        "recorded_key_reasons", "living_arrangement", "categories", "key_reasons",
        "is_key_child", "has_confirmed_guardian", "last_visit_at", "next_visit_due",
        "derived_on",
    ),
    "guardianships": (
        "id", "child_id", "area_code", "guardian_name", "relation", "phone", "id_number_enc",
        "id_number_hash", "capacity", "capacity_assessed_by_id", "capacity_assessed_at",
        "agreement_signed", "confirmed_by_id", "confirmed_at", "starts_on",
    ),
    "visits": (
        "id", "child_id", "area_code", "visitor_id", "visited_at", "kind",
        "living_conditions", "guardianship", "schooling", "health", "mental_state",
        "risks_found", "notes", "next_visit_due",
    ),
    "cases": (
        "id", "child_id", "area_code", "category", "source", "reporter_id",
        "reporter_organization_id", "reporter_name", "reported_at", "description",
        "reported_to_police", "stage", "stage_entered_at", "due_at", "assignee_id",
        "closed_at", "close_reason", "dropout_follow_up",
    ),
    "case_events": (
        "id", "case_id", "area_code", "kind", "actor_id", "occurred_at", "from_stage",
        "to_stage", "measure", "note",
    ),
}  # fmt: skip

# The measures the seed draws from (the four it has always drawn, so that its data stays
# the same as measures are added).
SEEDED_MEASURES = (
    CaseMeasure.WARNING_LETTER,
    CaseMeasure.PROTECTION_ORDER,
    CaseMeasure.PLACEMENT,
    CaseMeasure.REVOCATION_PETITION,
)

# Household situations and their shares among the families on file.
_SITUATIONS: tuple[tuple[str, float], ...] = (
    ("both_away", 0.55),
    ("father_away", 0.13),
    ("mother_away", 0.03),
    ("away_and_unable", 0.07),
    ("both_home", 0.17),
    ("orphaned", 0.015),
    ("unknown", 0.035),
)
_UNABLE = (
    ParentStatus.DECEASED,
    ParentStatus.INCAPACITATED,
    ParentStatus.IMPRISONED,
    ParentStatus.MISSING,
)
_CASE_CATEGORY_BY_REASON = {
    KeyChildReason.LIVING_ALONE: CaseCategory.LIVING_ALONE,
    KeyChildReason.DROPPED_OUT: CaseCategory.DROPOUT,
    KeyChildReason.DOMESTIC_VIOLENCE: CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE,
    KeyChildReason.POOR_GUARDIANSHIP: CaseCategory.GUARDIAN_NEGLECT,
}
_CASE_NOTES = {
    CaseCategory.LIVING_ALONE: "发现儿童独自居住,无人照料",
    CaseCategory.MISSING: "监护人报告儿童离家未归",
    CaseCategory.GUARDIAN_INCAPABLE: "受委托监护人年老体弱,无力照料",
    CaseCategory.GUARDIAN_NEGLECT: "监护人长期不在家,儿童生活无人照管",
    CaseCategory.SUSPECTED_DOMESTIC_VIOLENCE: "儿童身上发现多处伤痕,疑似遭受家庭暴力",
    CaseCategory.SUSPECTED_ABUSE_OR_INJURY: "儿童意外受伤,监护人未及时送医",
    CaseCategory.DROPOUT: "学校报告学生连续多日无故缺课",
    CaseCategory.OTHER: "群众反映儿童情况异常",
}
_REPORT_SOURCES = (
    (ReportSource.VILLAGE, 0.45),
    (ReportSource.SCHOOL, 0.2),
    (ReportSource.POLICE, 0.08),
    (ReportSource.PUBLIC, 0.1),
    (ReportSource.HOTLINE, 0.07),
    (ReportSource.CLINIC, 0.05),
    (ReportSource.KINDERGARTEN, 0.02),
    (ReportSource.NGO, 0.03),
)
# 60% good, 32% fair, 8% poor, as a lookup table: indexing is much cheaper than choices().
_FINDING_POOL = (Finding.GOOD.value,) * 60 + (Finding.FAIR.value,) * 32 + (Finding.POOR.value,) * 8


@dataclass(frozen=True)
class VillagePlace:
    """A village children are generated in, with who works there."""

    code: str
    name: str
    director_id: uuid.UUID
    school_id: uuid.UUID | None = None
    police_station_id: uuid.UUID | None = None


@dataclass
class Batch:
    """Rows of several tables, in COLUMNS order, ready for COPY."""

    rows: dict[str, list[tuple[Any, ...]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: tuple[Any, ...]) -> None:
        """Queue one row for `table`."""
        self.rows[table].append(row)

    def count(self, table: str) -> int:
        """How many rows of `table` are queued."""
        return len(self.rows.get(table, ()))


@dataclass(frozen=True)
class GeneratedChild:
    """What the demo overlay needs to know about a child after generation."""

    id: uuid.UUID
    village: str
    name: str
    birth_date: date
    school_id: uuid.UUID | None
    student_number: str | None
    id_number: str | None
    key_reasons: tuple[KeyChildReason, ...]


class ChildFileGenerator:
    """Generates families village by village, deterministically from a seed.

    `id_sequences` is the range of the 3-digit sequence part of generated ID numbers: demo
    and synthetic data use different ranges, so both can live in one database.
    """

    def __init__(self, seed: int, today: date, *, id_sequences: range = range(100, 1000)) -> None:
        self.rng = random.Random(seed)
        self.today = today
        # The seed's moment: the end of the working day, local time.
        self.now = datetime.combine(today, time(18, 0), tzinfo=clock.zone())
        self._id_sequences = id_sequences
        self._id_counters: dict[tuple[str, date, int], int] = defaultdict(int)
        self._student_counters: dict[uuid.UUID, int] = defaultdict(int)
        self._situations = [s for s, _ in _SITUATIONS]
        self._situation_weights = [w for _, w in _SITUATIONS]

    # ---- small draws -------------------------------------------------------------------

    def new_id(self) -> uuid.UUID:
        """A random (version 4) UUID from this generator's stream."""
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def _chance(self, p: float) -> bool:
        return self.rng.random() < p

    def _days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def _moment(self, day: date) -> datetime:
        """A moment in working hours (08:00-18:00, local time) of `day`."""
        seconds = 8 * 3600 + int(self.rng.random() * 36_000)
        return clock.start_of_day(day) + timedelta(seconds=seconds)

    def id_number(self, region: str, birth_date: date, gender: Gender) -> str | None:
        """A valid, unique ID number, or None when the sequence range is used up."""
        parity = 1 if gender is Gender.MALE else 0
        key = (region, birth_date, parity)
        slot = self._id_counters[key]
        self._id_counters[key] = slot + 1
        sequence = self._id_sequences.start + slot * 2 + parity
        if sequence >= self._id_sequences.stop:
            return None
        return make_id_number(region, birth_date, sequence)

    def _birth_date(self, min_age: int, max_age: int) -> date:
        return self._days_ago(min_age * 365 + 1, max_age * 365 + 364)

    # ---- families ----------------------------------------------------------------------

    def household(self, batch: Batch, village: VillagePlace, children: int) -> list[GeneratedChild]:
        """One household with its parents, `children` children and everything about them."""
        rng = self.rng
        household_id = self.new_id()
        minimum_allowance = self._chance(0.12)
        extreme_poverty = self._chance(0.03)
        registered_poverty = self._chance(0.1)
        batch.add(
            "households",
            (
                household_id, village.code, names.address(rng, village.name),
                names.mobile_phone(rng), minimum_allowance, extreme_poverty, registered_poverty,
            ),
        )  # fmt: skip
        situation = rng.choices(self._situations, self._situation_weights)[0]
        father_status, mother_status = self._parent_statuses(situation)
        family_name = names.surname(rng)
        county = village.code[:6]
        for relation, status in (
            (ParentRelation.FATHER, father_status),
            (ParentRelation.MOTHER, mother_status),
        ):
            self._parent(batch, household_id, village, county, relation, status, family_name)
        statuses = (father_status, mother_status)
        return [
            self._child(
                batch, household_id, village, county, statuses, family_name,
                (minimum_allowance, extreme_poverty, registered_poverty),
            )
            for _ in range(children)
        ]  # fmt: skip

    def _parent_statuses(self, situation: str) -> tuple[ParentStatus, ParentStatus]:
        away, home = ParentStatus.WORKING_AWAY, ParentStatus.AT_HOME
        if situation == "both_away":
            return away, away
        if situation == "father_away":
            return away, home
        if situation == "mother_away":
            return home, away
        if situation == "away_and_unable":
            unable = self.rng.choice(_UNABLE)
            return (away, unable) if self._chance(0.6) else (unable, away)
        if situation == "orphaned":
            return ParentStatus.DECEASED, ParentStatus.DECEASED
        if situation == "unknown":
            return ParentStatus.UNKNOWN, self.rng.choice((away, ParentStatus.UNKNOWN))
        return home, home

    def _parent(
        self,
        batch: Batch,
        household_id: uuid.UUID,
        village: VillagePlace,
        county: str,
        relation: ParentRelation,
        status: ParentStatus,
        family_name: str,
    ) -> None:
        rng = self.rng
        male = relation is ParentRelation.FATHER
        gender = Gender.MALE if male else Gender.FEMALE
        name = names.person_name(rng, male, family_name if male else None)
        birth = self._birth_date(26, 48)
        away = status is ParentStatus.WORKING_AWAY
        province, place = names.work_place(rng) if away else (None, None)
        batch.add(
            "parents",
            (
                self.new_id(), household_id, village.code, relation.value, name,
                *sealed_pair(
                    self.id_number(county, birth, gender) if self._chance(0.97) else None,
                    Parent.id_number.column,
                ),
                names.mobile_phone(rng) if status is not ParentStatus.DECEASED else None,
                status.value, place, province,
                self._days_ago(60, 3000) if away else None,
                rng.choices(list(ContactFrequency), (30, 45, 15, 8, 2))[0].value if away else None,
                self._days_ago(0, 40) if away else None,
                self._chance(0.8) if away else None,
            ),
        )  # fmt: skip

    def _child(
        self,
        batch: Batch,
        household_id: uuid.UUID,
        village: VillagePlace,
        county: str,
        parents: tuple[ParentStatus, ParentStatus],
        family_name: str,
        poverty: tuple[bool, bool, bool],
    ) -> GeneratedChild:
        rng = self.rng
        child_id = self.new_id()
        gender = Gender.MALE if self._chance(0.53) else Gender.FEMALE
        birth = self._birth_date(0, 17)
        age = age_on(birth, self.today)
        no_registration = self._chance(0.003)
        school_status = self._school_status(age)
        school_id = village.school_id if school_status is SchoolStatus.IN_SCHOOL else None
        student_number = None
        if school_id is not None:
            self._student_counters[school_id] += 1
            student_number = f"{birth.year}{self._student_counters[school_id]:05d}"
        left_behind = is_left_behind(parents, birth, self.today)
        orphan = parents == (ParentStatus.DECEASED, ParentStatus.DECEASED)
        arrangement = self._living_arrangement(parents, left_behind, orphan, age)
        needs_guardian = left_behind or orphan
        guardian_capacity = None
        confirmed = False
        if needs_guardian and arrangement is not LivingArrangement.ALONE:
            guardian_capacity, confirmed = self._guardianship(
                batch, child_id, village, county, family_name
            )
        recorded = frozenset(
            reason
            for reason, p in (
                (KeyChildReason.PARENT_SUBSTANCE_ABUSE, 0.01),
                (KeyChildReason.DOMESTIC_VIOLENCE, 0.005),
                (KeyChildReason.BEGGING, 0.001),
            )
            if self._chance(p)
        )
        facts = ChildFacts(
            birth_date=birth,
            parent_statuses=parents,
            living_arrangement=arrangement,
            school_status=school_status,
            no_household_registration=no_registration,
            disability=self._chance(0.03),
            serious_illness=self._chance(0.02),
            household_minimum_allowance=poverty[0],
            household_extreme_poverty=poverty[1],
            household_registered_poverty=poverty[2],
            safety_risk=self._chance(0.01),
            scattered_orphan=orphan,
            has_active_guardian=guardian_capacity is not None,
            guardian_capacity=guardian_capacity,
            guardianship_confirmed=confirmed,
            recorded_key_reasons=recorded,
        )
        id_number = None if no_registration else self.id_number(county, birth, gender)
        name = names.person_name(rng, gender is Gender.MALE, family_name)
        reasons = tuple(key_child_reasons(facts, self.today))
        last_visit, last_risk_assessment = self._visits(batch, child_id, village, bool(reasons))
        derived = derive(
            facts,
            last_visit=last_visit.date() if last_visit else None,
            last_risk_assessment=last_risk_assessment,
            today=self.today,
        )
        batch.add(
            "children",
            (
                child_id, household_id, village.code, name, gender.value, birth,
                *sealed_pair(id_number, Child.id_number.column), no_registration, school_id,
                student_number, school_status.value,
                facts.disability, facts.serious_illness, facts.safety_risk, orphan,
                sorted(r.value for r in recorded), arrangement.value,
                [c.value for c in derived.categories], [r.value for r in derived.key_reasons],
                derived.is_key_child, derived.has_confirmed_guardian, last_visit,
                derived.next_visit_due, self.today,
            ),
        )  # fmt: skip
        if self._chance(0.12 if reasons else 0.01):
            self.case(batch, child_id, village, reasons)
        return GeneratedChild(
            child_id, village.code, name, birth, school_id, student_number, id_number, reasons
        )

    def _school_status(self, age: int) -> SchoolStatus:
        if age < 3:
            return SchoolStatus.NOT_SCHOOL_AGE
        if age < 6:
            return SchoolStatus.KINDERGARTEN
        if age < 16:
            return SchoolStatus.DROPPED_OUT if self._chance(0.006) else SchoolStatus.IN_SCHOOL
        return SchoolStatus.IN_SCHOOL if self._chance(0.8) else SchoolStatus.NOT_IN_SCHOOL

    def _living_arrangement(
        self,
        parents: tuple[ParentStatus, ParentStatus],
        left_behind: bool,
        orphan: bool,
        age: int,
    ) -> LivingArrangement:
        rng = self.rng
        if orphan:
            return rng.choice(
                (LivingArrangement.WITH_GRANDPARENTS, LivingArrangement.WITH_RELATIVES)
            )
        if left_behind:
            if age >= 10 and self._chance(0.004):
                return LivingArrangement.ALONE
            return rng.choices(
                (
                    LivingArrangement.WITH_GRANDPARENTS,
                    LivingArrangement.WITH_RELATIVES,
                    LivingArrangement.BOARDING_SCHOOL,
                    LivingArrangement.WITH_OTHERS,
                ),
                (80, 12, 6, 2),
            )[0]
        if ParentStatus.AT_HOME in parents:
            both = parents == (ParentStatus.AT_HOME, ParentStatus.AT_HOME)
            return LivingArrangement.WITH_PARENTS if both else LivingArrangement.WITH_ONE_PARENT
        return LivingArrangement.WITH_RELATIVES

    def _guardianship(
        self,
        batch: Batch,
        child_id: uuid.UUID,
        village: VillagePlace,
        county: str,
        family_name: str,
    ) -> tuple[GuardianCapacity, bool]:
        rng = self.rng
        relation = rng.choices(
            (
                GuardianRelation.GRANDPARENT,
                GuardianRelation.UNCLE_AUNT,
                GuardianRelation.OTHER_RELATIVE,
                GuardianRelation.FRIEND,
                GuardianRelation.DESIGNATED,
            ),
            (80, 11, 5, 3, 1),
        )[0]
        male = self._chance(0.45)
        gender = Gender.MALE if male else Gender.FEMALE
        elderly = relation is GuardianRelation.GRANDPARENT
        birth = self._birth_date(58, 78) if elderly else self._birth_date(28, 55)
        capacity = rng.choices(
            (GuardianCapacity.CAPABLE, GuardianCapacity.INCAPABLE, GuardianCapacity.UNASSESSED),
            (85, 4, 11),
        )[0]
        starts_on = self._days_ago(90, 2500)
        assessed_at = (
            None
            if capacity is GuardianCapacity.UNASSESSED
            else self._moment(starts_on + timedelta(days=rng.randint(0, 60)))
        )
        signed = self._chance(0.85)
        confirmed_at = (
            self._moment(starts_on + timedelta(days=rng.randint(0, 30)))
            if signed and self._chance(0.9)
            else None
        )
        batch.add(
            "guardianships",
            (
                self.new_id(), child_id, village.code,
                names.person_name(rng, male, family_name if male else None),
                relation.value, names.mobile_phone(rng),
                *sealed_pair(
                    self.id_number(county, birth, gender), Guardianship.id_number.column
                ),
                capacity.value,
                village.director_id if assessed_at else None, assessed_at, signed,
                village.director_id if confirmed_at else None, confirmed_at, starts_on,
            ),
        )  # fmt: skip
        return capacity, confirmed_at is not None

    # ---- visits and cases --------------------------------------------------------------

    def _visits(
        self, batch: Batch, child_id: uuid.UUID, village: VillagePlace, key_child: bool
    ) -> tuple[datetime | None, date | None]:
        """About a year of visits: monthly for key children, quarterly for the others.

        Returns when the last visit was and the day of the last risk assessment.
        """
        last_visit: datetime | None = None
        last_risk_assessment: date | None = None
        random = self.rng.random
        step = 30 if key_child else 91
        regular = (VisitKind.KEY_CHILD_FOLLOW_UP if key_child else VisitKind.QUARTERLY_CHECK).value
        rows = batch.rows["visits"]
        day = self._days_ago(360, 380)
        while True:
            day += timedelta(days=step - 10 + int(random() * 23))
            if day > self.today or random() < 0.04:
                return last_visit, last_risk_assessment
            kind = regular
            if day.month in (3, 9) and random() < 0.7:
                kind = VisitKind.RISK_ASSESSMENT.value
            if kind == VisitKind.RISK_ASSESSMENT.value:
                last_risk_assessment = day
            findings = [_FINDING_POOL[int(random() * 100)] for _ in range(5)]
            risks = ["监护人身体欠佳"] if findings[1] == Finding.POOR.value else []
            last_visit = self._moment(day)
            rows.append(
                (
                    self.new_id(), child_id, village.code, village.director_id, last_visit,
                    kind, *findings, risks, None, next_regular_visit_due(day, key_child, day),
                )
            )  # fmt: skip

    def case(
        self,
        batch: Batch,
        child_id: uuid.UUID,
        village: VillagePlace,
        reasons: Sequence[KeyChildReason] = (),
        stage: CaseStage | None = None,
        category: CaseCategory | None = None,
    ) -> uuid.UUID:
        """A protection case with its history up to `stage` (random when None)."""
        rng = self.rng
        if category is None:
            mapped = [_CASE_CATEGORY_BY_REASON[r] for r in reasons if r in _CASE_CATEGORY_BY_REASON]
            category = rng.choice(mapped) if mapped else rng.choice(list(CaseCategory))
        if stage is None:
            stage = rng.choices(STAGE_ORDER, (8, 8, 10, 14, 5, 15, 40))[0]
        path = [s for s in STAGE_ORDER[: STAGE_ORDER.index(stage) + 1]]
        if stage in (CaseStage.FOLLOW_UP, CaseStage.CLOSED) and self._chance(0.7):
            path.remove(CaseStage.INTERVENTION)
        # Step lengths so that the newest stage was entered before now.
        gaps = [timedelta(hours=rng.randint(1, 20))] + [
            timedelta(days=rng.randint(1, 20)) for _ in path[2:]
        ]
        reported_at = (
            self.now
            - sum(gaps[: len(path) - 1], timedelta())
            - timedelta(hours=rng.randint(1, 30 * 24 if stage is not CaseStage.REPORTED else 30))
        )
        source = rng.choices([s for s, _ in _REPORT_SOURCES], [w for _, w in _REPORT_SOURCES])[0]
        if category is CaseCategory.DROPOUT:
            source = ReportSource.SCHOOL
        reporter_id = village.director_id if source is ReportSource.VILLAGE else None
        reporter_org = village.school_id if source is ReportSource.SCHOOL else None
        if source is ReportSource.POLICE:
            reporter_org = village.police_station_id
        reporter_name = names.person_name(rng, self._chance(0.5)) if reporter_id is None else None
        case_id = self.new_id()
        note = _CASE_NOTES[category]
        entered = reported_at
        events: list[
            tuple[
                CaseEventKind, datetime, CaseStage | None, CaseStage | None, CaseMeasure | None, str
            ]
        ] = [(CaseEventKind.REPORTED, reported_at, None, CaseStage.REPORTED, None, note)]
        for previous, current, gap in zip(path, path[1:], gaps, strict=False):
            entered = entered + gap
            events.append((CaseEventKind.STAGE_CHANGE, entered, previous, current, None, ""))
            if current is CaseStage.INTERVENTION:
                measure = rng.choice(SEEDED_MEASURES)
                events.append((CaseEventKind.MEASURE, entered, None, None, measure, measure.label))
        closed_at = entered if stage is CaseStage.CLOSED else None
        batch.add(
            "cases",
            (
                case_id, child_id, village.code, category.value, source.value, reporter_id,
                reporter_org, reporter_name, reported_at, note,
                source is ReportSource.POLICE or self._chance(0.3), stage.value, entered,
                stage_due_at(stage, entered), village.director_id, closed_at,
                "风险已消除,转入常规关爱" if closed_at else None,
                self._dropout_follow_up(stage) if category is CaseCategory.DROPOUT else None,
            ),
        )  # fmt: skip
        for kind, at, from_stage, to_stage, event_measure, text in events:
            batch.add(
                "case_events",
                (
                    self.new_id(), case_id, village.code, kind.value, village.director_id, at,
                    from_stage.value if from_stage else None,
                    to_stage.value if to_stage else None,
                    event_measure.value if event_measure else None, text or None,
                ),
            )  # fmt: skip
        return case_id

    def _dropout_follow_up(self, stage: CaseStage) -> DropoutFollowUp:
        if stage is CaseStage.CLOSED:
            return DropoutFollowUp.RETURNED
        if stage is CaseStage.FOLLOW_UP:
            return self.rng.choice((DropoutFollowUp.RETURNED, DropoutFollowUp.NOT_RETURNED))
        return DropoutFollowUp.PERSUASION_UNDER_WAY

    def children_in_household(self) -> int:
        """How many children the next household has on file."""
        return self.rng.choices((1, 2, 3), (55, 35, 10))[0]
