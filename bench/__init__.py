"""Benchmarks, run on demand (see docs/performance.md)."""
