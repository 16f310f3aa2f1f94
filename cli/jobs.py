"""`crm worker` and `crm run-job`: the scheduled digests, on a schedule or one at a time."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.errors import InvalidInput, NotFound
from core.models import Workspace, utcnow
from core.platform.config import Settings, get_settings
from core.workspaces.service import zone
from jobs.periods import JobKind


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="the scheduler process: daily, weekly and monthly digests"
    )
    worker.set_defaults(handler=_worker)
    run = commands.add_parser(
        "run-job",
        help="run one scheduled job now, for the period containing --at; once unless --force",
    )
    run.add_argument("job", choices=[kind.value for kind in JobKind])
    run.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="report time, e.g. 2026-11-30T08:00 (workspace time zone unless it has an offset); "
        "default: now",
    )
    run.add_argument("--workspace", metavar="TEAM_ID", help="default: every workspace")
    run.add_argument(
        "--force", action="store_true", help="post again even if this period was posted"
    )
    run.set_defaults(handler=_run_job)


def parse_at(text: str) -> datetime:
    """An ISO time; without an offset it is read later in each workspace's time zone."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as error:
        raise InvalidInput(
            f'--at "{text[:60]}" is not an ISO time; use e.g. 2026-11-30T08:00 or '
            "2026-11-30T08:00-05:00.",
            field="at",
        ) from error


def report_time(at: datetime | None, workspace: Workspace) -> datetime:
    if at is None:
        return utcnow()
    return at if at.tzinfo is not None else at.replace(tzinfo=zone(workspace))


def _run_job(args: argparse.Namespace) -> int:
    from jobs.scheduler import JOBS
    from wiring import build_dependencies

    at = parse_at(args.at) if args.at else None
    deps = build_dependencies(get_settings())
    sessions = deps.sessions
    try:
        with sessions.begin() as session:
            query = select(Workspace).order_by(Workspace.workspace_id)
            if args.workspace:
                query = query.where(Workspace.workspace_id == args.workspace)
            workspaces = list(session.scalars(query))
        if args.workspace and not workspaces:
            raise NotFound(f"No workspace {args.workspace} here.", field="workspace")
        if not workspaces:
            print("No workspaces yet: nothing to post.")
            return 0
        run = JOBS[JobKind(args.job)]
        failed = 0
        for workspace in workspaces:
            outcome = run(
                sessions=sessions,
                slack=deps.slack.client_for(workspace.workspace_id),
                now=report_time(at, workspace),
                workspace_id=workspace.workspace_id,
                force=args.force,
            )
            print(outcome.describe(), file=sys.stdout if outcome.ok else sys.stderr)
            failed += not outcome.ok
        return 1 if failed else 0
    finally:
        deps.close()


def _worker(args: argparse.Namespace) -> int:
    from jobs.scheduler import build_scheduler, run_worker
    from wiring import build_dependencies

    deps = build_dependencies(get_settings())
    scheduler = build_scheduler(sessions=deps.sessions, clients=deps.slack.client_for)
    _add_mail_sync(scheduler, deps.settings, deps.sessions)
    print(
        "Worker started: digests are checked every minute, the outbox every 3 s (Ctrl-C to stop).",
        flush=True,
    )
    try:
        run_worker(scheduler)
    finally:
        deps.close()
    return 0


MAIL_SYNC_SECONDS = 120


def _add_mail_sync(scheduler: Any, settings: Settings, sessions: sessionmaker[Session]) -> None:
    """Every 2 minutes, one inbound pass over each connected mailbox (needs CRM_SECRET_KEY)."""
    if settings.crm_secret_key is None:
        return  # no mailbox can be connected without a key to seal its tokens
    from apscheduler.triggers.interval import IntervalTrigger

    from cli.gmail import MailNotices
    from core.models import utcnow
    from core.platform.token_cipher import cipher_from_keys
    from integrations.gmail.connect import GmailAdapters
    from jobs.mail_sync import sync_all_mailboxes

    cipher = cipher_from_keys(settings.crm_secret_key.get_secret_value())
    gmail = GmailAdapters(settings, sessions=sessions, cipher=cipher)
    notices = MailNotices(utcnow)
    scheduler.add_job(
        sync_all_mailboxes,
        IntervalTrigger(seconds=MAIL_SYNC_SECONDS),
        kwargs={
            "sessions": sessions,
            "mailbox_for": gmail.mailbox_for,
            "now": utcnow,
            "on_lead": notices.new_inquiry,
            "on_paused": notices.paused,
        },
        id="crm-mail-sync",
        name="inbound mail",
        replace_existing=True,
    )
