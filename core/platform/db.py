"""Engines and sessions, with the same transactional behaviour on SQLite and Postgres."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from core.errors import DeletionRefused
from core.models import PERMANENT_TABLES
from core.platform.config import normalize_database_url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; on SQLite, turn on foreign keys, WAL and real SAVEPOINT support."""
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

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


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
