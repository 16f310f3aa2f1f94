"""`crm db upgrade` says what it did (issue 15): made the tables, or found them up to date."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from core.platform.config import get_settings
from core.platform.migrate import current_head, upgrade, upgrade_words

FIRST = "0001"


def test_a_brand_new_database_is_told_its_tables_were_created_then_up_to_date(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'crm.db'}")
    get_settings.cache_clear()
    head = current_head()
    try:
        assert main(["db", "upgrade"]) == 0
        assert capsys.readouterr().out == f"Created the database tables (schema {head}).\n"
        assert main(["db", "upgrade"]) == 0
        assert capsys.readouterr().out == f"Database is up to date (schema {head}).\n"
    finally:
        get_settings.cache_clear()


def test_an_older_schema_is_said_to_be_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, FIRST)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        assert main(["db", "upgrade"]) == 0
    finally:
        get_settings.cache_clear()
    said = capsys.readouterr().out
    assert said == f"Migrated the database from schema {FIRST} to {current_head()}.\n"
    assert upgrade_words(None, "x") == "Created the database tables (schema x)."
