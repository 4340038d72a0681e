"""What every service needs, built once by the app factory and passed explicitly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config import TeamConfig, TeamsConfig
from storage.db import Database


def system_clock() -> datetime:
    return datetime.now(UTC)


def system_sleep(seconds: float) -> None:
    time.sleep(seconds)


@dataclass
class Runtime:
    config: TeamsConfig
    db: Database
    slack: WebClient
    clock: Callable[[], datetime] = field(default=system_clock)
    # How background work waits (Retry-After, back-off); tests move their clock instead.
    sleep: Callable[[float], None] = field(default=system_sleep)
    # Database ids of the teams of the teams file, filled by sync_directory.
    team_ids: dict[str, int] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    _teams_by_id: dict[int, TeamConfig] = field(default_factory=dict, init=False, repr=False)
    # Users' Slack locales as last read from the database (user id → (monotonic time, locale)).
    locales: dict[str, tuple[float, str | None]] = field(default_factory=dict, init=False, repr=False)

    def team_by_id(self, team_id: int) -> TeamConfig:
        """The team config of a database team id (called per customer in bulk paths: a dict lookup)."""
        team = self._teams_by_id.get(team_id)
        if team is None:
            self._teams_by_id = {id_: self.config.team(name) for name, id_ in self.team_ids.items()}
            team = self._teams_by_id[team_id]
        return team
