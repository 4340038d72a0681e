"""Fixtures: a real database (SQLite, or PostgreSQL via TEST_DATABASE_URL), the fake Slack Web API,
and the real bot served over HTTP, reset between tests."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.factory import build_app, build_runtime
from app.http import ServerThread, make_server
from bot.answers import AnswersFirst
from bot.pacing import Pacer
from bot.runtime import Runtime
from bot.services.directory import sync_directory
from bot.settings import Settings
from storage.db import Database
from storage.models import Base
from tests.fakeslack import FakeSlack
from tests.slackdriver import SIGNING_SECRET, SlackDriver

DATA = Path(__file__).parent / "data"
TEAMS_FILE = DATA / "teams.yml"
# Monday 23 Nov 2026, 10:00 in Shanghai.
DEFAULT_NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
USERS = {
    "U0REP1": "Asia/Shanghai", "U0REP2": "Asia/Shanghai", "U0SUPEAST": "Asia/Shanghai",
    "U0REPW": "America/Los_Angeles", "U0SUPWEST": "America/Los_Angeles", "U0ADMIN": "Europe/London",
    "U0STRANGER": "UTC",
}


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("SLACK_", "FOLLOWUP_")) or name == "DATABASE_URL":
            monkeypatch.delenv(name)


@contextmanager
def own_database(folder: Path, prefix: str = "test") -> Iterator[str]:
    """A database of our own: a fresh schema on PostgreSQL (TEST_DATABASE_URL), a new file on SQLite."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{folder / 'followup.db'}"
        return
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = Database(base)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with own_database(tmp_path_factory.mktemp("db")) as url:
        yield url


class Clock:
    """The bot's notion of now, set by tests; time never passes on its own."""

    def __init__(self, now: datetime = DEFAULT_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, now: datetime) -> None:
        self.now = now

    def advance(self, seconds: float) -> None:
        """What the bot's background work calls instead of sleeping (Retry-After, back-off)."""
        self.now += timedelta(seconds=seconds)


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting work in flight so a test can wait until the bot is idle."""

    def __init__(self) -> None:
        super().__init__(max_workers=32, thread_name_prefix="bolt-test")
        self.answers: AnswersFirst | None = None  # the runtime's queue of work after answers
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        with self._idle:
            self._busy += 1

        def tracked() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

        return super().submit(tracked)

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Until no listener runs and no work after an answer is queued or running (bot/answers.py)."""
        give_up = time.monotonic() + timeout
        while True:
            with self._idle:
                assert self._idle.wait_for(lambda: self._busy == 0, max(0.0, give_up - time.monotonic())), \
                    "the bot is still working"
            if self.answers is None:
                return
            assert self.answers.wait_idle(max(0.0, give_up - time.monotonic())), "the bot is still working"
            with self._idle:
                if self._busy == 0:  # a job may have been handed over by a listener just finished
                    return


@dataclass
class Bot:
    url: str
    runtime: Runtime
    clock: Clock
    executor: TrackingExecutor
    settings: Settings

    @property
    def db(self) -> Database:
        return self.runtime.db


@pytest.fixture(scope="session")
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(token="xoxb-test-token") as fake:
        for user, tz in USERS.items():
            fake.add_user(user, tz=tz)
        yield fake


def make_settings(database_url: str, api_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": "xoxb-test-token", "slack_signing_secret": SIGNING_SECRET, "slack_api_url": api_url,
        "database_url": database_url, "followup_config": TEAMS_FILE, **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def bot_server(database_url: str, fake_slack: FakeSlack) -> Iterator[Bot]:
    settings = make_settings(database_url, fake_slack.url)
    runtime = build_runtime(settings)
    clock = Clock()
    runtime.clock = clock
    runtime.wall = clock
    runtime.sleep = clock.advance
    executor = TrackingExecutor()
    executor.answers = runtime.answers
    app = build_app(runtime, signing_secret=SIGNING_SECRET, executor=executor)
    server = ServerThread(make_server(app, runtime.db, host="127.0.0.1", port=0)).start()
    yield Bot(url=f"http://127.0.0.1:{server.port}/slack/events", runtime=runtime, clock=clock, executor=executor,
              settings=settings)
    server.stop()
    executor.shutdown(wait=True)
    runtime.db.dispose()


def wipe(db: Database) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def bot(bot_server: Bot, fake_slack: FakeSlack) -> Iterator[Bot]:
    """The running bot with an empty database, a quiet fake Slack and the clock at DEFAULT_NOW."""
    bot_server.executor.wait_idle()
    wipe(bot_server.db)
    bot_server.runtime.locales.clear()
    bot_server.runtime.pacer = Pacer()  # the clock goes back to DEFAULT_NOW: so does pacing
    sync_directory(bot_server.runtime)
    fake_slack.reset()
    bot_server.clock.set(DEFAULT_NOW)
    yield bot_server
    bot_server.executor.wait_idle()


@pytest.fixture
def slack(bot: Bot, fake_slack: FakeSlack) -> SlackDriver:
    return SlackDriver(bot_url=bot.url, fake=fake_slack)
