"""One bounded log line per GraphQL request that ended in errors.

Strawberry's default logs every error with the document's text around its location: one
line of a 1 MB document, 99 times over, is 100 MB of log. Here a request's errors become
one line of a bounded size: the operation's name, how many errors, their codes, and the
start of the first message. Never the document, never variables (a message that quotes a
variable's value is cut before the value). Unexpected errors (bugs, database failures) are
logged with their traceback where they are masked (schema/core/extensions.should_mask).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

from graphql import GraphQLError

log = logging.getLogger("shouhu.graphql")

MAX_NAME = 100
MAX_MESSAGE = 160
MAX_CODES = 10
# graphql-core names a variable, then quotes its value ("Variable '$p' has invalid value:
# String cannot represent a non string value: 123"): what follows is the caller's data.
_VARIABLE = re.compile(r"Variable '\$[^']*' has invalid (?:default )?value(?: at [^:]*)?")


def _bounded(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def loggable_message(message: str) -> str:
    """The start of an error message, without a variable's value."""
    variable = _VARIABLE.match(message)
    return _bounded(variable.group(0) if variable else message, MAX_MESSAGE)


def log_errors(operation_name: str | None, errors: Sequence[GraphQLError]) -> None:
    """Log a request's errors as one bounded line."""
    if not errors:
        return
    codes = sorted({str((e.extensions or {}).get("code", "GRAPHQL")) for e in errors})
    log.info(
        "graphql errors",
        extra={
            "operation": _bounded(operation_name or "", MAX_NAME),
            "errors": len(errors),
            "codes": codes[:MAX_CODES],
            "first": loggable_message(errors[0].message),
        },
    )
