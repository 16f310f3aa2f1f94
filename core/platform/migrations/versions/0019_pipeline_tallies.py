"""pipeline tallies: the pipeline summary's counts kept as rows, and each lead's first reply

`/pipeline` added up every open lead at follow-up and estimate sent and looked up the first
reply of each lead of the week: work that grows with the book. Now:

- `lead_tallies` (workspace, status, pipeline stage: leads, estimated value, creation dates as
  local day numbers) and `deal_tallies` (workspace, stage: deals, amount), kept by triggers
  that insert signed delta rows on every write (never update one, so writers never wait on a
  counter), folded by the worker. A workspace's time zone change re-dates its leads' tally.
- `leads.first_reply_at`, the first email or text on the lead at or after its creation, kept
  by triggers on interactions (insert, update, delete) and on the lead's creation time; the
  created-at index carries it, so the week's figures read no interaction.

SQLite gets the same triggers; it has no time zones, so the local day number is the Python
function every connection of the product is given (core/platform/db.py), registered here too
for the backfill. A later batch migration that rebuilds `leads`, `interactions`,
`opportunities` or `workspaces` on SQLite drops their triggers and must make them again.

Revision ID: 0019_pipeline_tallies
Revises: 0018_one_point_index
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from core.platform import column_types

revision: str = "0019_pipeline_tallies"
down_revision: str | None = "0018_one_point_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLIES = "('email_outbound', 'sms')"
TALLY_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _local_day_number(stored: str | None, zone_name: str) -> int | None:
    """SQLite's `crm_local_day_number` as of this revision (a migration imports no app code)."""
    if stored is None:
        return None
    instant = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return (instant.astimezone(ZoneInfo(zone_name)).date() - date(1970, 1, 1)).days


def _day(instant: str, zone_name: str, dialect: str) -> str:
    if dialect == "sqlite":
        return f"crm_local_day_number({instant}, {zone_name})"
    return f"(CAST(timezone({zone_name}, {instant}) AS DATE) - DATE '1970-01-01')"


def _first_reply(lead: str) -> str:
    """The first reply of the lead row named `lead`: what `leads.first_reply_at` holds."""
    return (
        f"(SELECT min(i.timestamp) FROM interactions i WHERE i.lead_id = {lead}.lead_id "
        f"AND i.type IN {REPLIES} AND i.timestamp >= {lead}.created_at)"
    )


def _lead_delta(row: str, sign: str, dialect: str) -> str:
    zone_name = f"(SELECT w.timezone FROM workspaces w WHERE w.workspace_id = {row}.workspace_id)"
    return (
        f"({row}.workspace_id, {row}.status, {row}.pipeline_stage, {sign}1, "
        f"{sign}coalesce({row}.estimated_value, 0), "
        f"{sign}{_day(f'{row}.created_at', zone_name, dialect)})"
    )


def _deal_delta(row: str, sign: str) -> str:
    return f"({row}.workspace_id, {row}.stage, {sign}1, {sign}coalesce({row}.amount, 0))"


LEAD_TALLY = (
    "INSERT INTO lead_tallies (workspace_id, status, pipeline_stage, leads, estimated_value, "
    "created_days) "
)
DEAL_TALLY = "INSERT INTO deal_tallies (workspace_id, stage, deals, amount) "
LEAD_KEYS = ("workspace_id", "status", "pipeline_stage", "estimated_value", "created_at")
DEAL_KEYS = ("workspace_id", "stage", "amount")
REPLY_KEYS = ("lead_id", "type", "timestamp")


def _changed(keys: Sequence[str]) -> str:
    return " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in keys)


def _rebuild_zone(dialect: str) -> str:
    """The workspace's leads re-dated from the old zone to the new, as one delta per key."""
    return (
        f"{LEAD_TALLY} SELECT l.workspace_id, l.status, l.pipeline_stage, 0, 0, "
        f"sum({_day('l.created_at', 'NEW.timezone', dialect)} "
        f"- {_day('l.created_at', 'OLD.timezone', dialect)}) "
        "FROM leads l WHERE l.workspace_id = NEW.workspace_id "
        "GROUP BY l.workspace_id, l.status, l.pipeline_stage"
    )


