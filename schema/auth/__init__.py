"""Logging in, refreshing the login and logging out."""
