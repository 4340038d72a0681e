"""`followup-bot import FILE …` and `followup-bot export FILE …`: the command-line side of
bot.services.spreadsheets (arguments, progress bar, what is printed, exit status), registered by
app.cli (``add_arguments`` and ``COMMANDS``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from app.factory import build_runtime
from bot.config import TeamConfig
from bot.runtime import Runtime
from bot.services import spreadsheets
from bot.settings import Settings

PROGRESS_FROM_ROWS = 2_000  # files shorter than this get no progress bar


def add_arguments(sub: Any) -> None:
    importing = sub.add_parser("import", help="customers and follow-ups from a spreadsheet (.xlsx or .csv)")
    importing.add_argument("file", type=Path)
    importing.add_argument("--team", help="the team new customers join (needed when there are several)")
    importing.add_argument("--owner", help="Slack user id for rows whose owner (负责人) matches nobody in the team")
    importing.add_argument("--dry-run", action="store_true", help="check and show what would change; write nothing")
    exporting = sub.add_parser("export", help="customers and follow-ups to a spreadsheet (.xlsx or .csv)")
    exporting.add_argument("file", type=Path)
    exporting.add_argument("--team", help="only this team's customers (default: every team)")
    exporting.add_argument("--lang", choices=("en", "zh-CN"), default=None,
                           help="header and word language (default: the teams file's language)")


class NoSuchTeam(Exception):
    pass


def _team(runtime: Runtime, name: str | None) -> TeamConfig:
    teams = runtime.config.teams
    names = ", ".join(t.name for t in teams)
    if name is None:
        if len(teams) == 1:
            return teams[0]
        raise NoSuchTeam(f"--team is needed: the teams are {names}")
    for team in teams:
        if team.name.casefold() == name.casefold():
            return team
    raise NoSuchTeam(f"no team called {name!r}; the teams are {names}")


@contextmanager
def _progress(total: int | None, label: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on a terminal for long files; nothing otherwise."""
    if not sys.stderr.isatty() or (total is not None and total < PROGRESS_FROM_ROWS):
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda advance: bar.advance(task, advance)


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        print(f"followup-bot: {path} does not exist.", file=sys.stderr)
        return 2
    runtime = build_runtime(settings, check_token=False)
    try:
        team = _team(runtime, args.team)
    except NoSuchTeam as exc:
        print(f"followup-bot: {exc}.", file=sys.stderr)
        return 2
    total = spreadsheets.count_rows(path)
    try:
        with _progress(2 * total if total else None, f"Importing {path.name}") as progress:
            result = spreadsheets.import_file(runtime, path, team=team, owner=args.owner, dry_run=args.dry_run,
                                              progress=progress)
    except spreadsheets.ImportRefused as refused:
        print(f"{path.name}: nothing was imported; {len(refused.problems)} problem(s) to fix first:", file=sys.stderr)
        for problem in refused.problems:
            print(problem, file=sys.stderr)
        return 1
    if args.dry_run:
        for change in result.changes:
            print(change)
    if result.ignored_columns:
        print(f"Columns not read: {', '.join(result.ignored_columns)}.")
    print(result.summary())
    return 0


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        fmt = spreadsheets.export_format(path)
    except ValueError as exc:
        print(f"followup-bot: {exc}.", file=sys.stderr)
        return 2
    runtime = build_runtime(settings, check_token=False)
    try:
        team = _team(runtime, args.team) if args.team else None
    except NoSuchTeam as exc:
        print(f"followup-bot: {exc}.", file=sys.stderr)
        return 2
    lang = args.lang or (team.language if team and team.language else runtime.config.language)
    with _progress(None, f"Exporting {path.name}") as progress:
        count = spreadsheets.export_file(runtime, path, fmt=fmt, lang=lang, team=team, progress=progress)
    print(f"Exported {count} customer(s) to {path}.")
    return 0


COMMANDS = {"import": run_import, "export": run_export}