def _postgres_triggers() -> list[str]:
    return [
        f"""CREATE FUNCTION crm_lead_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {LEAD_TALLY} VALUES {_lead_delta("OLD", "-", "postgresql")};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {LEAD_TALLY} VALUES {_lead_delta("NEW", "", "postgresql")};
    END IF;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER crm_lead_tallies_insert AFTER INSERT ON leads "
        "FOR EACH ROW EXECUTE FUNCTION crm_lead_tallies()",
        "CREATE TRIGGER crm_lead_tallies_delete AFTER DELETE ON leads "
        "FOR EACH ROW EXECUTE FUNCTION crm_lead_tallies()",
        f"CREATE TRIGGER crm_lead_tallies_update AFTER UPDATE OF {', '.join(LEAD_KEYS)} "
        f"ON leads FOR EACH ROW WHEN ({_changed(LEAD_KEYS)}) "
        "EXECUTE FUNCTION crm_lead_tallies()",
        f"""CREATE FUNCTION crm_deal_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {DEAL_TALLY} VALUES {_deal_delta("OLD", "-")};
    END IF;
    IF TG_OP <> 'DELETE' THEN
        {DEAL_TALLY} VALUES {_deal_delta("NEW", "")};
    END IF;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER crm_deal_tallies_insert AFTER INSERT ON opportunities "
        "FOR EACH ROW EXECUTE FUNCTION crm_deal_tallies()",
        "CREATE TRIGGER crm_deal_tallies_delete AFTER DELETE ON opportunities "
        "FOR EACH ROW EXECUTE FUNCTION crm_deal_tallies()",
        f"CREATE TRIGGER crm_deal_tallies_update AFTER UPDATE OF {', '.join(DEAL_KEYS)} "
        f"ON opportunities FOR EACH ROW WHEN ({_changed(DEAL_KEYS)}) "
        "EXECUTE FUNCTION crm_deal_tallies()",
        # A lead written at the moment of a zone change was dated by its own trigger in the old
        # zone: the share lock waits for every lead write under way to commit (so the rebuild
        # sees it) and holds new ones until this transaction commits (so they read the new one).
        f"""CREATE FUNCTION crm_zone_tallies() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    LOCK TABLE leads IN SHARE MODE;
    {_rebuild_zone("postgresql")};
    RETURN NULL;
END $$""",
        "CREATE TRIGGER crm_zone_tallies AFTER UPDATE OF timezone ON workspaces "
        "FOR EACH ROW WHEN (OLD.timezone IS DISTINCT FROM NEW.timezone) "
        "EXECUTE FUNCTION crm_zone_tallies()",
        # A new reply moves the first reply back only when it is earlier: no lookup. The lead is
        # locked first, so the comparison reads its first reply as any concurrent recompute
        # (crm_first_reply_changed) left it; and the interaction's contact before it, the
        # order the write's last touch (core/activity/last_touch.py) takes them in, so two
        # replies to two leads of one contact wait for each other instead of deadlocking.
        """CREATE FUNCTION crm_first_reply_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM contacts WHERE contact_id = NEW.contact_id FOR NO KEY UPDATE;
    PERFORM 1 FROM leads WHERE lead_id = NEW.lead_id FOR NO KEY UPDATE;
    UPDATE leads SET first_reply_at = NEW.timestamp
    WHERE lead_id = NEW.lead_id AND created_at <= NEW.timestamp
      AND (first_reply_at IS NULL OR first_reply_at > NEW.timestamp);
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER crm_first_reply_added AFTER INSERT ON interactions FOR EACH ROW "
        f"WHEN (NEW.lead_id IS NOT NULL AND NEW.type IN {REPLIES}) "
        "EXECUTE FUNCTION crm_first_reply_added()",
        # A reply moved, retyped, re-dated or deleted: the leads it was and is on are looked up
        # again. Locked first, so the lookup (a statement of its own, a fresh snapshot) sees
        # any reply committed on them meanwhile, and a reply added meanwhile compares with
        # the result.
        f"""CREATE FUNCTION crm_first_reply_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was text := CASE WHEN TG_OP <> 'INSERT' THEN OLD.lead_id END;
    now_on text := CASE WHEN TG_OP <> 'DELETE' THEN NEW.lead_id END;
BEGIN
    PERFORM 1 FROM leads WHERE lead_id IN (was, now_on) ORDER BY lead_id FOR NO KEY UPDATE;
    UPDATE leads l SET first_reply_at = {_first_reply("l")}
    WHERE l.lead_id IN (was, now_on)
      AND l.first_reply_at IS DISTINCT FROM {_first_reply("l")};
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER crm_first_reply_changed AFTER UPDATE OF {', '.join(REPLY_KEYS)} "
        f"ON interactions FOR EACH ROW WHEN (({_changed(REPLY_KEYS)}) "
        f"AND (OLD.lead_id IS NOT NULL AND OLD.type IN {REPLIES} "
        f"OR NEW.lead_id IS NOT NULL AND NEW.type IN {REPLIES})) "
        "EXECUTE FUNCTION crm_first_reply_changed()",
        f"CREATE TRIGGER crm_first_reply_deleted AFTER DELETE ON interactions FOR EACH ROW "
        f"WHEN (OLD.lead_id IS NOT NULL AND OLD.type IN {REPLIES}) "
        "EXECUTE FUNCTION crm_first_reply_changed()",
        f"""CREATE FUNCTION crm_first_reply_redated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.first_reply_at := {_first_reply("NEW")};
    RETURN NEW;
END $$""",
        "CREATE TRIGGER crm_first_reply_redated BEFORE UPDATE OF created_at ON leads "
        "FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at) "
        "EXECUTE FUNCTION crm_first_reply_redated()",
    ]


