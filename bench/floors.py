"""Each report and query next to its floor: the fastest hand-written SQL for the same answer,
run in the same process, with `EXPLAIN (ANALYZE, BUFFERS)` of both kept for the output.

"Ours" is the product's function called as the bot calls it (Python, ORM and all); the floor is
the SQL alone. The ratio is ours / floor, medians over `tries` runs of each, taken in turn
after a warm-up.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from bench.data import NOW, WORKSPACE, email_of, name_of, phone_of
from core.common.local_dates import local_midnight, local_today
from core.contacts.search import resolve_person, search_contacts
from core.models import Workspace
from core.reports.followups import followups
from core.reports.stale_leads import stale_leads
from core.reports.summaries import pipeline_summary
from core.reports.win_loss import previous_month, win_loss

# The contacts the reports leave out (do not contact, merged into one, archived).
_LEFT_OUT = """left_out AS MATERIALIZED (
  SELECT contact_id FROM contacts
  WHERE do_not_contact OR (archived AND merged_into_contact_id IS NULL)
  UNION
  SELECT c.contact_id FROM contacts c JOIN contacts s ON s.contact_id = c.merged_into_contact_id
  WHERE s.do_not_contact)"""
_STALE_WHERE = """l.workspace_id = %(ws)s AND l.last_touch_at < %(before)s
  AND (l.snoozed_until IS NULL OR l.snoozed_until < %(today)s)"""
# The same answer as ours: per status the first ten of the (workspace_id, status,
# last_touch_at) index in order, none of a contact the lists leave out, each named as ours
# names it (a merged contact's survivor); the total from the touch tallies (whole UTC days
# before the cut-off's, plus the index's count of that day before the cut-off), less the leads
# snoozed now and the left-out contacts' leads; and each listed lead's newest interaction (on
# it, its contact or the survivor), a probe of the lead and contact indexes per row.
_STALE = f"""SELECT page.*, t.* FROM (
WITH {_LEFT_OUT}
SELECT p.*, coalesce(s.contact_id, c.contact_id) AS shown_id, coalesce(s.first_name, c.first_name),
       coalesce(s.last_name, c.last_name),
       (SELECT coalesce(sum(leads), 0) FROM touch_tallies WHERE workspace_id = %(ws)s
          AND status IN ('new', 'working') AND touch_day < %(before_day)s)
       + (SELECT count(*) FROM leads l WHERE l.status IN ('new', 'working') AND {_STALE_WHERE}
            AND l.last_touch_at >= %(before_day_start)s)
       - (SELECT count(*) FROM leads l WHERE l.workspace_id = %(ws)s
            AND l.status IN ('new', 'working') AND l.snoozed_until >= %(today)s
            AND l.last_touch_at < %(before)s)
       - (SELECT count(*) FROM left_out o JOIN leads l ON l.contact_id = o.contact_id
          WHERE l.status IN ('new', 'working') AND {_STALE_WHERE}) AS total
FROM ((SELECT l.lead_id, l.title, l.created_at, l.owner, l.last_touch_at, l.contact_id FROM leads l
       WHERE l.status = 'new' AND {_STALE_WHERE}
         AND NOT EXISTS (SELECT 1 FROM left_out o WHERE o.contact_id = l.contact_id)
       ORDER BY l.last_touch_at, l.created_at, l.lead_id LIMIT 10)
      UNION ALL
      (SELECT l.lead_id, l.title, l.created_at, l.owner, l.last_touch_at, l.contact_id FROM leads l
       WHERE l.status = 'working' AND {_STALE_WHERE}
         AND NOT EXISTS (SELECT 1 FROM left_out o WHERE o.contact_id = l.contact_id)
       ORDER BY l.last_touch_at, l.created_at, l.lead_id LIMIT 10)) p
LEFT JOIN contacts c ON c.contact_id = p.contact_id
LEFT JOIN contacts s ON s.contact_id = c.merged_into_contact_id
ORDER BY p.last_touch_at, p.created_at, p.lead_id LIMIT 10) page
LEFT JOIN LATERAL (
  SELECT i.interaction_id, i.type, i.timestamp, i.ai_summary, i.subject, i.body
  FROM interactions i WHERE i.workspace_id = %(ws)s AND i.timestamp <= %(now)s
    AND (i.lead_id = page.lead_id OR i.contact_id = page.contact_id OR i.contact_id = page.shown_id)
  ORDER BY i.timestamp DESC, i.interaction_id DESC LIMIT 1) t ON true
