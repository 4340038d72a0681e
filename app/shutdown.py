"""A graceful stop on SIGTERM (and Ctrl-C): stop taking requests, finish the ones in flight and
the current delivery, then exit 0.

Orchestrators (Docker, Kubernetes, systemd) send SIGTERM and wait a grace period (compose's
``stop_grace_period``, Kubernetes' 30 s) before SIGKILL. Python's default is to die at once:
a request being answered is cut off (Slack retries it), a message being posted may be posted
and not marked sent. Here the signal only sets an event; the serving loop notices it, closes
the listening socket, runs until every request already received has been answered and its
bytes sent, and returns; the caller then stops the scheduler (waiting for the job in progress).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel

log = logging.getLogger(__name__)
# Less than the usual 30 s grace period before SIGKILL: the scheduler's job gets the rest.
DRAIN_SECONDS = 20.0


class Stopper:
    """Set by SIGTERM or SIGINT (or by a test); wakes whatever waits on it."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self._wake: list[Callable[[], None]] = []

    def on_stop(self, wake: Callable[[], None]) -> None:
        self._wake.append(wake)

    def stop(self, *_: Any) -> None:
        if not self.event.is_set():
            log.info("stopping: no new requests; finishing those in flight and the current delivery")
        self.event.set()
        for wake in self._wake:
            wake()

    def install(self) -> Stopper:
        """Handle SIGTERM and SIGINT (main thread only)."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        return self

    @property
    def stopping(self) -> bool:
        return self.event.is_set()


def serve_until_stopped(server: Any, stopper: Stopper, *, drain_seconds: float = DRAIN_SECONDS) -> None:
    """Run a waitress server until ``stopper`` is set, then drain it and close it."""
    stopper.on_stop(server.pull_trigger)  # wake the select() at once
    while not stopper.stopping:
        wasyncore.loop(timeout=server.adj.asyncore_loop_timeout, map=server._map,
                       use_poll=server.adj.asyncore_use_poll, count=1)
    drain(server, seconds=drain_seconds)


def drain(server: Any, *, seconds: float) -> None:
    """Stop accepting connections, answer every request already received, then close everything."""
    wasyncore.dispatcher.close(server)  # the listening socket only: the trigger keeps the loop awake
    give_up = time.monotonic() + seconds
    while _busy(server) and time.monotonic() < give_up:
        wasyncore.loop(timeout=0.05, map=server._map, use_poll=server.adj.asyncore_use_poll, count=1)
    if _busy(server):
        log.warning("stopping with requests still unanswered after %.0f s", seconds)
    server.task_dispatcher.shutdown(cancel_pending=True, timeout=1)
    server.trigger.close()
    wasyncore.close_all(server._map)


def _busy(server: Any) -> bool:
    """A request queued or being answered, or an answer not yet sent."""
    channels = [c for c in list(server._map.values()) if isinstance(c, HTTPChannel)]
    return any(c.requests or c.total_outbufs_len for c in channels)


def wait_until_stopped(stopper: Stopper) -> None:
    """Block the main thread (Socket Mode) until SIGTERM or SIGINT; signals still get through."""
    while not stopper.event.wait(1.0):
        pass
