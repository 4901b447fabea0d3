"""`mergeChildren`: two files of the same child made one (app/services/child_merges.py)."""

from __future__ import annotations

import uuid

import strawberry
from strawberry import relay

from app.models import Child as ChildModel
from app.services import child_merges
from app.services.common import camel
from schema.children.types import Child
from schema.context import Info
from schema.core.errors import UserError
from schema.core.mutations import run_mutation
from schema.core.payloads import current_as, id_type, uuid_of


@strawberry.input(description="The child's file to keep and the duplicate to merge into it.")
class MergeChildrenInput:
    child_id: relay.GlobalID = strawberry.field(description="The file kept.")
    expected_version: int = strawberry.field(description="The kept file's version.")
    duplicate_id: relay.GlobalID = strawberry.field(
        description="The duplicate file: merged into the kept one, then archived as merged."
    )
    duplicate_expected_version: int = strawberry.field(description="The duplicate's version.")


@strawberry.type
class MergeChildrenPayload:
    child: Child | None = strawberry.field(description="The kept file, after the merge.")
    duplicate: Child | None = strawberry.field(
        description="The duplicate as it now stands: archived, merged into the kept file."
    )
    conflicts: list[str] = strawberry.field(
        description="Fields both files held with different values (camelCase): the kept "
        "file's stood, the duplicate's stays readable on it. `guardianship`: both had an "
        "active guardian; the duplicate's was ended."
    )
    errors: list[UserError]
    current: Child | None = strawberry.field(
        default=None,
        description="On VERSION_CONFLICT: the file whose version was stale (the error's "
        "field says which), as it is now.",
    )


@strawberry.type
class ChildMergeMutation:
    @strawberry.mutation(
        description="Merge two files of the same child (并档): the duplicate's visits, cases, "
        "guardianships, absences and tasks move onto the kept file, which takes what only "
        "the duplicate held (never overwriting its own); the duplicate is kept, archived and "
        "marked merged (who, when), and listed nowhere. Refused for different ID numbers."
    )
    async def merge_children(self, info: Info, input: MergeChildrenInput) -> MergeChildrenPayload:
        kept = uuid_of(input.child_id, id_type("child_id")) or uuid.UUID(int=0)
        duplicate = uuid_of(input.duplicate_id, id_type("duplicate_id")) or uuid.UUID(int=0)
        outcome = await run_mutation(
            info,
            lambda s, actor: child_merges.merge_children(
                s, actor, kept, input.expected_version,
                duplicate, input.duplicate_expected_version,
            ),
            lambda merge: [f"Child:{merge.child.id}", f"Child:{merge.duplicate.id}"],
        )  # fmt: skip
        merge = outcome.result
        if merge is None:
            return MergeChildrenPayload(
                child=None, duplicate=None, conflicts=[], errors=outcome.errors,
                current=current_as(
                    outcome.current, ChildModel, lambda c: Child.from_model(c, info)
                ),
            )  # fmt: skip
        return MergeChildrenPayload(
            child=Child.from_model(merge.child, info),
            duplicate=Child.from_model(merge.duplicate, info),
            conflicts=[camel(name) for name in merge.conflicts],
            errors=[],
        )