ORDER BY page.last_touch_at, page.created_at, page.lead_id
"""
# The same answer as ours: today's and the most overdue follow-ups, ten each, with the lead
# or job and the contact each names (a merged contact's survivor), leaving out the contacts
# the lists leave out (do not contact, merged into one, archived); and the two totals, each
# the pending follow-ups tallied in the range less those of the contacts left out.
_FOLLOWUP_PAGE = """
  (SELECT i.interaction_id FROM interactions i
   WHERE i.workspace_id = %(ws)s AND i.follow_up_status = 'pending'
     AND i.follow_up_date {range}
     AND NOT EXISTS (SELECT 1 FROM left_out o WHERE o.contact_id = i.contact_id)
   ORDER BY i.follow_up_date, i.timestamp, i.interaction_id LIMIT 10)"""
_FOLLOWUPS = f"""
WITH {_LEFT_OUT}
SELECT i.interaction_id, i.type, i.timestamp, i.ai_summary, i.subject, i.outcome,
       i.follow_up_date, i.opportunity_id, l.lead_id, l.title, l.status, l.pipeline_stage,
       l.owner, o.stage, coalesce(s.contact_id, c.contact_id), coalesce(s.first_name, c.first_name),
       coalesce(s.last_name, c.last_name)
FROM ({_FOLLOWUP_PAGE.format(range="= %(today)s")}
      UNION ALL{_FOLLOWUP_PAGE.format(range="< %(today)s")}) page
JOIN interactions i ON i.interaction_id = page.interaction_id
LEFT JOIN opportunities o ON o.opportunity_id = i.opportunity_id
LEFT JOIN leads l ON l.lead_id = coalesce(i.lead_id, o.lead_id)
LEFT JOIN contacts c ON c.contact_id = coalesce(i.contact_id, l.contact_id, o.contact_id)
LEFT JOIN contacts s ON s.contact_id = c.merged_into_contact_id
"""
_FOLLOWUP_COUNTS = f"""
WITH {_LEFT_OUT}
SELECT every.due_today - gone.due_today, every.overdue - gone.overdue
FROM (SELECT coalesce(sum(follow_ups) FILTER (WHERE follow_up_date = %(today)s), 0) AS due_today,
             coalesce(sum(follow_ups) FILTER (WHERE follow_up_date < %(today)s), 0) AS overdue
      FROM followup_tallies WHERE workspace_id = %(ws)s AND follow_up_date <= %(today)s) every,
     (SELECT count(*) FILTER (WHERE i.follow_up_date = %(today)s) AS due_today,
             count(*) FILTER (WHERE i.follow_up_date < %(today)s) AS overdue
      FROM left_out o JOIN interactions i ON i.contact_id = o.contact_id
      WHERE i.workspace_id = %(ws)s AND i.follow_up_status = 'pending'
        AND i.follow_up_date <= %(today)s) gone
