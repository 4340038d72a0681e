"""Service tests: the real services against a real database, one rolled-back transaction per test.

rafsaf's template (``app/conftest.py``): the schema is migrated once per run, in a database of
the run's own (a new SQLite file, or a new schema on PostgreSQL via TEST_DATABASE_URL); each test
gets one connection with an outer transaction that is rolled back at the end. Every session the
services open through ``Database.read()``/``write()`` is bound to that connection with
``join_transaction_mode="create_savepoint"``: a service's commit releases a savepoint, its
rollback (an error inside ``write()``) rolls back to one, and nothing reaches the database.

SQLite: the engine is made by ``storage.db`` (driver autocommit, ``BEGIN`` emitted by SQLAlchemy's
``begin`` event), which is what SAVEPOINT needs under pysqlite; the outer ``BEGIN`` is the only one,
so ``write()``'s ``BEGIN IMMEDIATE`` option finds a transaction already open and is not emitted.
Slack is not involved: services only enqueue outbox rows, and tests assert on rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy.orm import sessionmaker

from bot.config import load_teams_config
from bot.runtime import Runtime
from bot.services.directory import sync_directory
from storage.db import Database
from tests.conftest import TEAMS_FILE, Clock, own_database
from tests.services.support import Env

# Nothing listens here: a service that called Slack would fail loudly instead of reaching anything.
NO_SLACK = "http://127.0.0.1:9/api/"


def make_runtime(db: Database, clock: Clock) -> Runtime:
    return Runtime(config=load_teams_config(TEAMS_FILE), db=db, slack=WebClient(token="xoxb-none", base_url=NO_SLACK),
                   clock=clock, wall=clock, sleep=clock.advance)


@pytest.fixture(scope="session")
def service_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, dict[str, int]]]:
    """The run's database for service tests, migrated once, with the teams file's teams and members
    committed (every test's transaction starts from them)."""
    folder: Path = tmp_path_factory.mktemp("services")
    with own_database(folder, prefix="services") as url:
        db = Database(url)
        try:
            db.migrate()
            runtime = make_runtime(db, Clock())
            sync_directory(runtime)
            yield db, dict(runtime.team_ids)
        finally:
            db.dispose()


@pytest.fixture
def env(service_database: tuple[Database, dict[str, int]], monkeypatch: pytest.MonkeyPatch) -> Iterator[Env]:
    """A runtime whose database sessions all live inside one transaction, rolled back after the test."""
    db, team_ids = service_database
    with db.engine.connect() as connection:
        outer = connection.begin()
        monkeypatch.setattr(db, "_sessions", sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"))
        clock = Clock()
        runtime = make_runtime(db, clock)
        runtime.team_ids = dict(team_ids)
        try:
            yield Env(runtime=runtime, clock=clock, connection=connection)
        finally:
            outer.rollback()
