"""Alembic migrations of the Shouhu database."""