"""
# The same answer as ours: the week's new leads with their first replies (an index-only range
# of the created-at index, which carries each lead's first reply), the open leads at follow-up
# and estimate sent (their tallies: count, value, local-day ages), the deals out (their tally)
# and those closed in the week, the oldest open lead (the first of each open status, then the
# first of those) and the leads past their close date, each named and none of an archived
# contact. The bench has no lead after the report time and no archived contact, but the floor
# asks for both as ours does: a floor that skips them gives another answer.
_PIPELINE = (
    """SELECT count(*), count(first_reply_at), EXTRACT(EPOCH FROM sum(first_reply_at - created_at))
       FROM leads WHERE workspace_id = %(ws)s
         AND created_at > %(week_ago)s AND created_at <= %(now)s""",
    # The tallies less the open leads they hold that the summary leaves out: those created
    # after the report time and those of archived contacts (found from those contacts).
    """WITH left_out AS (
         SELECT pipeline_stage, estimated_value, created_at FROM leads
         WHERE workspace_id = %(ws)s AND created_at > %(now)s
           AND status IN ('new', 'working', 'qualified')
           AND pipeline_stage IN ('follow_up', 'estimate_sent')
         UNION ALL
         SELECT l.pipeline_stage, l.estimated_value, l.created_at FROM contacts a
         JOIN leads l ON l.contact_id = a.contact_id
         WHERE a.archived AND a.merged_into_contact_id IS NULL AND l.workspace_id = %(ws)s
           AND l.created_at <= %(now)s AND l.status IN ('new', 'working', 'qualified')
           AND l.pipeline_stage IN ('follow_up', 'estimate_sent'))
       SELECT pipeline_stage, sum(leads), sum(estimated_value),
              sum(leads * %(today_number)s - created_days)
       FROM lead_tallies WHERE workspace_id = %(ws)s
         AND pipeline_stage IN ('follow_up', 'estimate_sent')
         AND status IN ('new', 'working', 'qualified')
       GROUP BY pipeline_stage
       UNION ALL
       SELECT pipeline_stage, -count(*), -sum(estimated_value),
              -sum(%(today_number)s
                   - (CAST(timezone(%(zone)s, created_at) AS date) - DATE '1970-01-01'))
       FROM left_out GROUP BY pipeline_stage""",
    """SELECT stage, sum(deals), sum(amount) FROM deal_tallies
       WHERE workspace_id = %(ws)s AND stage = 'proposal_sent' GROUP BY stage
       UNION ALL
       SELECT stage, count(*), sum(amount) FROM opportunities WHERE workspace_id = %(ws)s
       AND stage IN ('won', 'lost') AND close_date > %(week_day)s AND close_date <= %(today)s
       GROUP BY stage""",
    # The oldest open lead not of an archived contact, named as the summary names it (the
    # survivor of a merge, else the contact).
    """SELECT l.lead_id, l.title, l.created_at, l.pipeline_stage,
              coalesce(s.contact_id, c.contact_id), coalesce(s.first_name, c.first_name),
              coalesce(s.last_name, c.last_name)
       FROM leads l LEFT JOIN contacts c ON c.contact_id = l.contact_id
       LEFT JOIN contacts s ON s.contact_id = c.merged_into_contact_id
       WHERE l.lead_id IN (
         SELECT (SELECT x.lead_id FROM leads x WHERE x.workspace_id = %(ws)s AND x.status = st
                   AND x.created_at <= %(now)s
                   AND NOT EXISTS (SELECT 1 FROM contacts a WHERE a.contact_id = x.contact_id
                                   AND a.archived AND a.merged_into_contact_id IS NULL)
                   ORDER BY x.created_at, x.lead_id LIMIT 1)
         FROM unnest(ARRAY['new', 'working', 'qualified']) AS st)
       ORDER BY l.created_at, l.lead_id LIMIT 1""",
    """SELECT l.lead_id, l.title, l.expected_close_date, l.pipeline_stage,
              coalesce(s.contact_id, c.contact_id), coalesce(s.first_name, c.first_name),
              coalesce(s.last_name, c.last_name)
       FROM leads l LEFT JOIN contacts c ON c.contact_id = l.contact_id
       LEFT JOIN contacts s ON s.contact_id = c.merged_into_contact_id
       WHERE l.workspace_id = %(ws)s AND l.status IN ('new', 'working', 'qualified')
         AND l.expected_close_date < %(today)s AND l.created_at <= %(now)s
         AND NOT EXISTS (SELECT 1 FROM contacts a WHERE a.contact_id = l.contact_id
                         AND a.archived AND a.merged_into_contact_id IS NULL)
       ORDER BY l.expected_close_date, l.created_at, l.lead_id""",
)
# The same answer as ours: last month's leads by outcome and by source in one pass, and its
# closed deals by outcome, loss reason and lead source, with the days from lead to win.
_WIN_LOSS = (
    """SELECT status, disqualification_reason, source, count(*) FROM leads
       WHERE workspace_id = %(ws)s AND created_at >= %(month_from)s AND created_at < %(month_to)s
       GROUP BY GROUPING SETS ((status, disqualification_reason), (source))""",
    """SELECT o.stage, o.loss_reason, l.source, count(*), sum(o.amount), count(l.lead_id),
              sum(o.close_date - CAST(timezone(%(zone)s, l.created_at) AS date))
       FROM opportunities o LEFT JOIN leads l ON l.lead_id = o.lead_id
       WHERE o.workspace_id = %(ws)s AND o.stage IN ('won', 'lost')
         AND o.close_date >= %(month_start)s AND o.close_date <= %(month_end)s
       GROUP BY o.stage, o.loss_reason, l.source""",
)
# The same answer as ours: the contact whole, with its phones and emails (a card or a choice
# shows them).
_POINT = """
SELECT c.*, q.kind, q.value, q.position FROM contact_points p
JOIN contacts c ON c.contact_id = p.contact_id
LEFT JOIN contact_points q ON q.contact_id = c.contact_id
WHERE p.workspace_id = %(ws)s AND p.kind = %(kind)s AND p.value = %(value)s
"""
# The one contact of that exact name (lower-cased, the btree expression index of migration
# 0016), whole, with its phones and emails: what `/customer First Last` resolves to.
_EXACT_NAME = """
SELECT c.*, q.kind, q.value, q.position FROM contacts c
LEFT JOIN contact_points q ON q.contact_id = c.contact_id
WHERE c.workspace_id = %(ws)s AND c.merged_into_contact_id IS NULL AND NOT c.archived
  AND lower(c.first_name || coalesce(' ' || c.last_name, '')) = %(q)s
