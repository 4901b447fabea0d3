"""SQL functions that write values as the GraphQL API writes them, for the compiled read path
(schema/compiler): Relay global ids and cursors (base64 of text), times in ISO 8601 as
Python writes them, and enum values as their GraphQL names. Plain SQL functions that the
planner inlines into the statement (STABLE, as the text functions they call: a function
declared IMMUTABLE over STABLE ones is not inlined, and costs four times as much).

Revision ID: 0029
Revises: 0028
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTIONS = (
    # base64 breaks lines after 76 characters; ids and cursors are shorter, but never a break.
    """
    CREATE FUNCTION gql_global_id(type_name text, id uuid) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT translate(encode(convert_to(type_name || ':' || id::text, 'UTF8'), 'base64'),
                         E'\\n', '')
    $$
    """,
    # schema/core/pagination.encode_cursor: URL-safe base64 of "k:" and the sort key.
    """
    CREATE FUNCTION gql_cursor(sort_key text) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT translate(encode(convert_to('k:' || sort_key, 'UTF8'), 'base64'), E'+/\\n', '-_')
    $$
    """,
    # datetime.isoformat() of the UTC time the driver gives: microseconds only when not zero.
    """
    CREATE FUNCTION gql_datetime(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
            || CASE WHEN extract(microseconds FROM t)::bigint % 1000000 = 0 THEN ''
                    ELSE to_char(t AT TIME ZONE 'UTC', '.US') END
            || '+00:00'
    $$
    """,
    # A list of stored enum values as a JSON array of their GraphQL names, in order.
    """
    CREATE FUNCTION gql_enum_names(vals text[], stored text[], names text[]) RETURNS json
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(json_agg(names[array_position(stored, v)] ORDER BY n), '[]'::json)
        FROM unnest(vals) WITH ORDINALITY AS u(v, n)
    $$
    """,
)


def upgrade() -> None:
    for function in FUNCTIONS:
        op.execute(function)


def downgrade() -> None:
    for signature in (
        "gql_enum_names(text[], text[], text[])",
        "gql_datetime(timestamptz)",
        "gql_cursor(text)",
        "gql_global_id(text, uuid)",
    ):
        op.execute(f"DROP FUNCTION {signature}")
