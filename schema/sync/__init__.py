"""Offline sync: delta pull (and push)."""
