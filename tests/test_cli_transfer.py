"""`crm export` / `crm import` as a person runs them: exit codes, one-line reasons, files."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from secrets import token_hex
from typing import Any

import pytest
from sqlalchemy import func, select

from cli.main import main
from core.models import Contact, Workspace
from core.platform.config import get_settings
from core.platform.db import make_engine, make_sessions
from core.platform.migrate import upgrade
from schemas import validation_errors
from tests.conftest import _fresh_postgres_database, drop_postgres_database, postgres_url

SAMPLE = Path(__file__).parent / "data" / "sample_export.json"


def sample() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(SAMPLE.read_text("utf-8"))
    return document


@pytest.fixture
def database(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """DATABASE_URL of an empty database of the backend (no schema yet), all its own."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'crm.db'}"
    else:
        base = postgres_url()
        if base is None:
            pytest.skip("Postgres tests need TEST_DATABASE_URL")
        url = _fresh_postgres_database(base, f"cli_{os.getpid()}_{token_hex(3)}")
    monkeypatch.chdir(tmp_path)  # no stray .env, and proof the command needs no repo checkout
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CRM_OWNER_IDS", "U0OWNER, U0SECOND")
    monkeypatch.setenv("CRM_TIMEZONE", "America/Chicago")
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if backend == "postgres":
        drop_postgres_database(url)


@pytest.fixture
def migrated(database: str) -> str:
    upgrade(database)
    return database


