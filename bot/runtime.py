"""What every service needs, built once by the app factory and passed explicitly."""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient

from bot.answers import AnswersFirst
from bot.config import TeamConfig, TeamsConfig
from bot.pacing import Pacer
from storage.db import Database


def system_clock() -> datetime:
    return datetime.now(UTC)


def system_sleep(seconds: float) -> None:
    time.sleep(seconds)


def new_claimant() -> str:
    """Who holds an outbox claim: host and pid let another process on this host see it died."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class Runtime:
    config: TeamsConfig
    db: Database
    slack: WebClient
    # The instant duties decide for: `jobs run --now` moves it (a catch-up run), tests set it.
    clock: Callable[[], datetime] = field(default=system_clock)
    # Real time, for what must not move with `--now`: delivery claims, back-offs, Retry-After.
    wall: Callable[[], datetime] = field(default=system_clock)
    # How background work waits (Retry-After, back-off); tests move their clock instead.
    sleep: Callable[[float], None] = field(default=system_sleep)
    # Database ids of the teams of the teams file, filled by sync_directory.
    team_ids: dict[str, int] = field(default_factory=dict)
    # Delivery: this process's identity for outbox claims, its pacing, and how long a message
    # failing with 5xx or network errors is retried before it is dropped.
    claimant: str = field(default_factory=new_claimant)
    pacer: Pacer = field(default_factory=Pacer)
    give_up_after: timedelta = timedelta(hours=6)
    delivery_slack: WebClient | None = None
    # Asks this process's background delivery to run now (set where one runs: `serve`, `socket`).
    # With it, work after an ack never sleeps on a paced channel: a listener thread is too precious.
    wake_delivery: Callable[[], None] | None = None
    # Work after an answer waits while other requests wait for theirs (bot/answers.py).
    answers: AnswersFirst = field(default_factory=AnswersFirst)

    def now(self) -> datetime:
        return self.clock()

    def wall_now(self) -> datetime:
        return self.wall()

    _teams_by_id: dict[int, TeamConfig] = field(default_factory=dict, init=False, repr=False)
    # Users' Slack profiles as last read (user id → (monotonic time, SlackProfile)): every request
    # needs the user's language, most their time zone.
    profiles: dict[str, tuple[float, Any]] = field(default_factory=dict, init=False, repr=False)

    @property
    def locales(self) -> dict[str, tuple[float, Any]]:
        """The profile memory under its former name (tests forget it between runs)."""
        return self.profiles

    def team_by_id(self, team_id: int) -> TeamConfig:
        """The team config of a database team id (called per customer in bulk paths: a dict lookup)."""
        team = self._teams_by_id.get(team_id)
        if team is None:
            self._teams_by_id = {id_: self.config.team(name) for name, id_ in self.team_ids.items()}
            team = self._teams_by_id[team_id]
        return team
