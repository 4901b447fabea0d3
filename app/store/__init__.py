"""Data access: the SQL the API runs, as functions of a session. GraphQL types call these."""
