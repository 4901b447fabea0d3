"""The caller: who the API thinks you are."""
