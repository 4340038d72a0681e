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
