"""What every service needs, built once by the app factory and passed explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from slack_sdk import WebClient

from bot.config import TeamsConfig
from storage.db import Database


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    config: TeamsConfig
    db: Database
    slack: WebClient
    clock: Callable[[], datetime] = field(default=system_clock)

    def now(self) -> datetime:
        return self.clock()
