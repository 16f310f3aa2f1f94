"""Engines and sessions, with the same transactional behaviour on SQLite and Postgres."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DeletionRefused
from core.models import PERMANENT_TABLES
from core.platform.config import normalize_database_url

EPOCH = date(1970, 1, 1)


def local_day_number(stored: str | None, zone_name: str) -> int | None:
    """Days from 1970-01-01 to the local date, in a named zone, of a UTC timestamp as SQLite
    stores it: what Postgres computes with `timezone()` (core/common/local_dates.py), given to
    SQLite as `crm_local_day_number` for the reports and the lead tallies' triggers."""
    if stored is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return (instant.astimezone(ZoneInfo(zone_name)).date() - EPOCH).days


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, turn on foreign keys, WAL and real SAVEPOINT support, and
    give every connection the local-date function (SQLite has no time zones)."""
    url = normalize_database_url(url)
    if url.startswith("sqlite"):
        connect_args = kwargs.pop("connect_args", {})
        connect_args.setdefault("check_same_thread", False)
        connect_args.setdefault("timeout", 30)
        engine = create_engine(url, connect_args=connect_args, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            # pysqlite's own transaction handling breaks SAVEPOINT; let SQLAlchemy emit BEGIN.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()
            dbapi_connection.create_function(
                "crm_local_day_number", 2, local_day_number, deterministic=True
            )

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        _ping_when_idle(engine, IDLE_BEFORE_PING_SECONDS)
    return engine


#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_BEFORE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection only when it sat idle: what `pool_pre_ping` does on every
    checkout, a round trip on every request's path.

    What drops a connection in practice is idleness (a firewall's or Postgres's idle timeout)
    or a restart. An idle one is pinged here, and a dead one replaced before anyone uses it
    (the pool retries the checkout on `DisconnectionError`). A connection in use dropped by a
    restart fails its statement; SQLAlchemy then invalidates the whole pool, so the requests
    after it connect afresh, and the web route retries its first statement, the replay
    ledger's, once (`bot.web.slack`).
    """

    @event.listens_for(engine, "connect")
    def _connected(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle = time.monotonic() - record.info.get("idle_since", float("-inf"))
        if idle <= idle_seconds:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error
            raise


def make_sessions(engine: Engine | Any, **kwargs: Any) -> sessionmaker[Session]:
    """A session factory; callers open `with sessions.begin() as session:` per operation."""
    return sessionmaker(bind=engine, expire_on_commit=False, **kwargs)


@event.listens_for(Session, "before_flush")
def _refuse_deletes(session: Session, _context: Any, _instances: Any) -> None:
    """History is permanent: refuse to delete any record of the five permanent tables."""
    for instance in session.deleted:
        table = getattr(instance, "__tablename__", None)
        if table in PERMANENT_TABLES:
            raise DeletionRefused(
                f"Records in {table} are never deleted; archive or disqualify instead."
            )
