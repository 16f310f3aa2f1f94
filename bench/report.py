"""The measured half of docs/performance.md from one bench run: the run, the tables, the plans
and a PNG plot. Everything above `MARKER` in that file (what makes it fast, the budgets, the
findings) is written by hand and kept as it is."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

if TYPE_CHECKING:
    from bench.run import SizeRun

MARKER = "<!-- Everything below is written by `python -m bench`; edit above this line. -->"
DEFAULT_FULL = "100,000 contacts, 300,000 leads, 30,000 opportunities, 2,000,000 interactions"
SMALLER = """\
**This run is smaller than the default** (`python -m bench` with no flags: 100,000 contacts,
300,000 leads, 30,000 opportunities, 2,000,000 interactions, a CSV of 100,000 contacts): the
"full" column is the size the flags above give, not the issue's.
"""


def _ok(passed: bool) -> str:
    return "yes" if passed else "**no**"


def _replies(small: SizeRun, full: SizeRun) -> list[str]:
    lines = [
        "## Reply times (signed requests into `crm serve`)",
        "",
        "From sending the request to the answer (the acknowledgement when it carries it, as "
        "`/lead` does; else the first message the app posts back arriving at the Slack "
        "stand-in); "
        f"{len(full.replies[0].samples) if full.replies else 0} tries each after a warm-up, the "
        "two sizes served at once (a `crm serve` each) and asked in turn, request by request.",
        "",
        "| request | small p50 | small p99 | full p50 | full p99 | full/small p50 | budget met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    by_name = {t.request: t for t in small.replies}
    for timing in full.replies:
        before = by_name.get(timing.request)
        growth = timing.p50 / before.p50 if before else float("nan")
        met = timing.p99 <= 100 and growth <= 1.3
        lines.append(
            f"| `{timing.request}` | {before.p50 if before else 0:.1f} ms | "
            f"{before.p99 if before else 0:.1f} ms | {timing.p50:.1f} ms | {timing.p99:.1f} ms | "
            f"{growth:.2f} | {_ok(met)} |"
        )
    return lines


# Issue 10's budgets next to the floor: phone and email lookups 2x, every report 1.5x (the
# default); the name searches have none of their own (their replies have the reply budget).
QUERY_BUDGETS: dict[str, float | None] = {
    "search by phone": 2.0,
    "search by email": 2.0,
    "search by name": None,
    "resolve an exact name": None,
}


def _floors(run: SizeRun) -> list[str]:
    lines = [
        f"## Reports and queries next to their floor ({run.label} size)",
        "",
        "Ours: the product's function as the bot calls it (Python and ORM included); floor: the "
        "fastest hand-written SQL for the same answer, in the same process, the two timed in "
        f"turn (one of ours, one of the floor's, after a dozen untimed of each); medians of "
        f"{run.floors[0].tries if run.floors else 0} tries.",
        "",
        "| query | ours | statements | floor | ratio | budget | met |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for floor in run.floors:
        budget = QUERY_BUDGETS.get(floor.name, 1.5)
        lines.append(
            f"| {floor.name} | {floor.ours_ms:.2f} ms | {floor.statements} | "
            f"{floor.floor_ms:.2f} ms | {floor.ratio:.2f} | {budget or '-'} | "
            f"{_ok(floor.ratio <= budget) if budget else '-'} |"
        )
    return lines


def _children(small: SizeRun, tenth: SizeRun, full: SizeRun) -> list[str]:
    lines = [
        "## Jobs, export and import (each in a process of its own)",
        "",
        "| step | size | wall time | SQL statements | peak RSS (before) | result |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for run in (small, tenth, full):
        for what, got in run.children.items():
            lines.append(
                f"| {what} | {run.label} | {got['wall_s']:.2f} s | {got['statements']} | "
                f"{got['peak_rss_mb']:.0f} MB ({got['rss_before_mb']:.0f} MB) | "
                f"{str(got['done'])[:160].replace('|', '/')} |"
            )
    lines.append("")
    export_tenth, export_full = tenth.children.get("export"), full.children.get("export")
    if export_tenth and export_full:
        rows = full.size.rows + full.size.reminders
        growth = export_full["peak_rss_mb"] / export_tenth["peak_rss_mb"] - 1
        lines.append(
            f"Export at full size: about {rows / export_full['wall_s']:,.0f} records/s; peak "
            f"RSS {export_tenth['peak_rss_mb']:.0f} MB at {tenth.size.interactions:,} "
            f"interactions and {export_full['peak_rss_mb']:.0f} MB at "
            f"{full.size.interactions:,} ({growth:+.0%}; budget within 20%: "
            f"{_ok(abs(growth) <= 0.2)})."
        )
    daily = full.children.get("daily")
    if daily:
        met = daily["wall_s"] <= 0.3 and daily["peak_rss_mb"] < 200
        lines.append(
            f"Daily job at full size: {daily['wall_s']:.2f} s, {daily['peak_rss_mb']:.0f} MB "
            f"(budget 0.3 s and 200 MB: {_ok(met)}), in a worker past its start-up warm-up "
            f"(jobs/warm.py; {daily.get('warm_up_s', 0):.2f} s in this child)."
        )
    imported = full.children.get("csv-import")
    if imported:
        rows = int(imported.get("rows", 100_000))
        speed = rows / imported["wall_s"]
        lines.append(
            f"CSV import of {rows:,} contacts with dedupe against the full book: "
            f"{speed:,.0f} rows/s ({imported['done']}; budget 5,000 rows/s: {_ok(speed >= 5000)})."
        )
    return lines


def _plans(run: SizeRun) -> list[str]:
    lines = [f"## Plans ({run.label} size): `EXPLAIN (ANALYZE, BUFFERS)`", ""]
    for floor in run.floors:
        lines += [
            f"### {floor.name}",
            "",
            "Ours (its slowest statement):",
            "",
            "```",
            floor.ours_plan,
            "```",
            "",
            "Floor (its first statement):",
            "",
            "```",
            floor.floor_plan,
            "```",
            "",
        ]
    return lines


def plot(path: Path, runs: list[SizeRun]) -> None:
    """Reply time p50 against data size, one line per request."""
    figure, axes = plt.subplots(figsize=(9, 5.5))
    sizes = [run.size.rows for run in runs]
    for name in [t.request for t in runs[-1].replies]:
        p50 = [next(t.p50 for t in run.replies if t.request == name) for run in runs]
        axes.plot(sizes, p50, marker="o", label=name)
    axes.set_xscale("log")
    axes.set_xlabel("rows (contacts + leads + opportunities + interactions)")
    axes.set_ylabel("reply time p50 (ms)")
    axes.axhline(100, color="grey", linestyle="--", linewidth=0.8)
    axes.set_title("Reply time against data size (crm serve, signed requests, loopback)")
    axes.legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def write_report(out: Path, runs: list[Any], *, machine: str, command: str) -> None:
    small, tenth, full = runs
    png = out.with_name("performance-replies.png")
    plot(png, [small, full])
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if MARKER not in text:
        raise SystemExit(f"{out} has no line {MARKER!r} to write the measurements under")
    by_hand = text[: text.index(MARKER) + len(MARKER)]
    full_made = (
        f"copied from {full.copied_from}, made by `python -m bench.data`"
        if full.copied_from
        else "generated"
    )
    lines = [
        by_hand,
        "",
        "## Run",
        "",
        f"- Machine: {machine}",
        f"- Command: `{command}`",
        f"- Small size: {small.size.label()} (generated in {small.generate_s:.0f} s)",
        f"- Export size: {tenth.size.label()} (generated in {tenth.generate_s:.0f} s), for the "
        "export's memory at a tenth of the full size",
        f"- Full size: {full.size.label()} ({full_made} in {full.generate_s:.0f} s)",
        "",
        *([] if full.size.label() == DEFAULT_FULL else [SMALLER]),
        f"![Reply time against data size]({png.name})",
        "",
        *_replies(small, full),
        "",
        *_floors(full),
        "",
        *_children(small, tenth, full),
        "",
        *_plans(full),
    ]
    out.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
