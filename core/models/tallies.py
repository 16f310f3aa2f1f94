"""Tallies: the counts and sums the reports read instead of counting rows (docs/performance.md).

Derived data, kept by database triggers (migrations 0019 and 0020) in the same transaction as
every write to the rows they count. A write only ever inserts signed delta rows (+1 for the new
key, -1 for the old, value deltas likewise), so concurrent writers never wait on a counter row;
a reader sums the rows of the keys it needs, and the worker folds them into one row per key
(`core.platform.tallies.fold_tallies`). No foreign key on `workspace_id`: a check per delta
row would cost every write and guard rows nobody edits.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.common import enums
from core.models.records import Base
from core.platform.column_types import enum_column_type

TALLY_ID = BigInteger().with_variant(Integer(), "sqlite")


class LeadTally(Base):
    """Leads per status and pipeline stage: how many, their estimated value (none counts 0) and
    the sum of their creation dates as local day numbers in the workspace's time zone, so the
    age total on a day is `leads * today's number - created_days`."""

    __tablename__ = "lead_tallies"
    __table_args__ = (Index("ix_lead_tallies_key", "workspace_id", "status", "pipeline_stage"),)

    tally_id: Mapped[int] = mapped_column(TALLY_ID, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[enums.LeadStatus] = mapped_column(enum_column_type(enums.LeadStatus))
    pipeline_stage: Mapped[enums.PipelineStage] = mapped_column(
        enum_column_type(enums.PipelineStage)
    )
    leads: Mapped[int] = mapped_column(BigInteger)
    estimated_value: Mapped[Decimal]
    created_days: Mapped[int] = mapped_column(BigInteger)


class DealTally(Base):
    """Deals per stage: how many and their amount (none counts 0)."""

    __tablename__ = "deal_tallies"
    __table_args__ = (Index("ix_deal_tallies_key", "workspace_id", "stage"),)

    tally_id: Mapped[int] = mapped_column(TALLY_ID, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    stage: Mapped[enums.OpportunityStage] = mapped_column(enum_column_type(enums.OpportunityStage))
    deals: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal]


class TouchTally(Base):
    """How many stale-candidate leads (new or working) were last touched on each UTC day.

    Only `STALE_CANDIDATE_STATUSES` are kept: the stale report reads no other status, and the
    other leads' touches then write nothing.
    """

    __tablename__ = "touch_tallies"
    __table_args__ = (Index("ix_touch_tallies_key", "workspace_id", "status", "touch_day"),)

    tally_id: Mapped[int] = mapped_column(TALLY_ID, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    status: Mapped[enums.LeadStatus] = mapped_column(enum_column_type(enums.LeadStatus))
    touch_day: Mapped[date] = mapped_column(Date)  # the UTC date of `leads.last_touch_at`
    # Integer: Postgres sums it as a bigint, an int in Python (a bigint sums as numeric).
    leads: Mapped[int] = mapped_column(Integer)


class FollowUpTally(Base):
    """How many pending follow-ups are promised for each date."""

    __tablename__ = "followup_tallies"
    __table_args__ = (Index("ix_followup_tallies_key", "workspace_id", "follow_up_date"),)

    tally_id: Mapped[int] = mapped_column(TALLY_ID, primary_key=True, autoincrement=True)
    workspace_id: Mapped[str] = mapped_column(String(32))
    follow_up_date: Mapped[date] = mapped_column(Date)
    follow_ups: Mapped[int] = mapped_column(Integer)
