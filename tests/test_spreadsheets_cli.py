"""`followup-bot import` and `followup-bot export` on the command line: what is printed, the exit
status, all or nothing, the dry run, the round trip through a file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from storage.db import Database
from storage.models import Customer, FollowUp
from tests.conftest import TEAMS_FILE
from tests.test_spreadsheets import seed_file, write_xlsx


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("FOLLOWUP_CONFIG", str(TEAMS_FILE))
    monkeypatch.chdir(tmp_path)  # no .env of the repository
    return url


def stored(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        with db.read() as session:
            return (session.scalar(select(func.count()).select_from(Customer)) or 0,
                    session.scalar(select(func.count()).select_from(FollowUp)) or 0)
    finally:
        db.dispose()


def test_import_the_seed_then_again(database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = seed_file(tmp_path)
    assert main(["import", str(path), "--team", "East China", "--owner", "U0REP1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Imported: created 1, updated 0, follow-ups 6, skipped 0."
    assert main(["import", str(path), "--team", "east china", "--owner", "U0REP1"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Imported: created 0, updated 0, follow-ups 0, skipped 6."
    assert stored(database) == (1, 6)


def test_a_refused_import_lists_every_problem_and_exits_non_zero(database: str, tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(seed_file(tmp_path)), "--team", "East China"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err == ["跟进记录.xlsx: nothing was imported; 1 problem(s) to fix first:",
                   'row 4, column O (负责人): "*工" is not a member of team East China (also rows 5, 6, 7, 8, 9); '
                   "give --owner USER_ID to assign these rows"]
    assert stored(database) == (0, 0)


def test_dry_run_prints_what_would_change_and_writes_nothing(database: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = write_xlsx(tmp_path / "register.xlsx", [["客户名称", "所属行业", "负责人", "备注"],
                                                    ["甲公司", "制造业", "U0REP1", "老客户"]])
    assert main(["import", str(path), "--team", "East China", "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == ["create CL2026001 甲公司 (lead, owner U0REP1)",
                                                    "Would import: created 1, updated 0, follow-ups 0, skipped 0."]
    assert stored(database) == (0, 0)


def test_a_team_is_needed_when_there_are_several(database: str, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(seed_file(tmp_path)), "--owner", "U0REP1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "followup-bot: --team is needed: the teams are East China, West Coast.")


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_export_then_import_it_back_changes_nothing(database: str, tmp_path: Path, suffix: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    main(["import", str(seed_file(tmp_path)), "--team", "East China", "--owner", "U0REP1"])
    out = tmp_path / f"客户导出.{suffix}"
    assert main(["export", str(out), "--team", "East China", "--lang", "zh-CN"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"Exported 1 customer(s) to {out}."
    assert main(["import", str(out), "--team", "East China"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "Imported: created 0, updated 0, follow-ups 0, skipped 6."
    assert stored(database) == (1, 6)