def _sqlite_triggers() -> list[str]:
    def trigger(name: str, when: str, table: str, body: str) -> str:
        return f"CREATE TRIGGER {name} {when} ON {table} FOR EACH ROW {body}"

    def changed(keys: Sequence[str]) -> str:
        return " OR ".join(f"OLD.{k} IS NOT NEW.{k}" for k in keys)

    old_lead, new_lead = _lead_delta("OLD", "-", "sqlite"), _lead_delta("NEW", "", "sqlite")
    old_deal, new_deal = _deal_delta("OLD", "-"), _deal_delta("NEW", "")
    on_reply = "lead_id IS NOT NULL AND {row}.type IN " + REPLIES
    recompute = (
        f"UPDATE leads SET first_reply_at = {_first_reply('leads')} WHERE lead_id IN ({{ids}});"
    )
    return [
        trigger(
            "crm_lead_tallies_insert",
            "AFTER INSERT",
            "leads",
            f"BEGIN {LEAD_TALLY} VALUES {new_lead}; END",
        ),
        trigger(
            "crm_lead_tallies_update",
            f"AFTER UPDATE OF {', '.join(LEAD_KEYS)}",
            "leads",
            f"WHEN {changed(LEAD_KEYS)} BEGIN {LEAD_TALLY} VALUES {old_lead}, {new_lead}; END",
        ),
        trigger(
            "crm_lead_tallies_delete",
            "AFTER DELETE",
            "leads",
            f"BEGIN {LEAD_TALLY} VALUES {old_lead}; END",
        ),
        trigger(
            "crm_deal_tallies_insert",
            "AFTER INSERT",
            "opportunities",
            f"BEGIN {DEAL_TALLY} VALUES {new_deal}; END",
        ),
        trigger(
            "crm_deal_tallies_update",
            f"AFTER UPDATE OF {', '.join(DEAL_KEYS)}",
            "opportunities",
            f"WHEN {changed(DEAL_KEYS)} BEGIN {DEAL_TALLY} VALUES {old_deal}, {new_deal}; END",
        ),
        trigger(
            "crm_deal_tallies_delete",
            "AFTER DELETE",
            "opportunities",
            f"BEGIN {DEAL_TALLY} VALUES {old_deal}; END",
        ),
        trigger(
            "crm_zone_tallies",
            "AFTER UPDATE OF timezone",
            "workspaces",
            f"WHEN OLD.timezone IS NOT NEW.timezone BEGIN {_rebuild_zone('sqlite')}; END",
        ),
        trigger(
            "crm_first_reply_added",
            "AFTER INSERT",
            "interactions",
            f"WHEN NEW.{on_reply.format(row='NEW')} BEGIN "
            "UPDATE leads SET first_reply_at = NEW.timestamp "
            "WHERE lead_id = NEW.lead_id AND created_at <= NEW.timestamp "
            "AND (first_reply_at IS NULL OR first_reply_at > NEW.timestamp); END",
        ),
        trigger(
            "crm_first_reply_changed",
            f"AFTER UPDATE OF {', '.join(REPLY_KEYS)}",
            "interactions",
            f"WHEN ({changed(REPLY_KEYS)}) AND (OLD.{on_reply.format(row='OLD')} "
            f"OR NEW.{on_reply.format(row='NEW')}) "
            f"BEGIN {recompute.format(ids='OLD.lead_id, NEW.lead_id')} END",
        ),
        trigger(
            "crm_first_reply_deleted",
            "AFTER DELETE",
            "interactions",
            f"WHEN OLD.{on_reply.format(row='OLD')} "
            f"BEGIN {recompute.format(ids='OLD.lead_id')} END",
        ),
        trigger(
            "crm_first_reply_redated",
            "AFTER UPDATE OF created_at",
            "leads",
            f"WHEN OLD.created_at IS NOT NEW.created_at "
            f"BEGIN {recompute.format(ids='NEW.lead_id')} END",
        ),
    ]