"""
# The ten names with the closest word in them (on the bench's common names there are more than
# ten, so the whole-name `%` probe is not needed), whole, with their phones and emails.
_NAME = """
SELECT c.*, q.kind, q.value, q.position FROM (
  SELECT * FROM contacts
  WHERE workspace_id = %(ws)s AND merged_into_contact_id IS NULL
    AND %(q)s <%% lower(first_name || coalesce(' ' || last_name, ''))
  ORDER BY word_similarity(%(q)s, lower(first_name || coalesce(' ' || last_name, ''))) DESC
  LIMIT 10) c
LEFT JOIN contact_points q ON q.contact_id = c.contact_id
"""


@dataclass(frozen=True)
class FloorResult:
    """One report or query: our time and statements, the floor's time, and both plans."""

    name: str
    ours_ms: float
    statements: int
    floor_ms: float
    ours_plan: str
    floor_plan: str
    tries: int

    @property
    def ratio(self) -> float:
        return self.ours_ms / self.floor_ms if self.floor_ms else float("inf")


def _params(workspace: Workspace, page: Any) -> dict[str, Any]:
    today = local_today(workspace, NOW)
    month_start, month_end = previous_month(today)
    before = local_midnight(workspace, page.cutoff + timedelta(days=1))
    before_day = before.astimezone(UTC).date()  # the touch tallies' day of the cut-off
    return {
        "month_start": month_start,
        "month_end": month_end,
        "month_from": local_midnight(workspace, month_start),
        "month_to": local_midnight(workspace, month_end + timedelta(days=1)),
        "ws": WORKSPACE,
        "now": NOW,
        "today": today,
        "week_ago": NOW - timedelta(days=7),
        "week_day": today - timedelta(days=7),
        "today_number": (today - date(1970, 1, 1)).days,
        "zone": workspace.timezone,
        "before": before,
        "before_day": before_day,
        "before_day_start": datetime(before_day.year, before_day.month, before_day.day, tzinfo=UTC),
    }


def _cases(contacts: int) -> dict[str, tuple[Callable[[Session, Workspace], Any], list[str]]]:
    target = 4242 % contacts
    first, last = name_of(target)
    phone, email = phone_of(target), email_of(target)
    return {
        "stale_leads (page of 10)": (
            lambda s, w: stale_leads(s, workspace=w, now=NOW, limit=10),
            [_STALE],
        ),
        "followups (10 of each list)": (
            lambda s, w: followups(s, workspace=w, now=NOW, limit=10),
            [_FOLLOWUPS, _FOLLOWUP_COUNTS],
        ),
        "pipeline_summary": (lambda s, w: pipeline_summary(s, workspace=w, now=NOW), [*_PIPELINE]),
        "win_loss (last month)": (lambda s, w: win_loss(s, workspace=w, now=NOW), [*_WIN_LOSS]),
        "search by phone": (
            lambda s, w: search_contacts(s, workspace=w, query=phone[2:]),
            [_POINT.replace("%(kind)s", "'phone'").replace("%(value)s", f"'{phone}'")],
        ),
        "search by email": (
            lambda s, w: search_contacts(s, workspace=w, query=email.upper()),
            [_POINT.replace("%(kind)s", "'email'").replace("%(value)s", f"'{email}'")],
        ),
        "search by name": (
            lambda s, w: search_contacts(s, workspace=w, query=f"{first} {last}"),
            [_NAME.replace("%(q)s", f"'{first} {last}'".lower())],
        ),
        "resolve an exact name": (
            lambda s, w: resolve_person(s, workspace=w, name=f"{first} {last}"),
            [_EXACT_NAME.replace("%(q)s", f"'{first} {last}'".lower())],
        ),
    }


