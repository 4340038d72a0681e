"""The outbox: Slack messages are decided inside the transaction and delivered after it.

A service enqueues a message with a unique key in the same transaction as the change it
reports, so a crash cannot lose it and deciding twice cannot send it twice. ``deliver`` posts
pending messages: on 429 it waits ``Retry-After``, on 5xx it backs off, and a message Slack
refuses for good is kept as ``dropped`` with the reason, never silently lost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.runtime import Runtime
from storage import queries
from storage.models import ApprovalRequest, OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8
RETRYABLE_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}


@dataclass(frozen=True)
class Outgoing:
    key: str
    channel: str
    text: str
    blocks: list[dict[str, Any]] | None = None
    method: str = "chat.postMessage"
    # chat.update of the message carrying this approval request (its ts is known once posted)
    updates_approval_request: int | None = None
    # the posted message's ts is written to this approval request
    carries_approval_request: int | None = None
    # chat.update of a message whose ts we already know
    ts: str | None = None
    # a reply in the thread of this message
    thread_ts: str | None = None


def enqueue(session: Session, message: Outgoing, *, now: datetime, skip: bool = False) -> None:
    """Queue a message; ``skip`` records that the decision was taken and nothing needs sending
    (a due list with nothing due), so the same duty does not decide it again."""
    queries.enqueue_message(
        session=session,
        values={
            "key": message.key,
            "method": message.method,
            "channel": message.channel,
            "payload": {"text": message.text, "blocks": message.blocks, "ts": message.ts,
                        "thread_ts": message.thread_ts},
            "state": "skipped" if skip else "pending",
            "attempts": 0,
            "created_at": now,
            "not_before": now,
            # A post carries the request (its ts is recorded); an update edits the message carrying it.
            "approval_request_id": message.carries_approval_request or message.updates_approval_request,
        },
    )


def deliver_keys(runtime: Runtime, keys: Iterable[str]) -> None:
    with runtime.db.read() as session:
        ids = queries.outbox_ids_by_keys(session=session, keys=list(keys))
    deliver(runtime, ids)


def deliver_due(runtime: Runtime) -> int:
    """Deliver every pending message whose time has come; returns how many were sent."""
    sent = 0
    while True:
        with runtime.db.read() as session:
            ids = queries.due_outbox_ids(session=session, now=runtime.now())
        if not ids:
            return sent
        delivered = deliver(runtime, ids)
        sent += delivered
        if delivered == 0:
            return sent


def drain(runtime: Runtime, *, max_wait: timedelta = timedelta(minutes=10)) -> int:
    """Deliver everything pending, waiting out ``Retry-After`` and back-offs, for at most ``max_wait``.

    For a fan-out (the morning's digests): what is still pending after ``max_wait`` stays in the
    outbox for the next run, with the reason recorded.
    """
    give_up = runtime.now() + max_wait
    sent = deliver_due(runtime)
    while True:
        with runtime.db.read() as session:
            wake = queries.next_outbox_time(session=session, now=runtime.now())
        if wake is None or wake > give_up:
            return sent
        runtime.sleep(max((wake - runtime.now()).total_seconds(), 0.0))
        sent += deliver_due(runtime)


def deliver(runtime: Runtime, ids: Iterable[int]) -> int:
    """Claim the messages, post them, record the outcome: two short write transactions a batch."""
    ids = list(ids)
    if not ids:
        return 0
    now = runtime.now()
    batch: list[tuple[int, str, str, dict[str, Any], int, str | None]] = []
    with runtime.db.write(background=True) as session:
        for message_id in ids:
            if not queries.claim_outbox_message(session=session, message_id=message_id, now=now,
                                                lease_until=now + LEASE):
                continue
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            channel, target_ts = message.channel, message.payload.get("ts")
            if message.method == "chat.update" and target_ts is None:
                request = session.get(ApprovalRequest, message.approval_request_id)
                if request is None or request.message_ts is None:
                    post = queries.outbox_message_by_key(session=session, key=f"approval:{message.approval_request_id}:post")
                    message.attempts -= 1
                    message.claimed_until = None
                    if post is None or post.state != "pending":
                        message.state, message.last_error = "dropped", "the message to edit was never posted"
                    else:
                        # Not posted yet: it goes once that post is recorded, or when the post is retried.
                        message.not_before = max(post.not_before, now)
                    continue
                channel, target_ts = request.channel or channel, request.message_ts
            batch.append((message_id, message.method, channel, dict(message.payload), message.attempts, target_ts))
    outcomes: list[tuple[int, int, Any, SlackApiError | None]] = []
    for message_id, method, channel, payload, attempts, target_ts in batch:
        try:
            outcomes.append((message_id, attempts, _call(runtime, method, channel, payload, target_ts), None))
        except SlackApiError as exc:
            outcomes.append((message_id, attempts, None, exc))
    if not outcomes:
        return 0
    carried: list[int] = []
    with runtime.db.write(background=True) as session:
        for message_id, attempts, response, error in outcomes:
            message = session.get(OutboxMessage, message_id)
            assert message is not None
            if error is not None:
                _record_failure(message, error, attempts, now=runtime.now())
                continue
            message.state, message.sent_at, message.result_ts = "sent", runtime.now(), response.get("ts")
            message.claimed_until = None
            message.last_error = None
            if message.approval_request_id is not None and message.method == "chat.postMessage":
                request = session.get(ApprovalRequest, message.approval_request_id)
                if request is not None:
                    request.channel, request.message_ts = response.get("channel"), response.get("ts")
                    carried.append(request.id)
        waiting = queries.pending_updates_of(session=session, approval_request_ids=carried) if carried else []
    sent = sum(1 for *_, error in outcomes if error is None)
    # Edits decided while their message was still on its way can go now that its ts is known.
    return sent + (deliver(runtime, waiting) if waiting else 0)


def _call(runtime: Runtime, method: str, channel: str, payload: dict[str, Any], ts: str | None) -> Any:
    args: dict[str, Any] = {"channel": channel, "text": payload["text"]}
    if payload.get("blocks") is not None:
        args["blocks"] = payload["blocks"]
    if method == "chat.update":
        assert ts is not None
        return runtime.slack.chat_update(ts=ts, **args)
    if payload.get("thread_ts"):
        args["thread_ts"] = payload["thread_ts"]
    return runtime.slack.chat_postMessage(**args, unfurl_links=False)


def _record_failure(message: OutboxMessage, exc: SlackApiError, attempts: int, *, now: datetime) -> None:
    message.claimed_until = None
    status = exc.response.status_code
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else str(exc.response.data)
    retryable = status == 429 or status >= 500 or error in RETRYABLE_ERRORS
    message.last_error = f"HTTP {status}: {error}"
    if not retryable or attempts >= MAX_ATTEMPTS:
        message.state = "dropped"
        log.error("outbox message %s (%s) dropped: %s", message.key, message.method, message.last_error)
        return
    if status == 429:
        wait = timedelta(seconds=int(exc.response.headers.get("Retry-After", "1") or 1))
    else:
        wait = timedelta(seconds=min(2 ** attempts, 300))
    message.not_before = now + wait
    log.warning("outbox message %s will be retried in %s: %s", message.key, wait, message.last_error)