TRIGGERS = {
    "leads": (
        "crm_lead_tallies_insert",
        "crm_lead_tallies_update",
        "crm_lead_tallies_delete",
        "crm_first_reply_redated",
    ),
    "opportunities": (
        "crm_deal_tallies_insert",
        "crm_deal_tallies_update",
        "crm_deal_tallies_delete",
    ),
    "workspaces": ("crm_zone_tallies",),
    "interactions": (
        "crm_first_reply_added",
        "crm_first_reply_changed",
        "crm_first_reply_deleted",
    ),
}
FUNCTIONS = (
    "crm_lead_tallies",
    "crm_deal_tallies",
    "crm_zone_tallies",
    "crm_first_reply_added",
    "crm_first_reply_changed",
    "crm_first_reply_redated",
)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def _create_tally(name: str, *columns: sa.Column[Any]) -> None:
    op.create_table(
        name,
        sa.Column("tally_id", TALLY_ID, autoincrement=True, nullable=False),
        sa.Column("workspace_id", sa.String(length=32), nullable=False),
        *columns,
        sa.PrimaryKeyConstraint("tally_id"),
    )


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "sqlite":
        raw: Any = bind.connection.dbapi_connection
        raw.create_function("crm_local_day_number", 2, _local_day_number, deterministic=True)

    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_reply_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index("ix_leads_workspace_created")
        batch_op.create_index(
            "ix_leads_workspace_created",
            ["workspace_id", "created_at", "first_reply_at"],
            unique=False,
        )
    op.execute(
        f"UPDATE leads SET first_reply_at = {_first_reply('leads')} "
        f"WHERE lead_id IN (SELECT i.lead_id FROM interactions i WHERE i.type IN {REPLIES})"
    )

    _create_tally(
        "lead_tallies",
        sa.Column(
            "status",
            _enum("leadstatus", "new", "working", "qualified", "disqualified", "converted"),
            nullable=False,
        ),
        sa.Column(
            "pipeline_stage",
            _enum(
                "pipelinestage",
                "inquiry",
                "needs_analysis",
                "estimate_sent",
                "follow_up",
                "scheduled_visit",
            ),
            nullable=False,
        ),
        sa.Column("leads", sa.BigInteger(), nullable=False),
        sa.Column("estimated_value", column_types.Money(), nullable=False),
        sa.Column("created_days", sa.BigInteger(), nullable=False),
    )
    op.create_index(
        "ix_lead_tallies_key", "lead_tallies", ["workspace_id", "status", "pipeline_stage"]
    )
    _create_tally(
        "deal_tallies",
        sa.Column(
            "stage",
            _enum("opportunitystage", "estimating", "proposal_sent", "scheduled", "won", "lost"),
            nullable=False,
        ),
        sa.Column("deals", sa.BigInteger(), nullable=False),
        sa.Column("amount", column_types.Money(), nullable=False),
    )
    op.create_index("ix_deal_tallies_key", "deal_tallies", ["workspace_id", "stage"])

    day = _day("l.created_at", "w.timezone", dialect)
    op.execute(
        f"{LEAD_TALLY} SELECT l.workspace_id, l.status, l.pipeline_stage, count(*), "
        f"coalesce(sum(l.estimated_value), 0), sum({day}) "
        "FROM leads l JOIN workspaces w ON w.workspace_id = l.workspace_id "
        "GROUP BY l.workspace_id, l.status, l.pipeline_stage"
    )
    op.execute(
        f"{DEAL_TALLY} SELECT workspace_id, stage, count(*), coalesce(sum(amount), 0) "
        "FROM opportunities GROUP BY workspace_id, stage"
    )
    for statement in _sqlite_triggers() if dialect == "sqlite" else _postgres_triggers():
        op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table, triggers in TRIGGERS.items():
        for trigger in triggers:
            op.execute(
                f"DROP TRIGGER {trigger} ON {table}" if postgres else f"DROP TRIGGER {trigger}"
            )
    if postgres:
        for function in FUNCTIONS:
            op.execute(f"DROP FUNCTION {function}()")
    op.drop_index("ix_deal_tallies_key", table_name="deal_tallies")
    op.drop_table("deal_tallies")
    op.drop_index("ix_lead_tallies_key", table_name="lead_tallies")
    op.drop_table("lead_tallies")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index("ix_leads_workspace_created")
        batch_op.create_index(
            "ix_leads_workspace_created", ["workspace_id", "created_at"], unique=False
        )
        batch_op.drop_column("first_reply_at")
