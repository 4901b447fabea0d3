"""The staff register and the supervisor's view of staff work."""
