"""The statistics hook is on the sessions that write, and on no other session class."""

from __future__ import annotations

from sqlalchemy.orm import Session

import app.cli  # noqa: F401  (the command line's imports, loaded as `shouhu` loads them)
from app.services.statistics.refresh import StatisticsSession
from app.web.service import RequestSession

HOOKS = ("before_flush", "before_commit", "after_rollback")


def test_importing_the_service_leaves_sqlalchemy_sessions_alone() -> None:
    session = Session()
    assert {hook: list(getattr(session.dispatch, hook)) for hook in HOOKS} == {
        hook: [] for hook in HOOKS
    }


def test_the_sessions_that_write_refresh_the_statistics() -> None:
    for session_class in (StatisticsSession, RequestSession):
        session = session_class()
        assert all(list(getattr(session.dispatch, hook)) for hook in HOOKS), session_class
