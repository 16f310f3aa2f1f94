"""Warm-up at worker start: the daily digest rendered once, unposted, so the morning run finds
its statements built and compiled, its connection open and the holiday calendars loaded.

Built once per process, these cost several times the run itself (docs/performance.md: the
daily job); a worker lives for days, so paying them at start keeps them out of every post.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.models import Workspace, utcnow
from jobs.daily import render_daily

log = logging.getLogger(__name__)

__all__ = ["warm_up"]


def warm_up(*, sessions: sessionmaker[Session]) -> None:
    """Render the first workspace's daily digest and throw it away (nothing is written)."""
    try:
        with sessions() as session:
            workspace = session.scalars(select(Workspace).limit(1)).first()
            if workspace is not None:
                render_daily(session, workspace, utcnow())
            session.rollback()
    except Exception:  # a warm-up that fails costs the first run its speed, nothing else
        log.exception("Worker warm-up failed; the first digest builds what it needs")
