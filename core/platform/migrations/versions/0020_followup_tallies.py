"""followup tallies: the stale and follow-up totals summed from tallies the database keeps

`/followups` counted its totals from indexes: 33,000 index entries for the stale total at full
size, 2,000 for the overdue one, and more as the book grows. `touch_tallies` keeps how many new
or working leads were last touched on each UTC day, `followup_tallies` how many pending
follow-ups fall on each date; triggers on leads and interactions add a signed delta row for
every write (never an update of a shared row, so concurrent writers never wait on each other),
and a report sums a few rows. `ix_leads_snoozed` finds the few leads snoozed now, which the
stale total takes off (docs/performance.md).

Revision ID: 0020_followup_tallies
Revises: 0019_pipeline_tallies
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import sqlalchemy as sa
from alembic import op

revision: str = "0020_followup_tallies"
down_revision: str | None = "0019_pipeline_tallies"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TALLY_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SNOOZED = "snoozed_until IS NOT NULL"


class Tally(NamedTuple):
    """One tally table: the rows of `source` it counts (`counted`), under which key.

    Expressions name the row as `{row}` (OLD, NEW, or the table itself for the backfill).
    """

    table: str
    source: str
    columns: tuple[str, ...]  # the key, then the summed column
    postgres_key: tuple[str, ...]
    sqlite_key: tuple[str, ...]
    counted: str
    watched: tuple[str, ...]  # the source columns an UPDATE must change to move the key


TALLIES = (
    Tally(
        table="touch_tallies",
        source="leads",
        columns=("workspace_id", "status", "touch_day", "leads"),
        postgres_key=(
            "{row}.workspace_id",
            "{row}.status",
            "({row}.last_touch_at AT TIME ZONE 'UTC')::date",
        ),
        # SQLite keeps a timestamp as ISO text, UTC: its first ten characters are the date.
        sqlite_key=("{row}.workspace_id", "{row}.status", "substr({row}.last_touch_at, 1, 10)"),
        # STALE_CANDIDATE_STATUSES only: the stale report reads no other status.
        counted="{row}.status IN ('new', 'working') AND {row}.last_touch_at IS NOT NULL",
        watched=("status", "last_touch_at", "workspace_id"),
    ),
    Tally(
        table="followup_tallies",
        source="interactions",
        columns=("workspace_id", "follow_up_date", "follow_ups"),
        postgres_key=("{row}.workspace_id", "{row}.follow_up_date"),
        sqlite_key=("{row}.workspace_id", "{row}.follow_up_date"),
        counted="{row}.follow_up_status = 'pending' AND {row}.follow_up_date IS NOT NULL",
        watched=("follow_up_status", "follow_up_date", "workspace_id"),
    ),
)


def _on(template: str | tuple[str, ...], row: str) -> str:
    parts = (template,) if isinstance(template, str) else template
    return ", ".join(part.format(row=row) for part in parts)


def _delta(tally: Tally, key: tuple[str, ...], row: str, sign: int) -> str:
    """The INSERT of one delta row for `row`'s key, when `row` is counted."""
    return (
        f"INSERT INTO {tally.table} ({', '.join(tally.columns)}) "
        f"SELECT {_on(key, row)}, {sign} WHERE {_on(tally.counted, row)}"
    )


def _moved(tally: Tally, key: tuple[str, ...], distinct: str) -> str:
    """An UPDATE that changes a counted row's key, or whether it is counted."""
    old, new = _on(tally.counted, "OLD"), _on(tally.counted, "NEW")
    changes = [f"({old}) {distinct} ({new})"]
    changes += [f"{part.format(row='OLD')} {distinct} {part.format(row='NEW')}" for part in key]
    return f"(({old}) OR ({new})) AND ({' OR '.join(changes)})"


