"""Protection cases: a mandatory report, then response, assessment, intervention and follow-up."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import (
    CaseCategory,
    CaseEventKind,
    CaseMeasure,
    CaseStage,
    DropoutFollowUp,
    PetitionOutcome,
    ReferralStatus,
    ReportSource,
)
from app.models.base import (
    FOLLOWS_THE_CHILD,
    Base,
    Synced,
    area_fk,
    area_prefix_index,
    enum_column,
    uuid_pk,
)


class Case(Synced, Base):
    """A protection case about one child, opened by a mandatory report (seed 004 §四)."""

    __tablename__ = "cases"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (
        area_prefix_index("cases"),
        Index("ix_cases_stage_due_at", "stage", "due_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"), index=True)
    area_code: Mapped[str] = area_fk()
    category: Mapped[CaseCategory] = mapped_column(enum_column(CaseCategory))
    source: Mapped[ReportSource] = mapped_column(enum_column(ReportSource))
    reporter_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reporter_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    # Who reported matters (a unit that fails to report is held to account): kept even when
    # the reporter has no account, e.g. a neighbour calling the hotline.
    reporter_name: Mapped[str | None] = mapped_column(String(100))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    description: Mapped[str] = mapped_column(Text)
    reported_to_police: Mapped[bool] = mapped_column(default=False, server_default="false")
    stage: Mapped[CaseStage] = mapped_column(enum_column(CaseStage))
    stage_entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    referred_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    dropout_follow_up: Mapped[DropoutFollowUp | None] = mapped_column(enum_column(DropoutFollowUp))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    close_reason: Mapped[str | None] = mapped_column(Text)
    # The number a reporter asks about (app/domain/intake.py); cases opened before it have none.
    case_number: Mapped[str | None] = mapped_column(String(32), unique=True)
    # A member of the public's phone, beside `reporter_name`: protected as the name is.
    reporter_phone: Mapped[str | None] = mapped_column(String(32))


class CaseEvent(Synced, Base):
    """One entry in a case's history: a stage change, a note, a referral or a measure."""

    __tablename__ = "case_events"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (
        area_prefix_index("case_events"),
        Index("ix_case_events_case_occurred_at", "case_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"))
    area_code: Mapped[str] = area_fk()
    kind: Mapped[CaseEventKind] = mapped_column(enum_column(CaseEventKind))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_stage: Mapped[CaseStage | None] = mapped_column(enum_column(CaseStage))
    to_stage: Mapped[CaseStage | None] = mapped_column(enum_column(CaseStage))
    measure: Mapped[CaseMeasure | None] = mapped_column(enum_column(CaseMeasure))
    referred_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    note: Mapped[str | None] = mapped_column(Text)
    # Who acted for an API key (no person): its organization. For a person, their own.
    actor_organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    # A hand-over: from whom (None: the case had no assignee) to whom.
    from_assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    to_assignee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    # A measure's facts (app/domain/case_measures.py says which measure has which), kept on
    # its history entry: they are what was known when it was recorded; a later fact (a
    # petition's outcome) is a later entry.
    place: Mapped[str | None] = mapped_column(String(200))
    place_organization_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organizations.id"))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    court: Mapped[str | None] = mapped_column(String(200))
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    outcome: Mapped[PetitionOutcome | None] = mapped_column(enum_column(PetitionOutcome))
    refusing_since: Mapped[date | None] = mapped_column(Date)
    # A report that joined an open case (one case per situation): where it came from and
    # which unit made it (actor_id is the reporting account, note its description).
    source: Mapped[ReportSource | None] = mapped_column(enum_column(ReportSource))
    reporter_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    # A written report's recipients (a dropout case: the county education bureau and the
    # township), read with their event and never on their own, so kept on it.
    recipient_organization_ids: Mapped[list[uuid.UUID] | None] = mapped_column(ARRAY(Uuid))


class DropoutStatus(Base):
    """The follow-up status of a dropout case, and nothing else of it: what a school may
    read about its own pupils (a read-only mapping of `cases`, authorized on its own)."""

    __table__ = Case.__table__
    __mapper_args__ = {  # noqa: RUF012 - SQLAlchemy's declarative attribute
        "include_properties": [
            "id", "child_id", "area_code", "category", "dropout_follow_up", "reported_at",
            "closed_at", "deleted_at",
        ],
    }  # fmt: skip

    id: Mapped[uuid.UUID]
    child_id: Mapped[uuid.UUID]
    area_code: Mapped[str]
    category: Mapped[CaseCategory]
    dropout_follow_up: Mapped[DropoutFollowUp | None]
    reported_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]


class CaseReferral(Synced, Base):
    """A referral (转介) of a case to an organization: one of several a case may have at once.

    Referring adds a receiver and removes no one; the receiver accepts or declines it and
    completes it with its feedback. The row lies in the case's village (it follows the
    child), so it reaches the devices of those who see the case.
    """

    __tablename__ = "case_referrals"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (
        area_prefix_index("case_referrals"),
        Index("ix_case_referrals_organization_id_status", "organization_id", "status"),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("cases.id"), index=True)
    area_code: Mapped[str] = area_fk()
    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organizations.id"))
    status: Mapped[ReferralStatus] = mapped_column(enum_column(ReferralStatus))
    note: Mapped[str | None] = mapped_column(Text)
    feedback: Mapped[str | None] = mapped_column(Text)
    referred_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    referred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    responded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class CaseNumberCounter(Base):
    """The last case number given in a county in a year: numbers are counted per county,
    whoever reports (the reporter may not see the county's other cases, so they cannot be
    counted from `cases`)."""

    __tablename__ = "case_number_counters"

    county_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int]
