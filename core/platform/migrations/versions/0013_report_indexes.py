"""report indexes: the pipeline summary's open leads by stage, and past their expected close

The weekly summary counts open leads at follow-up and at estimate sent, and lists open leads
past their expected close date; without these two indexes each was a scan of every lead
(docs/performance.md).

Revision ID: 0013_report_indexes
Revises: 0012_do_not_contact
Create Date: 2026-12-06 23:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_report_indexes"
down_revision: str | None = "0012_do_not_contact"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_leads_workspace_stage_status",
        "leads",
        ["workspace_id", "pipeline_stage", "status", "created_at", "estimated_value"],
    )
    op.create_index(
        "ix_leads_workspace_status_expected_close",
        "leads",
        ["workspace_id", "status", "expected_close_date"],
    )


def downgrade() -> None:
    op.drop_index("ix_leads_workspace_status_expected_close", table_name="leads")
    op.drop_index("ix_leads_workspace_stage_status", table_name="leads")
