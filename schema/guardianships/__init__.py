"""Entrusted guardianship, and moving or archiving a child's file."""