# Untimed runs first, for ours and the floor alike: psycopg prepares a statement on its fifth
# execution and Postgres weighs a generic plan after five custom ones, so the first dozen runs
# on a connection include planning that a server's pooled connections are long past.
WARM_UP_RUNS = 12


def _paired_medians(
    ours: Callable[[], Any], floor: Callable[[], Any], tries: int
) -> tuple[float, float]:
    """Median ms of ours and of the floor, each try running one then the other.

    Taken in turn, a change in the machine's load while they run falls on both alike; timed one
    after the other (all of ours, then all of the floor's), a busy second moved the ratio of a
    0.2 ms lookup by half."""
    for _ in range(WARM_UP_RUNS):
        ours()
        floor()
    ours_samples: list[float] = []
    floor_samples: list[float] = []
    for _ in range(tries):
        for run, samples in ((ours, ours_samples), (floor, floor_samples)):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(ours_samples), statistics.median(floor_samples)


def _cursor(raw: Any, params: Any) -> Any:
    """A cursor for a statement as sent: ours read through the driver (core/platform/
    driver_rows.py) come with `$1` placeholders and a tuple; the rest with `%(name)s` ones."""
    return psycopg.RawCursor(raw) if isinstance(params, tuple) else raw.cursor()


def _explain(session: Session, sql: str, params: Any) -> str:
    raw: Any = session.connection().connection.driver_connection
    cursor = _cursor(raw, params)
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
    return "\n".join(row[0] for row in cursor.fetchall())


def measure_floors(engine: Engine, sessions: Any, contacts: int, tries: int) -> list[FloorResult]:
    """Ours next to the floor for each case, in one process, on one connection each."""
    results = []
    with sessions() as session:
        workspace = session.get(Workspace, WORKSPACE)
        page = stale_leads(session, workspace=workspace, now=NOW, limit=10)
        params = _params(workspace, page)
        for name, (ours, floor) in _cases(contacts).items():
            seen: list[tuple[float, str, Any]] = []

            def record(
                _conn: Any, _cur: Any, statement: str, parameters: Any, *_: Any, into: Any = seen
            ) -> None:
                into.append((time.perf_counter(), statement, parameters))

            def run_ours(o: Callable[[Session, Workspace], Any] = ours) -> Any:
                # Nothing cached from the last try; the workspace, loaded once per request by
                # the bot before any of these, is not part of the query.
                session.expunge_all()
                session.add(workspace)
                return o(session, workspace)

            event.listen(engine, "before_cursor_execute", record)
            seen.clear()
            run_ours()
            event.remove(engine, "before_cursor_execute", record)
            statements = [(s, p) for _t, s, p in seen]
            raw: Any = session.connection().connection.driver_connection

            # Today written in, as ours writes it (a bound date made Postgres re-plan each call).
            today = f"DATE '{params['today'].isoformat()}'"
            floor = [sql.replace("%(today)s", today) for sql in floor]

            def run_floor(sqls: list[str] = floor, connection: Any = raw) -> None:
                cursor = connection.cursor()
                for sql in sqls:
                    cursor.execute(sql, params)
                    cursor.fetchall()

            ours_ms, floor_ms = _paired_medians(run_ours, run_floor, tries)
            heaviest = max(statements, key=lambda sp: _timed(raw, *sp)) if statements else None
            ours_plan = _explain(session, *heaviest) if heaviest else "(no statement)"
            floor_plan = _explain(session, floor[0], params)
            results.append(
                FloorResult(name, ours_ms, len(seen), floor_ms, ours_plan, floor_plan, tries)
            )
        session.rollback()
    return results


def _timed(raw: Any, sql: str, params: Any) -> float:
    cursor = _cursor(raw, params)
    started = time.perf_counter()
    cursor.execute(sql, params)
    if cursor.description:
        cursor.fetchall()
    return time.perf_counter() - started
