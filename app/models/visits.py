"""Home visits (走访) by children's directors, supervisors and NGO workers."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ARRAY, CheckConstraint, DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import Finding, VisitKind
from app.models.base import (
    FOLLOWS_THE_CHILD,
    Base,
    Synced,
    area_fk,
    area_prefix_index,
    enum_column,
    uuid_pk,
)


class Visit(Synced, Base):
    """One visit to a child and what was found there.

    `organization_id` is the organization the visitor acted for (an NGO's visits are its
    own by it); `visitor_id` is the person, absent when a partner system recorded the visit
    with its API key. One of the two is always known. `case_id` is the protection case a
    case follow-up visit (个案回访) belongs to.
    """

    __tablename__ = "visits"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (
        area_prefix_index("visits"),
        Index("ix_visits_child_visited_at", "child_id", "visited_at"),
        CheckConstraint(
            "visitor_id IS NOT NULL OR organization_id IS NOT NULL",
            name="ck_visits_visitor_or_organization",
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    child_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("children.id"))
    area_code: Mapped[str] = area_fk()
    visitor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id"), index=True
    )
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("cases.id"), index=True)
    visited_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[VisitKind] = mapped_column(enum_column(VisitKind))
    living_conditions: Mapped[Finding] = mapped_column(enum_column(Finding))
    guardianship: Mapped[Finding] = mapped_column(enum_column(Finding))
    schooling: Mapped[Finding] = mapped_column(enum_column(Finding))
    health: Mapped[Finding] = mapped_column(enum_column(Finding))
    mental_state: Mapped[Finding] = mapped_column(enum_column(Finding))
    risks_found: Mapped[list[str]] = mapped_column(
        ARRAY(String(200)), default=list, server_default="{}"
    )
    notes: Mapped[str | None] = mapped_column(Text)
    next_visit_due: Mapped[date | None]
