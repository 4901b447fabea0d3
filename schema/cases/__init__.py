"""Protection cases."""
