"""Tasks: work a rule found owed by a role in an area, a person or an organization."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import Role, TaskKind, TaskPriority, TaskStatus, TaskSubject
from app.models.base import FOLLOWS_THE_CHILD, Base, Synced, area_fk, enum_column, uuid_pk


class Task(Synced, Base):
    """A task about one subject (a child, a case, a guardianship, a referral), opened by a
    rule (app/domain/tasks.py). One open task per kind and subject: the same situation never
    opens two."""

    __tablename__ = "tasks"
    not_edits = FOLLOWS_THE_CHILD
    __table_args__ = (
        Index(
            "ix_tasks_area_code_prefix",
            "area_code",
            postgresql_ops={"area_code": "varchar_pattern_ops"},
        ),
        Index(
            "uq_tasks_open_kind_subject",
            "kind",
            "subject_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[uuid.UUID] = uuid_pk()
    # The village of the task's subject.
    area_code: Mapped[str] = area_fk()
    kind: Mapped[TaskKind] = mapped_column(enum_column(TaskKind))
    subject_type: Mapped[TaskSubject] = mapped_column(enum_column(TaskSubject))
    subject_id: Mapped[uuid.UUID]
    # The child the subject is about: its tasks follow it when it moves.
    child_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("children.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)
    priority: Mapped[TaskPriority] = mapped_column(enum_column(TaskPriority))
    status: Mapped[TaskStatus] = mapped_column(
        enum_column(TaskStatus), default=TaskStatus.OPEN, server_default="open"
    )
    # Who owes it: a role in the task's area, and/or a person or an organization.
    assignee_role: Mapped[Role | None] = mapped_column(enum_column(Role))
    assignee_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    assignee_organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organizations.id")
    )
    dismiss_reason: Mapped[str | None] = mapped_column(String(500))
    # None with a closed_at: the task closed itself, its situation having ended.
    closed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
