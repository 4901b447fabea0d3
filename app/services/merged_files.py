"""Marking a file merged into another: one way for mergeChildren and mergeProvisionalChild."""

from __future__ import annotations

from app.enums import ArchiveReason, ChildStatus
from app.models import Child
from app.services.common import Actor


def mark_merged(actor: Actor, duplicate: Child, kept: Child) -> None:
    """Archive the duplicate as a duplicate (an archived file keeps its reason and day: it was
    archived before it was merged) and record where it went, when and who merged it: it is
    listed nowhere after, and devices drop it."""
    if duplicate.status is not ChildStatus.ARCHIVED:
        duplicate.status = ChildStatus.ARCHIVED
        duplicate.archived_reason = ArchiveReason.DUPLICATE
        duplicate.archived_at = actor.now
    duplicate.merged_into_id = kept.id
    duplicate.merged_at = actor.now
    duplicate.merged_by_id = actor.user_id
