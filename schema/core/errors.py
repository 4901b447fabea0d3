"""Typed errors in mutation payloads: what the client got wrong, never a crash."""

from __future__ import annotations

import strawberry

from app.auth.errors import AuthError
from app.domain.validation import Problem


@strawberry.type(description="Something the client got wrong or must act on; not a crash.")
class UserError:
    code: str = strawberry.field(description="Stable, for programs: e.g. VERSION_CONFLICT.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(description="For people.")

    @classmethod
    def from_auth_error(cls, error: AuthError, field: str | None = None) -> UserError:
        """The user error an AuthError becomes."""
        return cls(code=error.code, field=field, message=error.message)

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        """The user error a validation or domain problem becomes."""
        return cls(code=problem.code, field=problem.field or None, message=problem.message)


class QueryError(Exception):
    """A query the client got wrong, answered as a GraphQL error with a stable code (e.g.
    NOT_FOUND) in its extensions; never masked."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.extensions = {"code": code}
