"""Domain rules as plain functions: no database, no server, callable from tests directly."""
