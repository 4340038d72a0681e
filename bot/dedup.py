"""One answer per Slack action, however often Slack delivers it.

Slack may deliver the same action twice, even at the same moment (a retry racing the original,
a double submit): the same ``trigger_id`` (slash commands, clicks, view submissions) or
``event_id`` (Events API). The first delivery claims that identity with an insert-on-conflict
in its own transaction and runs; a repeat waits for the first one's answer and gives it back,
without running any listener: no second record, no second DM, never an HTTP 500. A claim whose
process died before answering is taken over after ``STALE``.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier

from bot.runtime import Runtime
from storage import queries

log = logging.getLogger(__name__)

# How long a repeat waits for the first delivery's answer (Slack gives up after 3 s).
ANSWER_WAIT_SECONDS = 2.5
# A first delivery that has not answered in this long died: a repeat runs it again.
STALE = timedelta(seconds=30)


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

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        key = delivery_key(req.body) if isinstance(req.body, dict) else None
        if key is None or not self._authentic(req):
            return super().dispatch(req)
        if self._claim(key):
            response = super().dispatch(req)
            self._remember(key, response)
            return response
        return self._first_answer(key, req)

    def _authentic(self, req: BoltRequest) -> bool:
        """Only a signed request may claim anything (Socket Mode requests come over the bot's own socket)."""
        if req.mode == "socket_mode" or self._verifier is None:
            return True
        headers = {name: values[0] for name, values in req.headers.items() if values}
        try:
            return self._verifier.is_valid_request(req.raw_body, headers)
        except (ValueError, TypeError):
            return False

    def _claim(self, key: str) -> bool:
        with self._runtime.db.write() as session:
            return queries.claim_request_key(session=session, key=key, at=self._runtime.wall_now())

    def _remember(self, key: str, response: BoltResponse) -> None:
        # Kept whatever the status: a listener that was slow to ack (Bolt answers for it) may still
        # be working, so a copy must never run it a second time.
        with self._runtime.db.write(background=True) as session:
            queries.save_request_result(session=session, key=key, result={
                "answered": True, "status": response.status, "body": response.body,
                "headers": {name: list(values) for name, values in response.headers.items()},
            })

    def _first_answer(self, key: str, req: BoltRequest) -> BoltResponse:
        give_up = time.monotonic() + ANSWER_WAIT_SECONDS
        while True:
            with self._runtime.db.read() as session:
                claimed_at, result = queries.request_claim(session=session, key=key)
            if claimed_at is None:  # the first one failed and let go: this one runs it
                return self.dispatch(req)
            if result.get("answered"):
                log.info("repeated delivery %s answered as the first one", key)
                return BoltResponse(status=result["status"], body=result["body"], headers=result["headers"])
            if claimed_at is not None and self._runtime.wall_now() - claimed_at > STALE:
                log.warning("delivery %s was claimed by a process that never answered: running it", key)
                response = super().dispatch(req)
                self._remember(key, response)
                return response
            if time.monotonic() >= give_up:
                # The first one is still working on it: an empty 200 adds nothing twice.
                return BoltResponse(status=200, body="")
            time.sleep(0.05)
