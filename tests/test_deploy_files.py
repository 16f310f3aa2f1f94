"""The container and hosting files agree with the program (no Docker engine needed to check).

Docker cannot run on the development machine, so what can be checked without it is: the
compose file and the blueprint parse, every command they (and the Procfile) run is a `crm`
subcommand, the image's Python satisfies pyproject's, and `.env.example` lists every variable.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from cli.main import build_parser
from core.platform.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def crm_subcommands() -> set[str]:
    parser = build_parser()
    [commands] = [a for a in parser._actions if a.dest == "command"]  # noqa: SLF001
    return set(commands.choices or {})


def test_compose_runs_migrate_once_then_web_and_worker_on_postgres_16() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["db"]["image"] == "postgres:16"
    assert "pgdata:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert services["migrate"]["command"] == ["db", "upgrade"]
    for role, command in (("web", "serve"), ("worker", "worker")):
        assert services[role]["command"] == [command]
        assert services[role]["depends_on"] == {
            "migrate": {"condition": "service_completed_successfully"}
        }
        assert services[role]["env_file"] == ".env"
    for service in services.values():
        if "command" in service:
            assert service["command"][0] in crm_subcommands()


def test_procfile_and_blueprint_run_crm_subcommands() -> None:
    procfile = dict(
        line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert procfile == {"web": "crm serve", "worker": "crm worker", "release": "crm db upgrade"}
    blueprint = yaml.safe_load((ROOT / "render.yaml").read_text())
    commands = [
        service[key]
        for service in blueprint["services"]
        for key in ("startCommand", "preDeployCommand")
        if key in service
    ]
    assert sorted(commands) == ["crm db upgrade", "crm serve", "crm worker"]
    for command in commands:
        assert command.split()[1] in crm_subcommands()


def test_the_image_python_satisfies_pyproject_and_the_entry_point_is_crm() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    [version] = re.findall(r"^ARG PYTHON_VERSION=(\d+)\.(\d+)$", dockerfile, re.M)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    [minimum] = re.findall(r">=(\d+)\.(\d+)", project["requires-python"])
    assert tuple(map(int, version)) >= tuple(map(int, minimum))
    assert 'ENTRYPOINT ["crm"]' in dockerfile
    assert "USER crm" in dockerfile
    assert "HEALTHCHECK" in dockerfile and "/healthz" in dockerfile
    # Every package the wheel is built from is copied into the build stage.
    tools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]
    include = tools["setuptools"]["packages"]["find"]["include"]
    for package in include:
        assert f"COPY {package.rstrip('*')} {package.rstrip('*')}" in dockerfile


def test_env_example_lists_every_setting_and_every_documented_variable() -> None:
    listed = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings <= listed, settings - listed
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)`", readme, re.M))
    documented |= set(re.findall(r"^\| `[A-Z_]+`, `([A-Z][A-Z0-9_]+)`", readme, re.M))
    assert documented - {"TEST_DATABASE_URL"} <= listed, documented - listed
