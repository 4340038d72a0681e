"""The answer leaves when the listener acknowledges: no polling, remembered before the listener goes on,
and what the listener writes afterwards yields to writes somebody is waiting for."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_bolt.authorization import AuthorizeResult
from sqlalchemy import text

from app.acks import PromptListenerRunner
from app.dedup import ExactlyOnceApp
from bot.answers import AnswersFirst
from storage import queries
from storage.db import Database
from tests.conftest import own_database

TRIGGER = "13345224609.738474920.8088930838d88f008e0"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    with own_database(tmp_path, "acks") as url:
        database = Database(url)
        database.migrate()
        yield database
        database.dispose()


def _runtime(db: Database) -> Any:
    return SimpleNamespace(db=db, wall_now=lambda: datetime.now(UTC), answers=AnswersFirst())


def _command(trigger_id: str = TRIGGER) -> BoltRequest:
    body = (f"command=%2Flead&text=&user_id=U0REP1&team_id=T0001&channel_id=D1&trigger_id={trigger_id}"
            "&response_url=https%3A%2F%2Fhooks.slack.invalid%2F1")
    return BoltRequest(body=body, mode="socket_mode")  # signed over the socket: no signature to forge


def _authorize(**_: Any) -> AuthorizeResult:
    """No auth.test: these apps never reach Slack."""
    return AuthorizeResult(enterprise_id=None, team_id="T0001", bot_token="xoxb-test", bot_user_id="UBOT", bot_id="B1")


def _app(db: Database) -> ExactlyOnceApp:
    return ExactlyOnceApp(runtime=_runtime(db), signing_secret=None, authorize=_authorize,
                          request_verification_enabled=False)


def test_the_answer_does_not_wait_for_a_poll(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bolt's own runner sleeps 10 ms at a time until the listener acknowledges; ours never sleeps."""
    import slack_bolt.listener.thread_runner as bolt_runner

    def no_polling(_seconds: float) -> None:
        raise AssertionError("the runner polled for the acknowledgement")

    monkeypatch.setattr(bolt_runner.time, "sleep", no_polling)
    app = _app(db)
    assert isinstance(app.listener_runner, PromptListenerRunner)
    go_on, finished = threading.Event(), threading.Event()

    @app.command("/lead")
    def slow_after_answer(ack: Any) -> None:
        ack(text="on it")
        go_on.wait(5)
        finished.set()

    response = app.dispatch(_command())
    assert response.status == 200 and response.body == "on it"
    assert not finished.is_set(), "the answer waited for the listener to finish"
    go_on.set()
    assert finished.wait(5)


def test_plain_bolt_would_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check above can fail: Bolt's runner, given the same listener, does poll."""
    import slack_bolt.listener.thread_runner as bolt_runner

    polled = threading.Event()
    real_sleep = bolt_runner.time.sleep

    def counting(seconds: float) -> None:
        polled.set()
        real_sleep(seconds)

    monkeypatch.setattr(bolt_runner.time, "sleep", counting)
    app = App(signing_secret="x", authorize=_authorize, request_verification_enabled=False)
    released = threading.Event()

    @app.command("/lead")
    def answers_late(ack: Any) -> None:
        released.wait(5)
        ack(text="late")

    threading.Timer(0.05, released.set).start()
    response = app.dispatch(_command())
    assert response.body == "late" and polled.is_set()


def test_the_answer_is_remembered_before_the_listener_goes_on(db: Database) -> None:
    app = _app(db)
    seen: dict[str, Any] = {}
    finished = threading.Event()

    @app.command("/lead")
    def look_after_answer(ack: Any) -> None:
        ack(text="remembered first")
        with db.read() as session:
            seen["claim"] = queries.request_claim(session=session, key=f"delivery:{TRIGGER}")
        seen["background"] = db._local.answered
        finished.set()

    response = app.dispatch(_command())
    assert finished.wait(5)
    claimed_at, result = seen["claim"]
    assert claimed_at is not None and result["answered"] is True
    assert result["body"] == response.body == "remembered first"
    assert seen["background"] is True


def test_a_repeat_gets_the_first_answer_without_running_again(db: Database) -> None:
    app = _app(db)
    runs: list[int] = []

    @app.command("/lead")
    def counted(ack: Any) -> None:
        runs.append(1)
        ack(text=f"run {len(runs)}")

    first = app.dispatch(_command())
    second = app.dispatch(_command())
    assert len(runs) == 1
    assert first.body == second.body == "run 1"


def test_writes_after_the_answer_yield_to_waiting_ones(db: Database) -> None:
    """A listener's write after its answer is background: a waiting foreground write goes first."""
    if not db.is_sqlite:
        pytest.skip("only SQLite has one writer to queue for")
    order: list[str] = []
    holding, release = threading.Event(), threading.Event()

    def hold_the_writer() -> None:
        with db.write(background=True):
            holding.set()
            release.wait(5)

    def write(name: str, answered: bool, started: threading.Event) -> None:
        db.answered(answered)
        started.set()
        with db.write():
            order.append(name)

    holder = threading.Thread(target=hold_the_writer)
    holder.start()
    assert holding.wait(5)
    after_answer_started, waiting_started = threading.Event(), threading.Event()
    after_answer = threading.Thread(target=write, args=("after answer", True, after_answer_started))
    after_answer.start()
    assert after_answer_started.wait(5)
    waiting = threading.Thread(target=write, args=("waiting for its answer", False, waiting_started))
    waiting.start()
    assert waiting_started.wait(5)
    while db._gate._waiting_foreground == 0:  # the foreground writer is queued
        threading.Event().wait(0.001)
    release.set()
    for thread in (holder, after_answer, waiting):
        thread.join(5)
    assert order == ["waiting for its answer", "after answer"]


def test_bookkeeping_writes_do_not_wait_for_the_disk_on_postgresql(db: Database) -> None:
    """Claims and remembered answers commit without flushing the WAL; every other write still does."""
    if db.is_sqlite:
        pytest.skip("SQLite with WAL and synchronous=NORMAL never waits for the disk at commit")
    with db.write(flush_wal=False) as session:
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "off"
    with db.write() as session:
        assert session.execute(text("SHOW synchronous_commit")).scalar() == "on"
