"""What every benchmark needs: a database of its own, the fake Slack, the real bot served over HTTP,
signed Slack requests, a load driver for concurrent users and latency statistics.

Everything runs in one process, like the end-to-end tests, so a benchmark measures the bot's own
HTTP stack (waitress → Bolt → listeners → database) and nothing is mocked inside the bot.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from slack_bolt import App
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import build_app, build_runtime
from bot.http import EVENTS_PATH, make_server
from bot.runtime import Runtime
from bot.settings import Settings
from storage.db import Database
from tests.fakeslack import FakeSlack
from tests.slackdriver import SIGNING_SECRET, TEAM, sign

BOT_TOKEN = "xoxb-bench-token"
TEAMS_FILE = Path(__file__).resolve().parent.parent / "tests" / "data" / "teams.yml"
# The people in the test teams file, with the time zones the fake Slack reports for them.
USERS = {
    "U0REP1": "Asia/Shanghai", "U0REP2": "Asia/Shanghai", "U0SUPEAST": "Asia/Shanghai",
    "U0REPW": "America/Los_Angeles", "U0SUPWEST": "America/Los_Angeles", "U0ADMIN": "Europe/London",
}
# Everyone who belongs to a team, so may register leads.
TEAM_MEMBERS = ("U0REP1", "U0REP2", "U0REPW", "U0SUPEAST", "U0SUPWEST")
SERVER_THREADS = 16  # waitress's thread count in bot.http.make_server, i.e. production

Req = TypeVar("Req")


# Database ----------------------------------------------------------------------------------------


@contextmanager
def private_database(base_url: str | None) -> Iterator[str]:
    """A database nobody else uses: a new SQLite file, or a new schema on PostgreSQL dropped afterwards."""
    if not base_url:
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'followup.db'}"
        return
    if not base_url.startswith("postgresql"):
        raise SystemExit(f"--database-url: only PostgreSQL URLs are supported, not {base_url!r}")
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = Database(base_url)
    with admin.engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# Fake Slack and the bot --------------------------------------------------------------------------


@contextmanager
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack(token=BOT_TOKEN) as fake:
        for user, tz in USERS.items():
            fake.add_user(user, tz=tz)
        yield fake


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting work in flight so a benchmark can wait until the bot is idle.

    Listeners keep working after ``ack()`` (delivering messages, refreshing profiles); waiting for
    that to finish keeps one measured phase from slowing down the next.
    """

    def __init__(self, max_workers: int = 32) -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix="bolt-bench")
        self._busy = 0
        self._idle = threading.Condition()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        with self._idle:
            self._busy += 1

        def tracked() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._busy -= 1
                    self._idle.notify_all()

        return super().submit(tracked)

    def wait_idle(self, timeout: float = 30.0) -> None:
        with self._idle:
            if not self._idle.wait_for(lambda: self._busy == 0, timeout):
                raise BotStuck(f"the bot is still working {timeout:.0f} s after the last reply "
                               f"({self._busy} listener calls running or queued)")


class BotStuck(Exception):
    """The bot did not finish its work in time: a benchmark reports it instead of waiting forever."""


@contextmanager
def serve(app: App, db: Database, *, threads: int = SERVER_THREADS) -> Iterator[str]:
    """Serve a Bolt app exactly as the bot is served in HTTP mode; yields the Slack request URL.

    ``db`` only answers ``/healthz``, so any Bolt app can be served this way for comparison.
    """
    server = make_server(app, db, host="127.0.0.1", port=0, threads=threads)
    thread = threading.Thread(target=server.run, name="waitress", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}{EVENTS_PATH}"
    finally:
        # Closing from this thread would pull the socket from under the server loop's select();
        # the trigger runs the close in the loop's own thread, then the loop ends.
        server.trigger.pull_trigger(server.close)
        thread.join(timeout=5)
        server.task_dispatcher.shutdown()


@dataclass
class RunningBot:
    url: str
    runtime: Runtime
    executor: TrackingExecutor

    @property
    def db(self) -> Database:
        return self.runtime.db


