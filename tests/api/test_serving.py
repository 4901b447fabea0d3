"""The app as `shouhu serve` runs it."""

from __future__ import annotations

import gc

from starlette.applications import Starlette

from app.web.service import serving_app


def test_the_served_app_is_built_outside_the_garbage_collectors_reach() -> None:
    """What building it made is frozen (gc.freeze): full collections while serving walk only
    what requests made (docs/performance.md: the p99 under load)."""
    before = gc.get_freeze_count()
    try:
        app = serving_app()
        assert isinstance(app, Starlette)
        assert gc.get_freeze_count() > before
    finally:
        gc.unfreeze()
