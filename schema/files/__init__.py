"""Mutations on a child's file."""
