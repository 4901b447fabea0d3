"""The GraphQL schema: types, root queries and loaders, one folder per part of the domain."""

from schema.build import schema

__all__ = ["schema"]
