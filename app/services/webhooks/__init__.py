"""Webhooks: the subscribers a county registers (`subscribers`), and the delivery of the
outbox's events to them (`delivery`: the worker, retries, dead letters, replay)."""
