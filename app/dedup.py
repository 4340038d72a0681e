"""One answer per Slack action, however often Slack delivers it.

Slack may deliver the same action twice, even at the same moment (a retry racing the original,
a double submit): the same ``trigger_id`` (slash commands, clicks, view submissions) or
``event_id`` (Events API). The first delivery claims that identity with an insert-on-conflict
in its own transaction and runs; a repeat waits for the first one's answer and gives it back,
without running any listener: no second record, no second DM, never an HTTP 500. A claim whose
process died before answering is taken over after ``STALE``.

Before any of that, an HTTP request's signature is verified: an unsigned, wrongly signed, stale or
malformed request gets 401 and nothing else (no claim, no listener, no error handler, no row, no
outgoing request), whatever its headers hold. Socket Mode requests come over the bot's own socket.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from app.acks import PromptListenerRunner, SignalingAck
from bot.runtime import Runtime
from storage import queries

log = logging.getLogger(__name__)

# How long a repeat waits for the first delivery's answer (Slack gives up after 3 s).
ANSWER_WAIT_SECONDS = 2.5
# A first delivery that has not answered in this long died: a repeat runs it again.
STALE = timedelta(seconds=30)
# Slack's request timestamps: Unix seconds, plain ASCII digits (int() would also take " 1_7e0", etc.).
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def delivery_key(body: dict[str, Any]) -> str | None:
    """Slack's own identity of the action a request carries, or None (nothing to deduplicate)."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"delivery:event:{body['event_id']}"
    if body.get("type") in ("block_suggestion", "url_verification"):
        return None  # reads only
    trigger = body.get("trigger_id")
    return f"delivery:{trigger}" if isinstance(trigger, str) and trigger else None


class ExactlyOnceApp(App):
    """Bolt's App, answering a repeated delivery of one action with the first delivery's answer."""

    def __init__(self, *, runtime: Runtime, signing_secret: str | None, **kwargs: Any) -> None:
        super().__init__(signing_secret=signing_secret or "", **kwargs)
        self._runtime = runtime
        self._verifier = SignatureVerifier(signing_secret) if signing_secret else None
        self._listener_runner = PromptListenerRunner.replacing(self._listener_runner)

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        with self._runtime.answers.awaiting_answer():  # work after earlier answers waits for this one
            return self._dispatch(req)

    def _dispatch(self, req: BoltRequest) -> BoltResponse:
        if not self._authentic(req):
            return BoltResponse(status=401, body={"error": "invalid request"})
        key = delivery_key(req.body) if isinstance(req.body, dict) else None
        if key is None:
            req.context["ack"] = SignalingAck()
            return super().dispatch(req)
        if self._claim(key):
            return self._first_delivery(key, req)
        return self._first_answer(key, req)

    def _first_delivery(self, key: str, req: BoltRequest) -> BoltResponse:
        """Run the listeners; the answer is remembered as it is given, before the listener goes on."""
        db = self._runtime.db

        def remember(response: BoltResponse) -> None:
            self._remember(key, response)
            db.answered(True)

        ack = SignalingAck(on_answer=remember, on_done=lambda: db.answered(False))
        req.context["ack"] = ack
        try:
            response = super().dispatch(req)
        finally:
            db.answered(False)  # events are acknowledged in this thread
        if not ack.remembered:  # answered without the listener's ack (middleware, error handler)
            self._remember(key, response)
        return response

    def _authentic(self, req: BoltRequest) -> bool:
        """Signed by Slack, and recently (Socket Mode requests come over the bot's own socket).

        Never raises: any header that cannot be read, parsed or matched makes the request unverified.
        Without a signing secret nothing over HTTP can be verified, so nothing is accepted.
        """
        if req.mode == "socket_mode":
            return True
        if self._verifier is None:
            return False
        try:
            timestamp = req.headers.get("x-slack-request-timestamp", [])
            signature = req.headers.get("x-slack-signature", [])
            if len(timestamp) != 1 or len(signature) != 1 or not _TIMESTAMP.fullmatch(timestamp[0]):
                return False
            return self._verifier.is_valid(req.raw_body, timestamp[0], signature[0])
        except Exception:  # whatever went wrong, the request is not verified
            log.info("refused a request whose signature could not be checked", exc_info=True)
            return False

    def _claim(self, key: str) -> bool:
        # A claim lost to a database crash only lets a later repeat run again, and every use case
        # keeps its own idempotency key in its own (durable) transaction: no need to wait for the disk.
        with self._runtime.db.write_connection(flush_wal=False) as conn:
            return queries.claim_request_key(session=conn, key=key, at=self._runtime.wall_now())

    def _remember(self, key: str, response: BoltResponse) -> None:
        # Kept whatever the status: a listener that was slow to ack (Bolt answers for it) may still
        # be working, so a copy must never run it a second time. Not a background write: Slack is
        # waiting for this answer, which goes out only after it is remembered.
        with self._runtime.db.write_connection(flush_wal=False) as conn:
            queries.save_request_result(session=conn, key=key, result={
                "answered": True, "status": response.status, "body": response.body,
                "headers": {name: list(values) for name, values in response.headers.items()},
            })

    def _first_answer(self, key: str, req: BoltRequest) -> BoltResponse:
        give_up = time.monotonic() + ANSWER_WAIT_SECONDS
        while True:
            with self._runtime.db.read() as session:
                claimed_at, result = queries.request_claim(session=session, key=key)
            if claimed_at is None:  # the first one failed and let go: this one runs it
                return self._dispatch(req)
            if result.get("answered"):
                log.info("repeated delivery %s answered as the first one", key)
                return BoltResponse(status=result["status"], body=result["body"], headers=result["headers"])
            if claimed_at is not None and self._runtime.wall_now() - claimed_at > STALE:
                log.warning("delivery %s was claimed by a process that never answered: running it", key)
                return self._first_delivery(key, req)
            if time.monotonic() >= give_up:
                # The first one is still working on it: an empty 200 adds nothing twice.
                return BoltResponse(status=200, body="")
            time.sleep(0.05)