@contextmanager
def running_bot(database_url: str, fake: FakeSlack, *, threads: int = SERVER_THREADS) -> Iterator[RunningBot]:
    """The real bot (real clock) on ``database_url``, talking to ``fake``, served over HTTP."""
    settings = Settings(
        _env_file=None, slack_bot_token=BOT_TOKEN, slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.url, database_url=database_url, followup_config=TEAMS_FILE,
    )
    runtime = build_runtime(settings)
    executor = TrackingExecutor()
    app = build_app(runtime, signing_secret=SIGNING_SECRET, executor=executor)
    try:
        with serve(app, runtime.db, threads=threads) as url:
            yield RunningBot(url=url, runtime=runtime, executor=executor)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
        runtime.db.dispose()


# What the bot logged ---------------------------------------------------------------------------


class LogTally(logging.Handler):
    """Counts warnings and errors by message instead of printing each: under load the bot and waitress
    can log hundreds of lines, and the benchmark's figures would drown in them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[str] = Counter()
        self.first_error: str | None = None

    def emit(self, record: logging.LogRecord) -> None:
        first_line = (str(record.msg).splitlines() or [""])[0][:160]
        self.counts[f"{record.levelname} {record.name}: {first_line}"] += 1
        if record.levelno >= logging.ERROR and self.first_error is None:
            self.first_error = self.format(record)

    def lines(self) -> list[str]:
        return [f"{n:5d}× {message}" for message, n in self.counts.most_common()]


@contextmanager
def tally_logs() -> Iterator[LogTally]:
    tally = LogTally()
    root = logging.getLogger()
    root.addHandler(tally)
    try:
        yield tally
    finally:
        root.removeHandler(tally)


# Requests as Slack sends them --------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """A request ready to send: built (and signed) before the clock starts."""

    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def slack_form(url: str, form: dict[str, str]) -> HttpRequest:
    """A form POST signed with the test signing secret, with Slack's own headers."""
    body = urllib.parse.urlencode(form)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        **sign(body),
    }
    return HttpRequest(url=url, body=body.encode(), headers=headers)


def view_submission(url: str, view: dict[str, Any], state: dict[str, Any], *, user: str,
                    trigger_id: str) -> HttpRequest:
    """A ``view_submission`` interaction for ``view`` with ``state`` as ``view.state.values``."""
    payload = {
        "type": "view_submission", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token", "trigger_id": trigger_id,
        "view": {**view, "state": {"values": state}}, "response_urls": [], "is_enterprise_install": False,
    }
    return slack_form(url, {"payload": json.dumps(payload)})


def send(request: HttpRequest, timeout: float = 30.0) -> HttpReply:
    """POST on a new connection, as Slack does for each interaction."""
    parts = urllib.parse.urlsplit(request.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.request("POST", parts.path, body=request.body, headers=request.headers)
        response = conn.getresponse()
        return HttpReply(response.status, response.read())
    finally:
        conn.close()


# Load and statistics -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Sample(Generic[Req]):
    user: int
    request: Req
    seconds: float
    reply: HttpReply | None
    error: str | None = None


def drive(per_user: Sequence[Sequence[Req]], send_one: Callable[[Req], HttpReply]) -> list[Sample[Req]]:
    """Each user (one thread) sends its requests one after the other, all users at once.

    Only ``send_one`` is timed. The threads start together behind a barrier so the first
    requests really are concurrent. A request that raises is recorded with its error, not retried.
    """
    barrier = threading.Barrier(len(per_user))
    samples: list[list[Sample[Req]]] = [[] for _ in per_user]

    def user(index: int) -> None:
        barrier.wait()
        for request in per_user[index]:
            start = time.perf_counter()
            try:
                reply: HttpReply | None = send_one(request)
                error = None
            except (OSError, http.client.HTTPException) as exc:
                reply, error = None, f"{type(exc).__name__}: {exc}"
            samples[index].append(Sample(index, request, time.perf_counter() - start, reply, error))

    threads = [threading.Thread(target=user, args=(i,), name=f"user-{i}") for i in range(len(per_user))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [sample for user_samples in samples for sample in user_samples]


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0–100), interpolating between closest ranks like numpy's default."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """Latencies in milliseconds."""

    count: int
    p50: float
    p90: float
    p99: float
    max: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Summary:
        ms = [s * 1000 for s in seconds]
        return cls(len(ms), percentile(ms, 50), percentile(ms, 90), percentile(ms, 99), max(ms))

    def line(self, name: str) -> str:
        return (f"{name:<6} count={self.count:<5} p50={self.p50:7.1f}  p90={self.p90:7.1f}  "
                f"p99={self.p99:7.1f}  max={self.max:7.1f}  (ms)")
