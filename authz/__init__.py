"""Authorization: Casbin decides what a caller may do where; this package turns that into SQL.

- `patterns`: area patterns (`420702*`) and their keyMatch semantics.
- `enforcer`: the Casbin model and policies (default file, overridable in the database).
- `scope`: one caller's permissions, compiled once per request from their grants.
- `predicates`: the SQL each model's rows are filtered by, from a scope.
- `session`: sessions that apply those predicates to every query and set the RLS scope.
- `gate`: what an anonymous caller may run at all.
"""