def crm(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def count(url: str, model: Any) -> int:
    engine = make_engine(url)
    try:
        with make_sessions(engine)() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0
    finally:
        engine.dispose()


def write(path: Path, document: Any) -> str:
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return str(path)


def test_without_tables_it_says_to_upgrade_first(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = crm(capsys, "export")

    assert code == 1 and out == ""
    assert err == "crm: The database has no tables yet: run `crm db upgrade` first.\n"


def test_import_then_export_round_trips_and_makes_the_workspace(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = crm(capsys, "import", str(SAMPLE))

    assert (code, err) == (0, "")
    assert out == (
        "Imported into T0LOCAL: 3 contacts, 1 company, 4 leads, 5 interactions, 2 opportunities.\n"
    )

    code, out, err = crm(capsys, "export")

    assert code == 0
    assert json.loads(out) == sample()
    assert validation_errors(json.loads(out)) == []
    assert out == json.dumps(sample(), indent=2, ensure_ascii=False) + "\n"
    assert err == (
        "Exported T0LOCAL: 3 contacts, 1 company, 4 leads, 5 interactions, 2 opportunities.\n"
    )
    engine = make_engine(migrated)
    with make_sessions(engine)() as session:
        workspace = session.get(Workspace, "T0LOCAL")
        assert workspace is not None
        assert workspace.owner_ids == ["U0OWNER", "U0SECOND"]
        assert workspace.timezone == "America/Chicago"
    engine.dispose()


def test_export_to_a_file(
    migrated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crm(capsys, "import", str(SAMPLE), "--workspace", "T0ABC")
    target = tmp_path / "out" / "backup.json"
    target.parent.mkdir()

    code, out, err = crm(capsys, "export", "--out", str(target))

    assert (code, err) == (0, "")
    assert out == (
        f"Exported T0ABC to {target}: 3 contacts, 1 company, 4 leads, 5 interactions, "
        "2 opportunities.\n"
    )
    assert json.loads(target.read_text("utf-8")) == sample()
    assert [p.name for p in target.parent.iterdir()] == ["backup.json"]  # no temporary left


def test_several_workspaces_need_a_name(migrated: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert crm(capsys, "import", str(SAMPLE), "--workspace", "T1")[0] == 0
    csv_file = Path("people.csv")
    csv_file.write_text("Name,Phone\nKim Lee,555-201-0001\n", encoding="utf-8")
    assert crm(capsys, "import", str(csv_file), "--workspace", "T2")[0] == 0

    code, out, err = crm(capsys, "export")
    assert (code, out) == (1, "")
    assert err == "crm: Several workspaces: T1, T2. Name one with --workspace.\n"

    code, out, err = crm(capsys, "export", "--workspace", "T3")
    assert err == "crm: There is no workspace T3. Workspaces here: T1, T2.\n"

    code, out, err = crm(capsys, "export", "--workspace", "T2")
    assert code == 0
    assert [c["first_name"] for c in json.loads(out)["contacts"]] == ["Kim"]


def test_a_bad_document_gives_one_line_naming_row_and_field_and_writes_nothing(
    migrated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    document = sample()
    document["leads"][1]["status"] = "maybe"

    code, out, err = crm(capsys, "import", write(tmp_path / "bad.json", document))

    assert (code, out) == (1, "")
    assert err.startswith("crm: row leads[1], field 'status': 'maybe' is not one of [")
    assert err.count("\n") == 1
    assert count(migrated, Workspace) == 0  # not even the workspace it would have made
    assert count(migrated, Contact) == 0


def test_malformed_json_names_line_and_column(
    migrated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "contacts": [}\n', encoding="utf-8")

    code, _, err = crm(capsys, "import", str(path))

    assert code == 1
    assert err.startswith("crm: document: the file is not valid JSON: ")
    assert "line 2, column 16" in err


def test_csv_import_reports_merges_and_skips(
    migrated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "First Name,Last Name,Mobile,E-mail,Birthday\n"
        "Dana,Smith,555-201-3344,dana@example.com,1990\n"
        "Dana,S.,(555) 201-3344,,\n"
        ",,,,1991\n",
        encoding="utf-8",
    )

    code, out, err = crm(capsys, "import", str(path))

    assert (code, err) == (0, "")
    assert out == (
        "Imported contacts: 1 created, 1 merged, 1 skipped.\n"
        "row 3: merged into Dana Smith (same phone +15552013344 as row 2)\n"
        "row 4: skipped (no name, phone or email)\n"
        "Ignored columns: Birthday.\n"
    )


def test_csv_with_a_bad_phone_on_row_4_writes_nothing(
    migrated: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text(
        "Name,Mobile\nDana Smith,555-201-3344\nLee Park,555-201-5555\nKim Lee,555-1\n",
        encoding="utf-8",
    )

    code, out, err = crm(capsys, "import", str(path))

    assert (code, out) == (1, "")
    assert err.startswith("crm: row 4, field 'Mobile': \"555-1\" is not a phone number")
    assert err.count("\n") == 1
    assert count(migrated, Contact) == 0


def test_csv_from_standard_input_with_a_column_map(
    migrated: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = "Who,Cell #\nZoë O'Neil 😀,555-201-0001\n".encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))

    code, out, err = crm(capsys, "import", "-", "--map", "Who=name", "--map", "Cell #=phone")

    assert (code, err) == (0, "")
    assert out == "Imported contacts: 1 created, 0 merged, 0 skipped.\n"
    code, out, _ = crm(capsys, "export")
    contact = json.loads(out)["contacts"][0]
    assert (contact["first_name"], contact["last_name"]) == ("Zoë O'Neil", "😀")
    assert contact["phones"] == ["+15552010001"]


def test_a_missing_file_is_a_one_line_reason(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = crm(capsys, "import", "nowhere.json")

    assert code == 1
    assert err == "crm: Cannot read nowhere.json: No such file or directory.\n"


def test_the_installed_command_works_from_another_directory(
    tmp_path: Path,
) -> None:
    command = Path(sys.executable).with_name("crm")
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "cli.main"]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"}
    env.pop("CRM_OWNER_IDS", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*argv, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            encoding="utf-8",
            timeout=120,
        )

    assert run("db", "upgrade").returncode == 0
    imported = run("import", str(SAMPLE), "--workspace", "T0ABC")
    assert imported.returncode == 0, imported.stderr
    exported = run("export")

    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == sample()
    refused = run("import", str(tmp_path / "missing.csv"))
    assert refused.returncode == 1
    assert refused.stderr.startswith("crm: Cannot read ")


def test_a_workspace_id_that_is_not_a_team_id_is_refused(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = crm(capsys, "import", str(SAMPLE), "--workspace", "my team!")

    assert code == 1
    assert err == "crm: 'my team!' is not a Slack team id (like T0123ABCD).\n"
    assert count(migrated, Workspace) == 0
