"""The migrations are the only way tables are made: they must match the models exactly."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

from alembic import command
from sqlalchemy import select

from core.models import Contact, FollowUpTally, Lead, TouchTally
from core.platform.db import make_engine
from core.platform.migrate import alembic_config
from tests.conftest import drop_postgres_database, migrated_database_url


def test_models_and_migrations_agree(database_url: str) -> None:
    """`alembic check` finds nothing to generate: every model change has its migration."""
    command.check(alembic_config(database_url))


def test_downgrade_and_upgrade_again(backend: str, tmp_path: Path) -> None:
    """Every revision downgrades cleanly and upgrades back to head, on SQLite and Postgres."""
    url = migrated_database_url(backend, tmp_path, f"downgrade_{os.getpid()}")
    try:
        command.downgrade(alembic_config(url), "base")
        command.upgrade(alembic_config(url), "head")
        command.check(alembic_config(url))
    finally:
        if backend == "postgres":
            drop_postgres_database(url)


_BEFORE_LAST_TOUCH = "0009_web_form"
_ROWS = """
INSERT INTO workspaces (workspace_id, timezone, pipeline_channel, owner_ids, holiday_country,
    default_phone_region, auto_send, stale_after_business_days, digest_hour,
    daily_digest_enabled, weekly_digest_enabled, monthly_digest_enabled, created_at, updated_at)
VALUES ('T0MIG', 'America/New_York', '#pipeline', '[]', 'US', 'US', false, 3, 8,
    true, true, true, '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00');
INSERT INTO contacts (contact_id, workspace_id, first_name, lifecycle_stage, tags, archived,
    merged_into_contact_id, created_at, updated_at)
VALUES ('ct_keep', 'T0MIG', 'Dana', 'prospect', '[]', false, NULL,
        '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'),
       ('ct_gone', 'T0MIG', 'Dana', 'prospect', '[]', true, 'ct_keep',
        '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00'),
       ('ct_none', 'T0MIG', 'Sam', 'prospect', '[]', false, NULL,
        '2026-01-01 00:00:00+00', '2026-01-01 00:00:00+00');
INSERT INTO leads (lead_id, workspace_id, title, contact_id, source, status, pipeline_stage,
    created_at, updated_at)
