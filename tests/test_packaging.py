"""What a newcomer installs and runs: dependency bounds, the PostgreSQL extra, the container files."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def requirement(spec: str) -> tuple[str, str]:
    name = re.match(r"[A-Za-z0-9_.-]+", spec).group(0)  # type: ignore[union-attr]
    return name.lower(), spec[len(name):]


def test_every_dependency_has_a_floor_and_a_ceiling() -> None:
    extras = PROJECT["optional-dependencies"]
    for spec in [*PROJECT["dependencies"], *extras["postgres"], *extras["test"]]:
        name, bounds = requirement(spec)
        if name == "followup-bot":
            continue
        assert ">=" in bounds and "<" in bounds.replace("<=", ""), spec


def test_floors_that_are_known_to_work() -> None:
    floors = dict(requirement(spec) for spec in PROJECT["dependencies"])
    assert floors["sqlalchemy"].startswith(">=2.0.33")  # 2.0.0-2.0.32 fail at import
    assert floors["holidays"].startswith(">=0.85")  # is_working_day; China's 2026 make-up Saturdays
    assert floors["slack-sdk"].startswith(">=3.35")  # WebClient.logger, which the outbox's client copies
    postgres = dict(requirement(spec) for spec in PROJECT["optional-dependencies"]["postgres"])
    assert postgres["psycopg"] == "[binary]>=3.1.4,<4"  # binary wheels for Python 3.11


def test_the_floors_script_pins_every_floor() -> None:
    import subprocess
    import sys

    pins = subprocess.run([sys.executable, str(ROOT / ".ci" / "floors.py"), "postgres"], capture_output=True,
                          text=True, check=True).stdout.split()
    assert "SQLAlchemy==2.0.33" in pins and "holidays==0.85" in pins and "psycopg==3.1.4" in pins
    assert len(pins) == len(PROJECT["dependencies"]) + 1


def test_the_postgresql_driver_is_an_extra_and_the_tests_include_it() -> None:
    assert not any(requirement(spec)[0] == "psycopg" for spec in PROJECT["dependencies"])
    assert [requirement(s)[0] for s in PROJECT["optional-dependencies"]["postgres"]] == ["psycopg"]
    assert "followup-bot[postgres]" in PROJECT["optional-dependencies"]["test"]
    assert "'.[test,postgres]'" in (ROOT / ".ci" / "run").read_text()


def test_ruff_is_pinned_to_a_minor_version() -> None:
    ruff = next(spec for spec in PROJECT["optional-dependencies"]["test"] if spec.startswith("ruff"))
    low, high = re.fullmatch(r"ruff>=0\.(\d+),<0\.(\d+)", ruff).groups()  # type: ignore[union-attr]
    assert int(high) == int(low) + 1


def test_the_installed_holidays_knows_chinas_make_up_days() -> None:
    from datetime import date

    import holidays

    china = holidays.country_holidays("CN", years=2026)
    assert china.is_working_day(date(2026, 2, 28))  # a make-up Saturday for the Spring Festival
    assert not china.is_working_day(date(2026, 10, 1))


# --- Dockerfile and compose.yaml (checked by parsing: CI has no Docker daemon) -------------------------

def dockerfile() -> dict[str, list[str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, rest = line.strip().partition(" ")
            found.setdefault(instruction.upper(), []).append(rest.strip())
    return found


def cli_subcommands() -> set[str]:
    source = (ROOT / "app" / "cli.py").read_text()  # what `followup-bot` runs ([project.scripts])
    return set(re.findall(r'sub\.add_parser\(\s*"([a-z-]+)"', source))


def test_the_image_is_slim_non_root_and_serves_by_default() -> None:
    import json

    docker = dockerfile()
    assert docker["FROM"] == ["python:3.11-slim"]
    assert any("pip install '.[postgres]'" in run for run in docker["RUN"])
    assert docker["USER"] == ["followup"]
    command = json.loads(docker["CMD"][-1])
    assert command[:2] == ["followup-bot", "serve"] and command[1] in cli_subcommands()
    assert PROJECT["scripts"]["followup-bot"] == "app.cli:main"
    assert command[command.index("--port") + 1] == "3000" and docker["EXPOSE"] == ["3000"]
    for source in docker["COPY"]:  # every package the entry point imports is in the image
        assert (ROOT / source.split()[0]).exists(), source


def test_the_healthcheck_asks_healthz_with_python_alone() -> None:
    import json

    check = dockerfile()["HEALTHCHECK"][-1]
    command = json.loads(check[check.index("CMD") + 3:])
    assert command[:2] == ["python", "-c"] and "curl" not in check
    assert "http://127.0.0.1:3000/healthz" in command[2]
    compile(command[2], "HEALTHCHECK", "exec")


def test_compose_runs_postgres_a_migration_and_one_bot() -> None:
    import yaml

    from bot.settings import Settings

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "bot"}
    db = services["db"]
    assert db["image"] == "postgres:16" and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in db["volumes"])
    assert set(compose["volumes"]) == {v.split(":")[0] for v in db["volumes"]}

    migrate, bot = services["migrate"], services["bot"]
    assert migrate["command"] == ["followup-bot", "migrate"]
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"
    assert bot["env_file"] == ".env"
    assert bot["command"][1] in cli_subcommands()
    assert bot["depends_on"] == {"db": {"condition": "service_healthy"},
                                 "migrate": {"condition": "service_completed_successfully"}}
    for service in (migrate, bot):
        url = service["environment"]["DATABASE_URL"].replace("${POSTGRES_PASSWORD:-followup}", "followup")
        assert url == "postgresql+psycopg://followup:followup@db:5432/followup"
        assert Settings(_env_file=None, database_url=url).database_url == url
    mounted = {v.split(":")[1] for v in bot["volumes"]}
    assert bot["environment"]["FOLLOWUP_CONFIG"] in mounted
