"""The outbox: Slack messages are decided inside the transaction and delivered after it.

A service enqueues a message with a unique key in the same transaction as the change it
reports, so a crash cannot lose it and deciding twice cannot send it twice. Delivery is
exactly-once up to the one message in flight:

- a process **claims** a batch (``BATCH``; a lease on the real clock, never on the ``--now`` of a
  catch-up run, with its identity so a dead process's claim on this host is taken over at once;
  what is not posted while half the lease remains goes back) and records each message as sent in
  a transaction of its own right after Slack accepts it, before the next is posted;
- a **429** is not a failure: the message waits ``Retry-After`` and nothing else goes to that
  channel (``chat.postMessage``) or method until then, in any process (``slack_rate_limits``);
  channels are paced at about one post a second so bursts stay inside Slack's limit;
- **5xx and network errors** back off exponentially with jitter for a bounded time
  (``Runtime.give_up_after``), then the message is dropped with its reason and the admins are told;
- a channel the bot cannot post in (``not_in_channel`` …) keeps its messages waiting, retried
  every few minutes, and the person who acted and the admins are told what to fix;
- a **DM to a deactivated account** is not sent (Slack would accept it silently): it is skipped
  and the person's supervisors are told once that their customers need a new owner.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import random
import re
import socket
import threading
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.domain.calendar import working_time
from bot.i18n import t
from bot.runtime import Runtime
from storage import queries
from storage.db import OwnTransactions
from storage.models import ApprovalRequest, OutboxMessage

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# Messages a claim takes. A batch is posted while its lease has more than half to run (more than
# any post's timeout): what is left then goes back, so no message is posted on an expired lease.
BATCH = 200
# Slack allows about one chat.postMessage a second per channel (short bursts aside).
CHANNEL_PACE = timedelta(seconds=1)
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 600.0
# A channel the bot is not in: retried this often, for this long.
UNREACHABLE_RETRY = timedelta(minutes=10)
UNREACHABLE_GIVE_UP = timedelta(days=7)
RETRYABLE_ERRORS = {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
UNREACHABLE_ERRORS = {"not_in_channel", "channel_not_found", "is_archived"}
_USER_CHANNEL = re.compile(r"^[UW][A-Z0-9]+$")
# A time long past: "as soon as possible", whatever the clock of the process that delivers.
ASAP = datetime.fromisoformat("2000-01-01T00:00:00+00:00")
# After an ack, a message whose channel is paced is waited for this long before the background
# delivery takes it over.
INTERACTIVE_WAIT = timedelta(seconds=5)


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
    # chat.update of the message queued under this key: it goes once that post is recorded
    edits: str | None = None
    # a reply in the thread of this message
    thread_ts: str | None = None
    # the person whose action this reports: told if it cannot be delivered
    on_behalf_of: str | None = None
    # not before this instant (a scheduled message held over the recipient's day off)
    not_before: datetime | None = None
    # method "files.upload": the files to share in ``channel`` with ``text`` as their comment, each
    # {"filename", "title", "content" (base64)}; delivered with files_upload_v2, once like a post
    files: list[dict[str, str]] | None = None


def is_user_channel(channel: str) -> bool:
    return bool(_USER_CHANNEL.match(channel))


def held_for_working_time(session: Session, runtime: Runtime, message: Outgoing, *, now: datetime) -> Outgoing:
    """A scheduled message (a reminder, an escalation, an alert) decided on its recipient's day off
    waits for 09:00 of their next working day: a person in their own time zone and their team's
    holiday calendar, a supervisor channel in its team's. Answers to what somebody just did are
    never held: they do not come through here."""
    calendar = _calendar_of(session, runtime, message.channel)
    if calendar is None:
        return message
    tz, country = calendar
    hold = working_time(now, tz=tz, country=country)
    return message if hold is None else replace(message, not_before=max(hold, message.not_before or ASAP))


def _calendar_of(session: Session, runtime: Runtime, channel: str) -> tuple[str, str | None] | None:
    if is_user_channel(channel):
        memberships = runtime.config.memberships.get(channel)
        if not memberships:
            return None
        team = runtime.config.team(memberships[0].team)
        profile = queries.get_slack_user(session=session, user_id=channel)
        return (profile.tz if profile and profile.tz else team.timezone), team.holidays
    for team in runtime.config.teams:
        if team.supervisor_channel == channel:
            return team.timezone, team.holidays
    return None


def enqueue(session: Session, message: Outgoing, *, now: datetime, skip: bool = False) -> bool:
    """Queue a message; ``skip`` records that the decision was taken and nothing needs sending
    (a due list with nothing due), so the same duty does not decide it again. True when new."""
    return queries.enqueue_message(
        session=session,
        values={
            "key": message.key,
            "method": message.method,
            "channel": message.channel,
            "payload": {"text": message.text, "blocks": message.blocks, "ts": message.ts,
                        "thread_ts": message.thread_ts, **({"files": message.files} if message.files else {}),
                        **({"edits": message.edits} if message.edits else {})},
            "state": "skipped" if skip else "pending",
            "attempts": 0,
            "created_at": now,
            "not_before": message.not_before or ASAP,
            "on_behalf_of": message.on_behalf_of,
            # A post carries the request (its ts is recorded); an update edits the message carrying it.
            "approval_request_id": message.carries_approval_request or message.updates_approval_request,
        },
    )


# Pacing and rate limits ------------------------------------------------------------------------------


def scope_of(method: str, channel: str) -> str:
    """What a 429 blocks: chat.postMessage is limited per channel, other methods as a whole."""
    return f"channel:{channel}" if method == "chat.postMessage" else f"method:{method}"


def delivery_client(runtime: Runtime) -> WebClient:
    """The runtime's client without retry handlers: the outbox decides about every retry itself
    (a hidden retry of chat.postMessage after a timeout could post twice)."""
    base = runtime.slack
    client = runtime.delivery_slack
    if client is None or client.base_url != base.base_url or client.token != base.token:
        client = runtime.delivery_slack = WebClient(token=base.token, base_url=base.base_url, timeout=base.timeout,
                                                    retry_handlers=[], logger=base.logger)
    return client


# Delivery ---------------------------------------------------------------------------------------------


def deliver_keys(runtime: Runtime, keys: Iterable[str]) -> int:
    """Deliver these messages now, except those whose channel or method this process is pacing:
    claiming them would only find them busy (a burst of leads to one supervisors' channel), so
    the background delivery, which waits for the pace, takes them."""
    with runtime.db.read() as session:
        pending = queries.pending_outbox_scopes_by_keys(session=session, keys=list(keys))
    ids = [id_ for id_, _, _ in pending]
    if pending and runtime.wake_delivery is not None:  # without one, ``deliver`` waits for the pace itself
        busy = runtime.pacer.busy(runtime.wall_now())
        ids = [id_ for id_, method, channel in pending if scope_of(method, channel) not in busy]
        if len(ids) < len(pending):
            runtime.wake_delivery()
    return deliver(runtime, ids)


def deliver(runtime: Runtime, ids: Iterable[int]) -> int:
    """Deliver these messages now (right after an ack) if they are due and nobody else is sending
    them. One whose channel is paced goes to the background delivery when the process has one
    (a burst of leads to one supervisors' channel must not keep every listener thread asleep, or
    the next requests miss Slack's 3 seconds); without one it is waited for a few seconds."""
    ids = list(ids)
    sent = 0
    give_up = runtime.wall_now() + INTERACTIVE_WAIT
    while ids:
        claimed = _claim(runtime, ids=ids)
        just_sent = _send(runtime, claimed)
        sent += just_sent
        with runtime.db.read() as session:
            ids = queries.pending_outbox_ids(session=session, ids=ids)
        if not ids:
            return sent
        if just_sent:
            continue  # one post per channel a claim: the channel may have tokens for the next one
        now = runtime.wall_now()
        wake = runtime.pacer.next_free(now)
        if runtime.wake_delivery is not None:
            runtime.wake_delivery()
            return sent
        if wake is None or wake > give_up:
            return sent
        runtime.sleep(max((wake - now).total_seconds(), 0.0))
    return sent


def deliver_due(runtime: Runtime) -> int:
    """Deliver every pending message whose time has come and whose channel is free; returns how many."""
    sent = 0
    while True:
        claimed = _claim(runtime, ids=None)
        if not claimed:
            return sent
        sent += _send(runtime, claimed)


def drain(runtime: Runtime, *, max_wait: timedelta = timedelta(minutes=10),
          stop: threading.Event | None = None) -> int:
    """Deliver everything pending, waiting out pacing, ``Retry-After`` and back-offs, for at most ``max_wait``.

    For a fan-out (the morning's digests): what is still pending after ``max_wait`` stays in the
    outbox for the next run, with the reason recorded. Messages another process has claimed
    are left to it.
    """
    give_up = runtime.wall_now() + max_wait
    sent = deliver_due(runtime)
    while stop is None or not stop.is_set():
        now = runtime.wall_now()
        wake = _next_wake(runtime, now)
        if wake is None or wake > give_up:
            return sent
        runtime.sleep(max((wake - now).total_seconds(), 0.0))
        sent += deliver_due(runtime)
    return sent


def _next_wake(runtime: Runtime, now: datetime) -> datetime | None:
    with runtime.db.read() as session:
        wake = queries.next_outbox_time(session=session, now=now)
        if wake is None:
            return None
        if wake > now:
            return wake
        # Due but waiting for a channel or method: wake when the first of them is free.
        blocked = queries.next_rate_limit_end(session=session, now=now)
    candidates = [w for w in (runtime.pacer.next_free(now), blocked) if w is not None]
    return min(candidates) if candidates else now + CHANNEL_PACE


@dataclass(frozen=True)
class _Claimed:
    id: int
    key: str
    method: str
    channel: str
    payload_json: str  # decoded when posted (queries.claim_outbox_ids says why)
    target_ts: str | None
    approval_request_id: int | None
    lease_until: datetime
    # Whether edits were waiting when it was claimed: if none was, its mark looks for none. One
    # decided while it is on its way goes out with the next claim instead of right after it.
    edits_possible: bool


def _claim(runtime: Runtime, *, ids: list[int] | None) -> list[_Claimed]:
    """Claim up to a batch of due messages (or of ``ids``) for this process, in one short transaction:
    at most one post per channel (they are paced), none for a channel or method that is busy.

    The candidates are chosen in a read: most calls find nothing free (a paced channel's backlog)
    and must not queue for SQLite's one writer for that; the claim itself is conditional."""
    now = runtime.wall_now()
    claimed: list[_Claimed] = []
    with runtime.db.read() as session:
        busy = runtime.pacer.busy(now) | queries.active_rate_limits(session=session, now=now)
        dead = [who for who in queries.outbox_claimants(session=session, now=now) if _is_dead(who)]
        # A few messages after an ack: their marks look for edits (one query either way).
        edits_possible = ids is not None or queries.edits_pending(session=session)
        chosen: list[int] = []
        scopes: set[str] = set()
        for message_id, method, channel in queries.claimable_outbox(
                session=session, now=now, dead=dead, ids=ids,
                busy_channels=[s.partition(":")[2] for s in busy if s.startswith("channel:")],
                busy_methods=[s.partition(":")[2] for s in busy if s.startswith("method:")]):
            scope = scope_of(method, channel)
            if scope.startswith("channel:") and scope in scopes:
                continue
            scopes.add(scope)
            chosen.append(message_id)
            if len(chosen) >= BATCH:
                break
    if not chosen:
        return claimed
    with runtime.db.write(background=True) as session:
        # Each claim has its own token: two threads of this process never share a batch.
        rows = queries.claim_outbox_ids(session=session, ids=chosen, now=now, lease_until=now + LEASE,
                                        claimant=f"{runtime.claimant}:{uuid.uuid4().hex[:8]}", dead=dead)
        deactivated = queries.deactivated_users(
            session=session, user_ids=[r.channel for r in rows if is_user_channel(r.channel)])
        for row in rows:
            if row.channel in deactivated:
                _skip_deactivated(session, runtime, _loaded(session, row.id), now=now)
                continue
            channel, target_ts = row.channel, None
            if row.method == "chat.update":
                payload = json.loads(row.payload_json)
                target_ts = payload.get("ts")
                if target_ts is None and payload.get("edits"):
                    posted = queries.posted_message(session=session, key=payload["edits"])
                    if posted is None:
                        _wait_for_post(session, _loaded(session, row.id), post_key=payload["edits"], now=now)
                        continue
                    channel, target_ts = posted
                elif target_ts is None:
                    request = session.get(ApprovalRequest, row.approval_request_id)
                    if request is None or request.message_ts is None:
                        _wait_for_post(session, _loaded(session, row.id),
                                       post_key=f"approval:{row.approval_request_id}:post", now=now)
                        continue
                    channel, target_ts = request.channel or channel, request.message_ts
            claimed.append(_Claimed(row.id, row.key, row.method, channel, row.payload_json, target_ts,
                                    row.approval_request_id, now + LEASE, edits_possible))
    return claimed


def _loaded(session: Session, message_id: int) -> OutboxMessage:
    message = session.get(OutboxMessage, message_id)
    assert message is not None
    return message


def _is_dead(claimant: str) -> bool:
    """A claimant on this host whose process is gone (its lease need not run out)."""
    host, _, rest = claimant.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _wait_for_post(session: Session, message: OutboxMessage, *, post_key: str, now: datetime) -> None:
    """An edit of a message not posted yet (or sent and not yet recorded): it goes once that post is."""
    post = queries.outbox_message_by_key(session=session, key=post_key)
    message.claimed_until, message.claimed_by = None, None
    if post is None or post.state not in ("pending",):
        message.state, message.last_error = "dropped", "the message to edit was never posted"
        log.error("outbox message %s dropped: %s", message.key, message.last_error)
    else:
        message.not_before = max(post.not_before, now)


def _send(runtime: Runtime, claimed: list[_Claimed]) -> int:
    """Post each claimed message and record its outcome at once; a scope that became busy since
    the claim (another thread posted, a 429) gets its messages back for later, and so does the
    rest of a batch whose lease is half gone."""
    sent = 0
    client = delivery_client(runtime)
    giving_back: list[int] = []
    with runtime.db.own_transactions() as marks:
        for message in claimed:
            sent += _send_one(runtime, client, marks, message, giving_back)
    _release(runtime, giving_back)
    return sent


def _send_one(runtime: Runtime, client: WebClient, marks: OwnTransactions, message: _Claimed,
              giving_back: list[int]) -> int:
    """Post one claimed message and record its outcome; how many went out (with edits waiting on it)."""
    now = runtime.wall_now()
    if now >= message.lease_until - LEASE / 2 or not runtime.pacer.take(scope_of(message.method, message.channel), now):
        giving_back.append(message.id)
        return 0
    try:
        response = _call(client, message)
    except SlackApiError as exc:
        _record_failure(runtime, message, _failure_of(exc))
        return 0
    except Exception as exc:  # noqa: BLE001 - any network failure is retried later
        _record_failure(runtime, message, _Failure("retry", f"{type(exc).__name__}: {exc}"))
        return 0
    waiting = _record_sent(runtime, marks, message, response)
    # Edits decided while their message was on its way can go now that its ts is known.
    return 1 + (deliver(runtime, waiting) if waiting else 0)


def _release(runtime: Runtime, ids: list[int]) -> None:
    if ids:
        with runtime.db.write(background=True) as session:
            queries.release_outbox_claims(session=session, ids=ids, claimant=runtime.claimant)


def _call(client: WebClient, message: _Claimed) -> Any:
    payload = json.loads(message.payload_json)
    if message.method == "files.upload":
        uploads = [{"content": base64.b64decode(f["content"]), "filename": f["filename"], "title": f["title"]}
                   for f in payload.get("files") or []]
        return client.files_upload_v2(channel=message.channel, file_uploads=uploads, initial_comment=payload["text"])
    args: dict[str, Any] = {"channel": message.channel, "text": payload["text"]}
    if payload.get("blocks") is not None:
        args["blocks"] = payload["blocks"]
    if message.method == "chat.update":
        assert message.target_ts is not None
        return client.chat_update(ts=message.target_ts, **args)
    if payload.get("thread_ts"):
        args["thread_ts"] = payload["thread_ts"]
    return client.chat_postMessage(**args, unfurl_links=False)


def _record_sent(runtime: Runtime, marks: OwnTransactions, claimed: _Claimed, response: Any) -> list[int]:
    """Mark it sent at once, a transaction of its own: a crash now repeats nothing. Returns the
    edits that were waiting for this post (found in the same round trip on PostgreSQL)."""
    at, ts = runtime.wall_now(), response.get("ts")
    post_key = claimed.key if claimed.method == "chat.postMessage" else None
    if claimed.approval_request_id is None:
        if not claimed.edits_possible:
            post_key = None
        return marks.run(lambda conn: queries.mark_outbox_sent(session=conn, message_id=claimed.id, at=at, ts=ts,
                                                               post_key=post_key))
    with runtime.db.write(background=True) as session:
        waiting = queries.mark_outbox_sent(session=session, message_id=claimed.id, at=at, ts=ts, post_key=post_key)
        if post_key is not None:  # the approval request's message: its buttons' updates go there
            request = session.get(ApprovalRequest, claimed.approval_request_id)
            if request is not None:
                request.channel, request.message_ts = response.get("channel"), response.get("ts")
                waiting += queries.pending_updates_of(session=session, approval_request_ids=[request.id])
        return waiting


# Failures ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    kind: str  # ratelimited | retry | unreachable | permanent
    reason: str
    retry_after: float = 0.0
    error: str = ""


def _failure_of(exc: SlackApiError) -> _Failure:
    status = exc.response.status_code
    error = exc.response.get("error") if isinstance(exc.response.data, dict) else str(exc.response.data)
    reason = f"HTTP {status}: {error}"
    if status == 429 or error == "ratelimited":
        try:
            wait = float(exc.response.headers.get("Retry-After", "1") or 1)
        except (TypeError, ValueError):
            wait = 1.0
        return _Failure("ratelimited", reason, retry_after=max(wait, 1.0), error="ratelimited")
    if status >= 500 or error in RETRYABLE_ERRORS:
        return _Failure("retry", reason, error=str(error))
    if error in UNREACHABLE_ERRORS:
        return _Failure("unreachable", reason, error=str(error))
    return _Failure("permanent", reason, error=str(error))


def backoff(attempts: int, *, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with jitter: about 2 s, 4 s, 8 s … capped at 10 minutes."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    return timedelta(seconds=ceiling * (0.5 + (rng or random).random() / 2))


def _record_failure(runtime: Runtime, claimed: _Claimed, failure: _Failure) -> None:
    now = runtime.wall_now()
    with runtime.db.write(background=True) as session:
        message = session.get(OutboxMessage, claimed.id)
        assert message is not None
        message.claimed_until, message.claimed_by = None, None
        previous_error = message.last_error or ""
        message.last_error = failure.reason
        if failure.kind == "ratelimited":
            until = now + timedelta(seconds=failure.retry_after)
            message.not_before = until
            scope = scope_of(claimed.method, claimed.channel)
            queries.block_scope(session=session, scope=scope, until=until)
            runtime.pacer.hold(scope, until)
            log.info("outbox: %s rate-limited, waiting %.0f s", scope, failure.retry_after)
            return
        message.first_failed_at = message.first_failed_at or now
        failing_for = now - message.first_failed_at
        if failure.kind == "retry":
            message.attempts += 1
            if failing_for >= runtime.give_up_after:
                _drop(session, runtime, message, now=now,
                      reason=f"{failure.reason} (failing for {_hours(failing_for)})")
                return
            wait = backoff(message.attempts)
            message.not_before = now + wait
            log.warning("outbox message %s will be retried in %s: %s", message.key, wait, failure.reason)
            return
        if failure.kind == "unreachable" and not is_user_channel(message.channel):
            if failing_for >= UNREACHABLE_GIVE_UP:
                _drop(session, runtime, message, now=now, reason=failure.reason)
                return
            message.not_before = now + UNREACHABLE_RETRY
            if failure.error not in previous_error:
                _tell_unreachable(session, runtime, message, error=failure.error, now=now)
            log.warning("outbox message %s waits: the bot cannot post in %s (%s)", message.key, message.channel,
                        failure.error)
            return
        _drop(session, runtime, message, now=now, reason=failure.reason)


def _hours(span: timedelta) -> str:
    return f"{span.total_seconds() / 3600:.1f} h"


def _drop(session: Session, runtime: Runtime, message: OutboxMessage, *, now: datetime, reason: str) -> None:
    message.state, message.last_error = "dropped", reason
    log.error("outbox message %s (%s to %s) dropped: %s", message.key, message.method, message.channel, reason)
    _tell_admins(session, runtime, f"dropped:{now.date().isoformat()}", "outbox_dropped_admin", now=now,
                 message_key=message.key, channel=message.channel, reason=reason)


def _tell_admins(session: Session, runtime: Runtime, what: str, text_key: str, *, now: datetime,
                 **values: Any) -> None:
    """One DM per admin per ``what`` (the key makes it once, whatever the number of failures)."""
    lang = runtime.config.language
    for admin in runtime.config.admins:
        enqueue(session, Outgoing(key=f"admin:{what}:{admin}", channel=admin,
                                  text=t(text_key, lang, **values)), now=now)


def _tell_unreachable(session: Session, runtime: Runtime, message: OutboxMessage, *, error: str,
                      now: datetime) -> None:
    """The channel could not be reached: the person who acted learns the truth, the admins the fix."""
    day = now.date().isoformat()
    if message.on_behalf_of:
        lang = runtime.config.language
        enqueue(session, Outgoing(key=f"unreachable:{message.key}:{message.on_behalf_of}",
                                  channel=message.on_behalf_of,
                                  text=t("outbox_unreachable_actor", lang, channel=message.channel)), now=now)
    _tell_admins(session, runtime, f"unreachable:{message.channel}:{day}", "outbox_unreachable_admin", now=now,
                 channel=message.channel, error=error)


def _skip_deactivated(session: Session, runtime: Runtime, message: OutboxMessage, *, now: datetime) -> None:
    """Slack accepts a DM to a deactivated account silently; nobody would read it."""
    message.state, message.last_error = "skipped", "the recipient's Slack account is deactivated"
    message.claimed_until, message.claimed_by = None, None
    log.info("outbox message %s not sent: %s is deactivated", message.key, message.channel)