VALUES ('ld_own', 'T0MIG', 'Own touch', 'ct_none', 'email', 'new', 'inquiry',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00'),
       ('ld_moved', 'T0MIG', 'Survivor touch', 'ct_gone', 'email', 'new', 'inquiry',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00'),
       ('ld_quiet', 'T0MIG', 'Never touched', NULL, 'email', 'new', 'inquiry',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00');
INSERT INTO interactions (interaction_id, workspace_id, type, timestamp, contact_id, lead_id,
    outcome, follow_up_status, created_at, updated_at)
VALUES ('ix_1', 'T0MIG', 'note', '2026-03-01 00:00:00+00', NULL, 'ld_own', 'none', 'none',
        '2026-03-01 00:00:00+00', '2026-03-01 00:00:00+00'),
       ('ix_2', 'T0MIG', 'note', '2026-01-15 00:00:00+00', 'ct_none', NULL, 'none', 'none',
        '2026-01-15 00:00:00+00', '2026-01-15 00:00:00+00'),
       ('ix_3', 'T0MIG', 'note', '2026-04-01 00:00:00+00', 'ct_keep', NULL, 'none', 'none',
        '2026-04-01 00:00:00+00', '2026-04-01 00:00:00+00');
"""


def test_the_last_touch_migration_backfills_from_the_history(backend: str, tmp_path: Path) -> None:
    """0005 fills each contact's and lead's last touch from the interactions already there."""
    url = migrated_database_url(backend, tmp_path, f"backfill_{os.getpid()}")
    try:
        command.downgrade(alembic_config(url), _BEFORE_LAST_TOUCH)
        engine = make_engine(url)
        with engine.begin() as connection:
            for statement in _ROWS.split(";"):
                if statement.strip():
                    connection.exec_driver_sql(statement)
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as connection:
            contacts = dict(
                connection.execute(select(Contact.contact_id, Contact.last_touch_at)).all()
            )
            leads = dict(connection.execute(select(Lead.lead_id, Lead.last_touch_at)).all())
        engine.dispose()
    finally:
        if backend == "postgres":
            drop_postgres_database(url)
    assert contacts == {
        "ct_keep": datetime(2026, 4, 1, tzinfo=UTC),
        "ct_gone": None,
        "ct_none": datetime(2026, 1, 15, tzinfo=UTC),
    }
    assert leads == {
        "ld_own": datetime(2026, 3, 1, tzinfo=UTC),  # its own interaction
        "ld_moved": datetime(2026, 4, 1, tzinfo=UTC),  # the survivor's, where history moved
        "ld_quiet": datetime(2026, 2, 1, tzinfo=UTC),  # its creation
    }


_BEFORE_FOLLOWUP_TALLIES = "0019_pipeline_tallies"
_TALLIED_ROWS = """
INSERT INTO leads (lead_id, workspace_id, title, source, status, pipeline_stage, last_touch_at,
    created_at, updated_at)
VALUES ('ld_a', 'T0MIG', 'A', 'email', 'new', 'inquiry', '2026-03-01 23:30:00+00',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00'),
       ('ld_b', 'T0MIG', 'B', 'email', 'new', 'inquiry', '2026-03-01 00:10:00+00',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00'),
       ('ld_c', 'T0MIG', 'C', 'email', 'working', 'inquiry', '2026-03-02 01:00:00+00',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00'),
       ('ld_d', 'T0MIG', 'D', 'email', 'qualified', 'inquiry', '2026-03-01 12:00:00+00',
        '2026-02-01 00:00:00+00', '2026-02-01 00:00:00+00');
INSERT INTO interactions (interaction_id, workspace_id, type, timestamp, lead_id, outcome,
    follow_up_date, follow_up_status, created_at, updated_at)
VALUES ('ix_p1', 'T0MIG', 'note', '2026-03-01 00:00:00+00', 'ld_a', 'none', '2026-03-05',
        'pending', '2026-03-01 00:00:00+00', '2026-03-01 00:00:00+00'),
       ('ix_p2', 'T0MIG', 'note', '2026-03-01 00:00:00+00', 'ld_b', 'none', '2026-03-05',
        'pending', '2026-03-01 00:00:00+00', '2026-03-01 00:00:00+00'),
       ('ix_done', 'T0MIG', 'note', '2026-03-01 00:00:00+00', 'ld_c', 'none', '2026-03-05',
        'completed', '2026-03-01 00:00:00+00', '2026-03-01 00:00:00+00');
"""


def test_the_followup_tallies_migration_backfills_from_the_rows(
    backend: str, tmp_path: Path
) -> None:
    """0020 counts the leads and follow-ups already there, one row per key, UTC days."""
    url = migrated_database_url(backend, tmp_path, f"tallies_{os.getpid()}")
    try:
        command.downgrade(alembic_config(url), _BEFORE_FOLLOWUP_TALLIES)
        engine = make_engine(url)
        with engine.begin() as connection:
            for statement in (_ROWS.split(";")[0], *_TALLIED_ROWS.split(";")):
                if statement.strip():
                    connection.exec_driver_sql(statement)
        command.upgrade(alembic_config(url), "head")
        with engine.connect() as connection:
            touches = connection.execute(
                select(TouchTally.status, TouchTally.touch_day, TouchTally.leads)
            ).all()
            followups = connection.execute(
                select(FollowUpTally.follow_up_date, FollowUpTally.follow_ups)
            ).all()
        engine.dispose()
    finally:
        if backend == "postgres":
            drop_postgres_database(url)
    assert sorted(touches) == [
        ("new", date(2026, 3, 1), 2),  # 23:30 and 00:10 UTC, one day; qualified is not kept
        ("working", date(2026, 3, 2), 1),
    ]
    assert followups == [(date(2026, 3, 5), 2)]  # the completed one is not pending
