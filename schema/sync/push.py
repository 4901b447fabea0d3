"""`syncPush`: the app's queue of offline mutations, applied in order in one request.

Each operation is one of the mobile contract's mutation documents (by persisted id) with its
variables, run exactly as if sent alone (same validation, authorization, audit, idempotency),
each in its own transaction with its own result. A failed operation does not stop the others,
but an operation that refers to a record a failed create would have made (by its client id)
is not run: it fails with DEPENDENCY_FAILED, naming the operation it waited for.

Only offline work can be queued: login, refreshToken and logout (whose answer is needed at
once, and which would let one push carry a password guess per entry) and syncPush itself
(a push in a push multiplies the limit of operations) fail with NOT_QUEUEABLE, unrun.
"""

from __future__ import annotations

import base64
from typing import Any, cast

import strawberry
from graphql import OperationType, parse
from graphql.language import OperationDefinitionNode
from strawberry.scalars import JSON

from app.domain.validation import Problem
from app.mobile_contract import load_manifest
from app.observability import metrics
from authz.gate import root_fields
from schema.context import Info
from schema.core.errors import UserError, localized_message

MAX_OPERATIONS = 200
# Root fields that are not offline work (see the module's docstring).
NOT_QUEUEABLE = frozenset({"login", "refreshToken", "logout", "syncPush", "changePassword"})


@strawberry.input(description="One queued offline mutation.")
class SyncOperationInput:
    client_operation_id: str = strawberry.field(description="The app's id for this entry.")
    document_id: str = strawberry.field(
        description="The persisted id of one of the contract's mutation documents."
    )
    variables: JSON | None = None


@strawberry.type(description="What became of one queued mutation.")
class SyncOperationResult:
    client_operation_id: str
    ok: bool
    data: JSON | None = strawberry.field(description="The mutation's own response data.")
    errors: list[UserError]


def _created_ids(variables: Any) -> set[str]:
    """Client ids a create brings into being: `id` fields of its input objects."""
    found: set[str] = set()
    if isinstance(variables, dict):
        for key, value in variables.items():
            if key == "id" and isinstance(value, str):
                found.add(value)
            found |= _created_ids(value)
    elif isinstance(variables, list):
        for item in variables:
            found |= _created_ids(item)
    return found


def _mentions(variables: Any, ids: set[str]) -> str | None:
    """A client id of `ids` that the variables refer to, raw or inside a global id."""
    if isinstance(variables, dict):
        for value in variables.values():
            if (found := _mentions(value, ids)) is not None:
                return found
    elif isinstance(variables, list):
        for item in variables:
            if (found := _mentions(item, ids)) is not None:
                return found
    elif isinstance(variables, str):
        if variables in ids:
            return variables
        try:
            _type, _, key = base64.b64decode(variables, validate=True).decode().partition(":")
        except ValueError:
            return None
        return key if key in ids else None
    return None


def _payload_errors(data: dict[str, Any] | None) -> list[UserError]:
    # Rendered by the mutation itself, in this request's language.
    errors: list[UserError] = []
    for payload in (data or {}).values():
        for error in (payload or {}).get("errors") or []:
            errors.append(UserError(code=error["code"], field=error.get("field"),
                                    message=error["message"]))  # fmt: skip
    return errors


def _mutation_fields(document: str) -> set[str] | None:
    """The root fields of a mutation document; None for a query or subscription."""
    parsed = parse(document)
    if not any(
        isinstance(d, OperationDefinitionNode) and d.operation is OperationType.MUTATION
        for d in parsed.definitions
    ):
        return None
    return root_fields(parsed)


@strawberry.type
class SyncMutation:
    @strawberry.mutation(description="Apply the app's queued offline mutations in order.")
    async def sync_push(
        self, info: Info, operations: list[SyncOperationInput]
    ) -> list[SyncOperationResult]:
        if len(operations) > MAX_OPERATIONS:
            too_many = Problem(
                "TOO_MANY", "operations", "at most {maximum} operations per push",
                {"maximum": MAX_OPERATIONS},
            )  # fmt: skip
            error = UserError.from_problem(too_many)
            metrics.sync_pushed(applied=False, count=len(operations))
            return [SyncOperationResult(client_operation_id=o.client_operation_id, ok=False,
                                        data=None, errors=[error]) for o in operations]  # fmt: skip
        manifest = load_manifest()
        failed: dict[str, str] = {}  # client id of a failed create → its operation
        results = []
        for operation in operations:
            document = manifest.get(operation.document_id.removeprefix("sha256:"))
            variables: dict[str, Any] = (
                operation.variables if isinstance(operation.variables, dict) else {}
            )
            waited = _mentions(variables, set(failed))
            fields = None if document is None else _mutation_fields(document)
            if fields is None:
                unknown = Problem(
                    "UNKNOWN_DOCUMENT", "documentId", "not a mutation of the mobile contract"
                )
                errors = [UserError.from_problem(unknown)]
            elif fields & NOT_QUEUEABLE:
                online = Problem(
                    "NOT_QUEUEABLE",
                    "documentId",
                    "{operation} cannot be queued: send it on its own",
                    {"operation": min(fields & NOT_QUEUEABLE)},
                )
                errors = [UserError.from_problem(online)]
            elif waited is not None:
                dependency = Problem(
                    "DEPENDENCY_FAILED", "variables",
                    "{record} was not created: operation {operation} failed",
                    {"record": waited, "operation": failed[waited]},
                )  # fmt: skip
                errors = [UserError.from_problem(dependency)]
            else:
                result = await info.schema.execute(
                    document,
                    variable_values=variables,
                    context_value=info.context,
                )
                # Every error is typed (schema/core/extensions.TypedErrors).
                errors = [UserError(code=str((e.extensions or {}).get("code", "INVALID")),
                                    field=None, message=localized_message(e.message))
                          for e in result.errors or []] + _payload_errors(result.data)  # fmt: skip
                if not errors:
                    metrics.sync_pushed(applied=True)
                    results.append(SyncOperationResult(
                        client_operation_id=operation.client_operation_id, ok=True,
                        data=cast(JSON, result.data), errors=[]))  # fmt: skip
                    continue
            metrics.sync_pushed(applied=False)
            for created in _created_ids(variables):
                failed[created] = operation.client_operation_id
            results.append(SyncOperationResult(
                client_operation_id=operation.client_operation_id, ok=False, data=None,
                errors=errors))  # fmt: skip
        return results
