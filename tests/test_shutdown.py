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
