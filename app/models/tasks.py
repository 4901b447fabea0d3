"""Tasks: work a rule found owed by a role in an area, a person or an organization."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.enums import Role, TaskKind, TaskPriority, TaskStatus, TaskSubject
from app.models.base import FOLLOWS_THE_CHILD, Base, Synced, area_fk, enum_column, uuid_pk


class Task(Synced, Base):
    """A task about one subject (a child, a case, a guardianship, a referral), opened by a
    rule (app/domain/tasks.py, app/domain/task_deadlines.py). One open task per kind,
    subject and escalation level: the same situation never opens two."""

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
            "escalation_level",
            unique=True,
            postgresql_where=text("status = 'open'"),
        ),
        Index("ix_tasks_subject_id", "subject_id"),
        CheckConstraint("escalation_level BETWEEN 0 AND 2", name="ck_tasks_escalation_level"),
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
    # 0: the level that owes it first; 1: escalated to the township; 2: to the county.
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")


class DailyJobRun(Base):
    """A local day the daily job covered (app/services/daily.py): run on that day, or caught
    up by the run of a later one (`run_on`) after downtime."""

    __tablename__ = "daily_job_runs"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    run_on: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # What the run did, one line (for an operator).
    summary: Mapped[str] = mapped_column(Text)
