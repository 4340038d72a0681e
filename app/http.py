"""HTTP mode: `/slack/events` for Slack, `/healthz` for the orchestrator and `/metrics` for
Prometheus, served by waitress."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.exc import SQLAlchemyError
from waitress.server import create_server

from bot.metrics import Metrics
from storage.db import Database

EVENTS_PATH = "/slack/events"


def wsgi_app(app: App, db: Database, metrics: Metrics | None = None) -> Callable[..., Iterable[bytes]]:
    slack = SlackRequestHandler(app, path=EVENTS_PATH)
    measured = metrics.wsgi(slack) if metrics is not None else slack

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            try:
                db.ping()
                status, body = "200 OK", {"ok": True, "database": "ok"}
            except SQLAlchemyError as exc:
                status, body = "503 Service Unavailable", {"ok": False, "database": type(exc).__name__}
            data = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if metrics is not None and environ.get("PATH_INFO") == "/metrics":
            data, content_type = metrics.render()
            start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
            return [data]
        if environ.get("PATH_INFO") == EVENTS_PATH:
            return measured(environ, start_response)
        return slack(environ, start_response)

    return application


def make_server(app: App, db: Database, *, host: str, port: int, threads: int = 16,
                metrics: Metrics | None = None, sock: socket.socket | None = None) -> Any:
    """A waitress server (call ``.run()``; ``.close()`` stops it); port 0 picks a free one.

    ``sock``: a listening socket already bound (shared by the worker processes of ``serve --workers``)."""
    where: dict[str, Any] = {"sockets": [sock]} if sock is not None else {"host": host, "port": port}
    return create_server(wsgi_app(app, db, metrics), threads=threads, ident="followup-bot", **where)


class ServerThread:
    """Runs a waitress server in a background thread (tests, benchmarks) and stops it cleanly."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="http-server", daemon=True)

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self.server.run()
        except OSError:
            if not self._stopping:  # closing the listening socket ends the loop with EBADF
                raise

    def stop(self) -> None:
        self._stopping = True
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self._thread.join(timeout=10)
