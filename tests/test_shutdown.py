"""A graceful stop: a request in flight when SIGTERM arrives is answered in full; nothing new is taken."""

from __future__ import annotations

import threading
import urllib.request
from typing import Any

import pytest
from waitress.server import create_server

from app.shutdown import Stopper, serve_until_stopped


def slow_app(entered: threading.Event, release: threading.Event) -> Any:
    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        entered.set()
        release.wait(10)
        body = b"answered in full " * 1000
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    return application


def test_a_request_in_flight_is_answered_and_then_the_server_closes() -> None:
    entered, release = threading.Event(), threading.Event()
    server = create_server(slow_app(entered, release), host="127.0.0.1", port=0, threads=2)
    port = server.effective_port
    stopper = Stopper()
    serving = threading.Thread(target=serve_until_stopped, args=(server, stopper), kwargs={"drain_seconds": 10})
    serving.start()
    answers: list[bytes] = []
    client = threading.Thread(target=lambda: answers.append(
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read()))
    client.start()
    assert entered.wait(5)
    stopper.stop()  # what SIGTERM does
    release.set()
    client.join(10)
    serving.join(10)
    assert not serving.is_alive()
    assert answers == [b"answered in full " * 1000]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)


def test_an_idle_server_stops_at_once() -> None:
    server = create_server(slow_app(threading.Event(), threading.Event()), host="127.0.0.1", port=0)
    stopper = Stopper()
    serving = threading.Thread(target=serve_until_stopped, args=(server, stopper))
    serving.start()
    stopper.stop()
    serving.join(5)
    assert not serving.is_alive()


def test_a_stop_during_a_delivery_loses_and_repeats_nothing(bot, slack) -> None:  # type: ignore[no-untyped-def]
    """What SIGTERM does to the outbox job: the drain stops waiting, the message in hand is
    finished and marked; what is left stays pending for the next process, which sends it once."""
    from collections import Counter

    from sqlalchemy import select

    from app.scheduler import _deliver_pending
    from bot.services.outbox import Outgoing, drain, enqueue
    from storage.models import OutboxMessage

    slack.fake.clock = lambda: bot.clock.now.timestamp()
    slack.fake.enforce_post_rate(per_second=1.0, burst=5)
    with bot.db.write() as session:
        for n in range(20):
            enqueue(session, Outgoing(key=f"stop:test:{n}", channel="C0EAST", text=f"Escalation {n}"), now=bot.clock.now)
    stopper = Stopper()
    waits: list[float] = []
    advance = bot.runtime.sleep

    def sleep(seconds: float) -> None:  # the fifth wait for the paced channel: SIGTERM arrives
        waits.append(seconds)
        if len(waits) == 5:
            stopper.stop()
        advance(seconds)

    bot.runtime.sleep = sleep
    try:
        _deliver_pending(bot.runtime, stopper.event)
        with bot.db.read() as session:
            states = Counter(session.scalars(select(OutboxMessage.state)))
        posted = Counter(c.args["text"] for c in slack.fake.calls_to("chat.postMessage") if c.ok)
        assert 0 < states["sent"] < 20 and states["sent"] + states["pending"] == 20
        assert sum(posted.values()) == states["sent"] and set(posted.values()) == {1}
        bot.runtime.sleep = advance
        drain(bot.runtime)  # the next process
        posted = Counter(c.args["text"] for c in slack.fake.calls_to("chat.postMessage") if c.ok)
        assert posted == Counter({f"Escalation {n}": 1 for n in range(20)})
    finally:
        bot.runtime.sleep = advance
        slack.fake.clock = __import__("time").monotonic
        slack.fake.enforce_post_rate(None)
