"""`crm export` and `crm import`: move a workspace's history out and in (docs/product.md, Data)."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cli.workspace_choice import choose_workspace
from core.errors import CRMError
from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from core.transfer.csv_import import import_contacts_csv
from core.transfer.document_export import write_document
from core.transfer.document_import import describe_counts, import_document
from core.transfer.fields import parse_document
from core.transfer.sheet import CONTACT_COLUMNS

ACTOR = "system:cli"


def register(commands: Any) -> None:
    """Add `export` and `import` to the `crm` command."""
    export = commands.add_parser(
        "export", help="write the workspace as one JSON document (schemas/crm.json)"
    )
    export.add_argument("--out", metavar="FILE", help="write to FILE instead of standard output")
    export.add_argument("--workspace", metavar="TEAM_ID", help="default: the only one there is")
    export.set_defaults(handler=run_export)

    imported = commands.add_parser(
        "import", help="read a document written by `crm export`, or a CSV of contacts"
    )
    imported.add_argument("file", metavar="FILE", help="the file to read; - for standard input")
    imported.add_argument(
        "--workspace",
        metavar="TEAM_ID",
        help="default: the only one there is (made when there is none)",
    )
    imported.add_argument(
        "--format", choices=("json", "csv"), help="default: from the file name or its content"
    )
    imported.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="HEADER=FIELD",
        help=f"CSV: read column HEADER as FIELD ({', '.join(CONTACT_COLUMNS)}, or ignore)",
    )
    imported.set_defaults(handler=run_import)


@contextmanager
def _database() -> Iterator[sessionmaker[Session]]:
    """Sessions on DATABASE_URL, with a one-line reason when the database is not usable."""
    engine = make_engine(get_settings().database_url)
    try:
        if not inspect(engine).has_table("workspaces"):
            raise CRMError("The database has no tables yet: run `crm db upgrade` first.")
        yield make_sessions(engine)
    except OperationalError as error:
        raise CRMError(f"The database is not usable: {_first_line(error.orig)}") from error
    except IntegrityError as error:
        raise CRMError(
            f"The database refused the change, so nothing was written: {_first_line(error.orig)}"
        ) from error
    finally:
        engine.dispose()


def _first_line(error: BaseException | None) -> str:
    return (str(error).strip().splitlines() or ["unknown error"])[0]


def run_export(args: argparse.Namespace) -> int:
    with _database() as sessions, sessions.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for all six queries, so references agree while the bot keeps working.
            session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        workspace = choose_workspace(session, args.workspace, create_if_none=False)
        if args.out in (None, "-"):
            _utf8(sys.stdout)
            try:
                counts = write_document(session, workspace=workspace, out=sys.stdout)
                sys.stdout.flush()
            except BrokenPipeError:  # `crm export | head`: the reader has what it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 141
            print(f"Exported {workspace.workspace_id}: {describe_counts(counts)}.", file=sys.stderr)
            return 0
        target = Path(args.out)
        counts = _write_file(session, workspace, target)
    print(f"Exported {workspace.workspace_id} to {target}: {describe_counts(counts)}.")
    return 0


def _write_file(session: Session, workspace: Any, target: Path) -> dict[str, int]:
    """Write beside the target and rename, so a failed export never leaves half a file."""
    directory = target.parent if str(target.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=".crm-export-", dir=directory)
    except OSError as error:
        raise CRMError(f"Cannot write {target}: {error.strerror}.") from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            counts = write_document(session, workspace=workspace, out=out)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return counts


def _utf8(stream: Any) -> None:
    if (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "") != "utf8":
        stream.reconfigure(encoding="utf-8")


def _read(path: str, kind: str | None) -> tuple[str, str]:
    """The file's text and its format (`json` or `csv`)."""
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        raise CRMError(f"Cannot read {path}: {error.strerror}.") from error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        if kind == "json" or (kind is None and path.lower().endswith(".json")):
            raise CRMError(f"{path} is not UTF-8 text, which a JSON document must be.") from error
        text = data.decode("cp1252", errors="replace")  # what Excel saves as "CSV" on Windows
    if kind is None:
        suffix = Path(path).suffix.lower()
        if suffix in (".json", ".csv"):
            kind = suffix[1:]
        else:
            kind = "json" if text.lstrip()[:1] in ("{", "[") else "csv"
    return text, kind


def _mapping(pairs: list[str]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        header, equals, target = pair.rpartition("=")
        if not equals or not header.strip():
            raise CRMError(f"--map wants HEADER=FIELD, like 'Cell #=phone'; got '{pair}'.")
        mapping[header.strip()] = target.strip()
    return mapping


def run_import(args: argparse.Namespace) -> int:
    text, kind = _read(args.file, args.format)
    if kind == "json" and args.map:
        raise CRMError("--map is for CSV files; a JSON document names its fields already.")
    document = parse_document(text) if kind == "json" else None
    mapping = _mapping(args.map)
    with _database() as sessions, sessions.begin() as session:
        workspace = choose_workspace(session, args.workspace, create_if_none=True)
        if kind == "json":
            report = import_document(
                session=session, workspace=workspace, actor=ACTOR, document=document
            ).render()
        else:
            report = import_contacts_csv(
                session=session, workspace=workspace, actor=ACTOR, text=text, mapping=mapping
            ).render()
    print(report)
    return 0