def _create_postgres_triggers(tally: Tally) -> None:
    key = tally.postgres_key
    op.execute(
        f"""
        CREATE FUNCTION {tally.table}_keep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN {_delta(tally, key, "OLD", -1)}; END IF;
            IF TG_OP <> 'DELETE' THEN {_delta(tally, key, "NEW", 1)}; END IF;
            RETURN NULL;
        END
        $$
        """
    )
    execute = f"FOR EACH ROW WHEN (%s) EXECUTE FUNCTION {tally.table}_keep()"
    for name, event, when in (
        ("insert", "INSERT", _on(tally.counted, "NEW")),
        ("update", f"UPDATE OF {', '.join(tally.watched)}", _moved(tally, key, "IS DISTINCT FROM")),
        ("delete", "DELETE", _on(tally.counted, "OLD")),
    ):
        op.execute(
            f"CREATE TRIGGER {tally.table}_{name} AFTER {event} ON {tally.source} " + execute % when
        )


def _create_sqlite_triggers(tally: Tally) -> None:
    key = tally.sqlite_key
    for name, event, when, deltas in (
        ("insert", "INSERT", _on(tally.counted, "NEW"), [("NEW", 1)]),
        (
            "update",
            f"UPDATE OF {', '.join(tally.watched)}",
            _moved(tally, key, "IS NOT"),
            [("OLD", -1), ("NEW", 1)],
        ),
        ("delete", "DELETE", _on(tally.counted, "OLD"), [("OLD", -1)]),
    ):
        body = " ".join(f"{_delta(tally, key, row, sign)};" for row, sign in deltas)
        op.execute(
            f"CREATE TRIGGER {tally.table}_{name} AFTER {event} ON {tally.source} "
            f"FOR EACH ROW WHEN {when} BEGIN {body} END"
        )


def _backfill(tally: Tally, dialect: str) -> None:
    key = tally.postgres_key if dialect == "postgresql" else tally.sqlite_key
    grouped = ", ".join(str(n + 1) for n in range(len(key)))
    op.execute(
        f"INSERT INTO {tally.table} ({', '.join(tally.columns)}) "
        f"SELECT {_on(key, tally.source)}, count(*) FROM {tally.source} "
        f"WHERE {_on(tally.counted, tally.source)} GROUP BY {grouped}"
    )


def upgrade() -> None:
    op.create_table(
        "touch_tallies",
        sa.Column("tally_id", TALLY_ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "new",
                "working",
                "qualified",
                "disqualified",
                "converted",
                name="leadstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("touch_day", sa.Date(), nullable=False),
        sa.Column("leads", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tally_id"),
    )
    op.create_index(
        "ix_touch_tallies_key", "touch_tallies", ["workspace_id", "status", "touch_day"]
    )
    op.create_table(
        "followup_tallies",
        sa.Column("tally_id", TALLY_ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        sa.Column("follow_up_date", sa.Date(), nullable=False),
        sa.Column("follow_ups", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("tally_id"),
    )
    op.create_index(
        "ix_followup_tallies_key", "followup_tallies", ["workspace_id", "follow_up_date"]
    )
    op.create_index(
        "ix_leads_snoozed",
        "leads",
        ["workspace_id", "snoozed_until"],
        postgresql_where=sa.text(SNOOZED),
        sqlite_where=sa.text(SNOOZED),
    )
    dialect = op.get_bind().dialect.name
    for tally in TALLIES:
        if dialect == "postgresql":
            _create_postgres_triggers(tally)
        else:
            _create_sqlite_triggers(tally)
        _backfill(tally, dialect)
    if dialect == "postgresql":
        op.execute("ANALYZE touch_tallies")
        op.execute("ANALYZE followup_tallies")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for tally in TALLIES:
        for name in ("insert", "update", "delete"):
            if dialect == "postgresql":
                op.execute(f"DROP TRIGGER {tally.table}_{name} ON {tally.source}")
            else:
                op.execute(f"DROP TRIGGER {tally.table}_{name}")
        if dialect == "postgresql":
            op.execute(f"DROP FUNCTION {tally.table}_keep()")
    op.drop_index("ix_leads_snoozed", table_name="leads")
    op.drop_index("ix_followup_tallies_key", table_name="followup_tallies")
    op.drop_table("followup_tallies")
    op.drop_index("ix_touch_tallies_key", table_name="touch_tallies")
    op.drop_table("touch_tallies")
