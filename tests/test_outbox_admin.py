"""`followup-bot outbox list [--dropped]` and `outbox retry ID`: see what waits or was dropped, retry it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.outbox_admin import list_lines, retry
from storage.db import Database
from storage.models import OutboxMessage

NOW = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'outbox.db'}")
    database.migrate()
    with database.write() as session:
        for key, state, error, claimed in [
            ("digest:U0REP1:2026-11-23", "sent", None, None),
            ("alert:C0EAST:42", "dropped", "channel_not_found (retried for 7 days)", None),
            ("remind:U0REP2:7", "pending", "internal_error", None),
            ("remind:U0REP1:8", "pending", None, NOW + timedelta(seconds=30)),
        ]:
            session.add(OutboxMessage(key=key, method="chat.postMessage", channel=key.split(":")[1], payload={},
                                      state=state, attempts=3 if error else 0, last_error=error,
                                      created_at=NOW - timedelta(hours=1), not_before=NOW + timedelta(hours=1),
                                      claimed_until=claimed, claimed_by="host:1:x" if claimed else None))
    yield database
    database.dispose()


def test_list_shows_what_waits_and_what_was_dropped_newest_first(db: Database) -> None:
    lines = list_lines(db)
    assert [line.split()[:2] for line in lines] == [["4", "pending"], ["3", "pending"], ["2", "dropped"]]
    assert lines[2].endswith("alert:C0EAST:42  channel_not_found (retried for 7 days)")
    assert "attempts 3 not before 2026-11-23 02:00Z" in lines[1]


def test_list_dropped_only(db: Database) -> None:
    assert [line.split()[0] for line in list_lines(db, dropped_only=True)] == ["2"]


def test_retry_requeues_a_dropped_message_from_now_with_fresh_attempts(db: Database) -> None:
    assert retry(db, [2], now=NOW) == [(True, "Message 2 (dropped) will be sent on the next delivery run "
                                              "(every 10 s in a running bot, or `followup-bot jobs run`).")]
    with db.read() as session:
        message = session.get(OutboxMessage, 2)
        assert (message.state, message.attempts, message.not_before) == ("pending", 0, NOW)
        assert message.last_error == "channel_not_found (retried for 7 days)"  # kept: why it was dropped


def test_retry_leaves_sent_claimed_and_unknown_messages_alone(db: Database) -> None:
    assert retry(db, [1, 4, 99], now=NOW) == [
        (False, "Message 1 is sent: nothing to retry."),
        (False, "Message 4 is being sent right now: nothing changed."),
        (False, "Message 99: there is no such message (see `followup-bot outbox list`)."),
    ]
    with db.read() as session:
        assert session.get(OutboxMessage, 4).claimed_by == "host:1:x"
