"""Typed errors in mutation payloads: what the client got wrong, never a crash; and the
GraphQL errors the service raises, in the request's language (app/i18n.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import strawberry

from app import clock
from app.auth.errors import AuthError
from app.domain.validation import Problem, check_not_future
from app.i18n import N_, translate


@strawberry.type(description="Something the client got wrong or must act on; not a crash.")
class UserError:
    code: str = strawberry.field(description="Stable, for programs: e.g. VERSION_CONFLICT.")
    field: str | None = strawberry.field(description="The input field at fault, if one is.")
    message: str = strawberry.field(
        description="For people: Chinese, or English with `Accept-Language: en`."
    )

    @classmethod
    def from_auth_error(cls, error: AuthError, field: str | None = None) -> UserError:
        """The user error an AuthError becomes."""
        return cls(code=error.code, field=field, message=error.message)

    @classmethod
    def from_problem(cls, problem: Problem) -> UserError:
        """The user error a validation or domain problem becomes, in the request's language."""
        return cls(code=problem.code, field=problem.field or None, message=problem.render())


class QueryError(Exception):
    """A query the client got wrong, answered as a GraphQL error with a stable code (e.g.
    NOT_FOUND) in its extensions; never masked. `message` is a template (see Problem)."""

    def __init__(
        self,
        code: str,
        message: str,
        params: Mapping[str, object] | None = None,
        *,
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(translate(message, params))
        self.extensions: dict[str, object] = {"code": code}
        if fields:
            # The arguments at fault, as the API spells them (e.g. `filter.keyChild`).
            self.extensions["fields"] = list(fields)


def check_range(name: str, value: int | None, minimum: int, maximum: int) -> None:
    """An argument that must lie between `minimum` and `maximum` (None passes); OUT_OF_RANGE
    otherwise, before a number far out reaches date arithmetic or SQL."""
    if value is not None and not minimum <= value <= maximum:
        raise QueryError(
            "OUT_OF_RANGE",
            "{name} must be between {minimum} and {maximum}",
            {"name": name, "minimum": minimum, "maximum": maximum},
        )


# The service's limits on documents (schema/build.py) report in strawberry's English; their
# errors are cached with the document, so they are translated when answered, not when made.
_LIMITS = (
    (
        re.compile(r"'(?P<operation>[^']*)' exceeds maximum operation depth of (?P<maximum>\d+)"),
        N_("'{operation}' exceeds maximum operation depth of {maximum}"),
    ),
    (
        re.compile(r"(?P<count>\d+) aliases found\. Allowed: (?P<maximum>\d+)"),
        N_("{count} aliases found. Allowed: {maximum}"),
    ),
)


def localized_message(message: str) -> str:
    """A GraphQL error's message as the caller should read it: the service's document limits
    in the request's language; anything else (graphql-core's own errors stay English, the
    service's other errors are translated when raised) as it is."""
    for pattern, template in _LIMITS:
        match = pattern.fullmatch(message)
        if match is not None:
            return translate(template, match.groupdict())
    return message


def day_asked(value: date | None, field: str) -> date:
    """The day a report is asked for (`asOf`, `quarter`): today when none is given, else one
    from 1900 to today (FUTURE_DATE, INVALID_DATE as the QueryError otherwise)."""
    day = value or clock.today()
    # A day before 1900 (year 1 broke the quarterly trend's dates) or to come.
    problem = check_not_future(day, field, clock.now())
    if problem is not None:
        raise QueryError(problem.code, problem.message, problem.params)
    return day
