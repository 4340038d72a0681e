"""Run the fake Slack as a process of its own (benchmarks, manual runs)::

    python -m tests.fakeslack --port 0 --token xoxb-bench --users U0REP1=Asia/Shanghai,U0ADMIN=Europe/London

Prints the Web API URL (``http://127.0.0.1:PORT/api/``) as the first line on stdout, then serves
until SIGTERM or Ctrl-C. Besides the Web API and response URLs it answers a few control requests
for the process that drives it, under ``/_fake/`` (JSON in, JSON out):

``POST /_fake/trigger_ids``  ``{"count": n, "view_id": "V…"?}`` → ``{"trigger_ids": [...]}``
``POST /_fake/response_urls``  ``{"count": n}`` → ``{"response_urls": [...]}``
``GET /_fake/calls?method=M&since=I``  recorded calls (index ``since`` on) → ``{"total": t, "calls": [...]}``
``GET /_fake/stats``  → ``{"total": t, "methods": {method: {"ok": n, "failed": n}}}``
``GET /_fake/views/V…``  a modal as stored
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from .server import FakeSlack, _Handler, _Reply, _Server

CONTROL = "/_fake/"


class _ControlServer(_Server):
    request_queue_size = 128  # the default of 5 drops connections when the bot posts in bursts


class _ControlHandler(_Handler):
    def _handle(self) -> None:
        parts = urlsplit(self.path)
        if not parts.path.startswith(CONTROL):
            super()._handle()
            return
        fake = cast(_Server, self.server).fake
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}") if length else {}
            reply = _Reply(200, {"ok": True, **_control(fake, parts.path[len(CONTROL):], parse_qs(parts.query), body)})
        except (KeyError, ValueError) as exc:
            reply = _Reply(400, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
        self._send(reply)


def _control(fake: FakeSlack, what: str, query: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
    if what == "trigger_ids":
        return {"trigger_ids": [fake.issue_trigger_id(view_id=body.get("view_id"))
                                for _ in range(int(body.get("count", 1)))]}
    if what == "response_urls":
        return {"response_urls": [fake.new_response_url() for _ in range(int(body.get("count", 1)))]}
    calls = fake.calls
    if what == "calls":
        method, since = query.get("method", [None])[0], int(query.get("since", ["0"])[0])
        return {"total": len(calls), "calls": [asdict(c) for c in calls[since:] if method in (None, c.method)]}
    if what == "stats":
        methods: dict[str, dict[str, int]] = {}
        for call in calls:
            counts = methods.setdefault(call.method, {"ok": 0, "failed": 0})
            counts["ok" if call.ok else "failed"] += 1
        return {"total": len(calls), "methods": methods}
    if what.startswith("views/"):
        return {"view": fake.views[what[len("views/"):]]}
    raise KeyError(f"no control request {what!r}")


def parse_users(text: str) -> dict[str, str]:
    users = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        user, _, tz = item.partition("=")
        users[user] = tz or "UTC"
    return users


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fakeslack", description="The fake Slack Web API.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (printed)")
    parser.add_argument("--token", default="xoxb-test", help="the bot token it accepts")
    parser.add_argument("--users", default="", help="users.info users: U1=Asia/Shanghai,U2=Europe/London")
    args = parser.parse_args(argv)

    fake = FakeSlack(token=args.token)
    for user, tz in parse_users(args.users).items():
        fake.add_user(user, tz=tz)
    server = _ControlServer(("127.0.0.1", args.port), _ControlHandler)
    server.fake = fake
    fake._server = server  # what FakeSlack.start() does, on our port and with the control requests
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    print(fake.url, flush=True)
    try:
        while not stop.wait(0.2):
            pass
    except KeyboardInterrupt:
        pass
    server.shutdown()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
