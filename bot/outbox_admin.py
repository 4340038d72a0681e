"""`followup-bot outbox list [--dropped]` and `followup-bot outbox retry ID`: what the outbox holds,
and a second chance for a message that was dropped (after the channel was fixed, say)."""

from __future__ import annotations

from datetime import datetime

from storage import queries
from storage.db import Database
from storage.models import OutboxMessage

LISTED = ("pending", "dropped")


def list_lines(db: Database, *, dropped_only: bool = False, limit: int = 50) -> list[str]:
    """One line a message, newest first: id, state, when, method, channel, attempts, key, last error."""
    with db.read() as session:
        messages = queries.outbox_messages(session=session, states=("dropped",) if dropped_only else LISTED,
                                           limit=limit)
        return [_line(m) for m in messages]


def _line(message: OutboxMessage) -> str:
    error = f"  {message.last_error}" if message.last_error else ""
    waiting = f" not before {message.not_before:%Y-%m-%d %H:%M}Z" if message.state == "pending" else ""
    return (f"{message.id:>6}  {message.state:<7}  {message.created_at:%Y-%m-%d %H:%M}Z  {message.method:<17} "
            f"{message.channel:<12} attempts {message.attempts}{waiting}  {message.key}{error}")


def retry(db: Database, message_ids: list[int], *, now: datetime) -> list[tuple[bool, str]]:
    """Requeue each message; (done, sentence) for each, in order."""
    answers: list[tuple[bool, str]] = []
    with db.write() as session:
        for message_id in message_ids:
            before = queries.requeue_outbox_message(session=session, message_id=message_id, now=now)
            if before is None:
                answers.append((False, f"Message {message_id}: there is no such message (see `followup-bot outbox list`)."))
            elif before in ("dropped", "pending"):
                answers.append((True, f"Message {message_id} ({before}) will be sent on the next delivery run "
                                      "(every 10 s in a running bot, or `followup-bot jobs run`)."))
            elif before == "sending":
                answers.append((False, f"Message {message_id} is being sent right now: nothing changed."))
            else:
                answers.append((False, f"Message {message_id} is {before}: nothing to retry."))
    return answers
