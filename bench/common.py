"""What every benchmark needs: a database of its own, the fake Slack, the bot and a bare Bolt app each
in a process of its own (as deployed), signed Slack requests, the two load models and the statistics.

The benchmark process only generates load: the bot runs through its real command line
(``python -m app.cli serve``), the fake Slack as ``python -m tests.fakeslack`` and the floor it is
compared with as ``python -m bench.bare_app``, so they do not share an interpreter (nor its GIL)
with each other or with the load driver.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import random
import re
import select as io_select
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from storage.db import Database
from storage.models import OutboxMessage
from tests.slackdriver import SIGNING_SECRET, TEAM, sign

ROOT = Path(__file__).resolve().parent.parent
BOT_TOKEN = "xoxb-bench-token"
TEAMS_FILE = "tests/data/teams.yml"  # relative to ROOT, the children's working directory
# The people in the test teams file, with the time zones the fake Slack reports for them.
USERS = {
    "U0REP1": "Asia/Shanghai", "U0REP2": "Asia/Shanghai", "U0SUPEAST": "Asia/Shanghai",
    "U0REPW": "America/Los_Angeles", "U0SUPWEST": "America/Los_Angeles", "U0ADMIN": "Europe/London",
}
TEAM_MEMBERS = ("U0REP1", "U0REP2", "U0REPW", "U0SUPEAST", "U0SUPWEST")  # may register leads
REPS = ("U0REP1", "U0REP2", "U0REPW")
EVENTS_PATH = "/slack/events"

Req = TypeVar("Req")


class BotStuck(Exception):
    """The bot did not finish its work in time: a benchmark reports it instead of waiting forever."""


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


def dialect(database_url: str) -> str:
    return make_url(database_url).get_backend_name()


# Child processes ---------------------------------------------------------------------------------


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


class Children:
    """The processes a benchmark starts, each logging to a file; all stopped on leaving, also on failure."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="bench-logs-")
        self.children: list[Child] = []

    def __enter__(self) -> Children:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop_all()
        finally:
            self._tmp.cleanup()

    def start(self, name: str, args: Sequence[str], env: dict[str, str] | None = None, *,
              stdout_pipe: bool = False, cwd: Path = ROOT) -> Child:
        log = Path(self._tmp.name) / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, *args], cwd=cwd, env={**child_env(), **(env or {})}, stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if stdout_pipe else out, stderr=out,
            )
        child = Child(name, process, log)
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.process.poll() is None:
                child.process.terminate()
        for child in reversed(self.children):
            try:
                child.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                child.process.kill()
                child.process.wait(timeout=5)
            if child.process.stdout:
                child.process.stdout.close()

    def failed(self, child: Child, why: str) -> SystemExit:
        tail = "\n".join(child.log.read_text(errors="replace").splitlines()[-25:])
        return SystemExit(f"{child.name}: {why}\n--- last lines of its log ---\n{tail}")

    def check_alive(self) -> None:
        for child in self.children:
            if child.process.poll() is not None:
                raise self.failed(child, f"exited with {child.process.returncode} while the benchmark ran")

    def log_tally(self) -> tuple[list[str], str | None]:
        """Warnings and errors the children logged, counted by message; and the first error with its traceback."""
        counts: Counter[str] = Counter()
        first_error = None
        for child in self.children:
            lines = child.log.read_text(errors="replace").splitlines()
            for i, line in enumerate(lines):
                match = re.search(r"\b(WARNING|ERROR|CRITICAL)\b (\S+): (.*)", line)
                if match:
                    counts[f"{child.name} {match[1]} {match[2]}: {match[3][:140]}"] += 1
                    if match[1] != "WARNING" and first_error is None:
                        first_error = "\n".join(lines[i:i + 30])
                elif line.startswith("Traceback") and first_error is None:
                    first_error = "\n".join(lines[i:i + 30])
        return [f"{n:5d}× {message}" for message, n in counts.most_common()], first_error


def child_env() -> dict[str, str]:
    """Our environment without Slack, teams-file or database settings a child could pick up by mistake."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLACK_", "FOLLOWUP_")) and k not in ("DATABASE_URL", "PYTHONPATH")}
    return {**env, "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(children: Children, child: Child, base_url: str, timeout: float = 60.0) -> None:
    """Until GET /healthz answers 200 (the bot has migrated, synced the teams file and listens)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.process.poll() is not None:
            raise children.failed(child, f"exited with {child.process.returncode} while starting")
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as reply:
            if reply.status == 200:
                return
        time.sleep(0.05)
    raise children.failed(child, f"/healthz not 200 after {timeout:.0f} s")


class FakeSlackProcess:
    """``python -m tests.fakeslack``, driven through its control requests (see its ``__main__``)."""

    def __init__(self, children: Children) -> None:
        users = ",".join(f"{user}={tz}" for user, tz in USERS.items())
        self.child = children.start("fakeslack", ["-m", "tests.fakeslack", "--port", "0", "--token", BOT_TOKEN,
                                                  "--users", users], stdout_pipe=True)
        stdout = self.child.process.stdout
        assert stdout is not None
        ready, _, _ = io_select.select([stdout], [], [], 30)
        line = stdout.readline().decode().strip() if ready else ""
        if not line.startswith("http://"):
            raise children.failed(self.child, "did not print its URL")
        self.url = line  # the Web API base URL, …/api/
        self.base = line.removesuffix("/api/")

    def _control(self, what: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}/_fake/{what}", data=data, method="POST" if data else "GET")
        with urllib.request.urlopen(request, timeout=30) as reply:
            return json.loads(reply.read())

    def trigger_ids(self, count: int, *, view_id: str | None = None) -> list[str]:
        return list(self._control("trigger_ids", {"count": count, "view_id": view_id})["trigger_ids"])

    def response_urls(self, count: int) -> list[str]:
        return list(self._control("response_urls", {"count": count})["response_urls"])

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        query = f"?method={urllib.parse.quote(method)}" if method else ""
        return list(self._control(f"calls{query}")["calls"])

    def stats(self) -> dict[str, Any]:
        return dict(self._control("stats"))

    def view(self, view_id: str) -> dict[str, Any]:
        return dict(self._control(f"views/{view_id}")["view"])

    def ok_count(self, method: str) -> int:
        return int(self.stats()["methods"].get(method, {}).get("ok", 0))


@dataclass
class Served:
    url: str  # the Slack request URL, …/slack/events
    child: Child


def start_bot(children: Children, fake: FakeSlackProcess, database_url: str, *, name: str = "bot",
              checkout: Path = ROOT, workers: int = 1) -> Served:
    """The real bot, started as in production: ``followup-bot serve`` configured by the environment.

    ``checkout``: another checkout's bot (e.g. a worktree of an older commit, to compare with in the same run).
    ``workers``: ``serve --workers`` (PostgreSQL)."""
    port = free_port()
    more = ["--workers", str(workers)] if workers != 1 else []
    child = children.start(name, ["-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port), *more],
                           cwd=checkout, env={
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url, "FOLLOWUP_CONFIG": TEAMS_FILE,
    })
    wait_healthy(children, child, f"http://127.0.0.1:{port}")
    return Served(f"http://127.0.0.1:{port}{EVENTS_PATH}", child)


def start_bare(children: Children, fake: FakeSlackProcess, database_url: str) -> Served:
    """The floor (bench/bare_app.py): same server and listener pool, listeners that only ack."""
    port = free_port()
    child = children.start("bare", ["-m", "bench.bare_app", "--host", "127.0.0.1", "--port", str(port)], env={
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET, "SLACK_API_URL": fake.url,
        "DATABASE_URL": database_url,
    })
    wait_healthy(children, child, f"http://127.0.0.1:{port}")
    return Served(f"http://127.0.0.1:{port}{EVENTS_PATH}", child)


def outbox_drained(db: Database) -> Callable[[], bool]:
    """Whether every message the bot decided has been delivered (none pending in the outbox)."""

    def drained() -> bool:
        with db.read() as session:
            return not session.scalar(select(func.count()).where(OutboxMessage.state == "pending"))

    return drained


def settle(fake: FakeSlackProcess, children: Children, done: Callable[[], bool] = lambda: True, *,
           quiet: float = 0.3, timeout: float = 60.0) -> None:
    """Wait until the bot has finished what it does after acknowledging: ``done()`` holds and the fake
    Slack has seen no new call for ``quiet`` seconds. Keeps one measured phase from slowing down the next.

    Also after starting the bot: its scheduled duties run at once, and what they decide is delivered.
    """
    deadline = time.monotonic() + timeout
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        children.check_alive()
        total = fake.stats()["total"]
        if total != last:
            last, quiet_since = total, time.monotonic()
        elif time.monotonic() - quiet_since >= quiet and done():
            return
        time.sleep(0.05)
    raise BotStuck(f"the bot is still working {timeout:.0f} s after the last reply")


# Requests as Slack sends them --------------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    """A request ready to send: built (and signed) before the clock starts."""

    url: str
    body: bytes
    headers: dict[str, str]
    tag: str = ""  # what the benchmark needs to check the outcome (a company, a trigger id, …)


@dataclass(frozen=True)
class HttpReply:
    status: int
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def slack_form(url: str, form: dict[str, str], tag: str = "") -> HttpRequest:
    """A form POST signed with the test signing secret, with Slack's own headers."""
    body = urllib.parse.urlencode(form)
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)", **sign(body)}
    return HttpRequest(url=url, body=body.encode(), headers=headers, tag=tag)


def interaction(url: str, payload: dict[str, Any], tag: str = "") -> HttpRequest:
    return slack_form(url, {"payload": json.dumps(payload)}, tag)


def view_submission(url: str, view: dict[str, Any], state: dict[str, Any], *, user: str, trigger_id: str,
                    tag: str = "") -> HttpRequest:
    """A ``view_submission`` interaction for ``view`` with ``state`` as ``view.state.values``."""
    return interaction(url, {
        "type": "view_submission", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token", "trigger_id": trigger_id,
        "view": {**view, "state": {"values": state}}, "response_urls": [], "is_enterprise_install": False,
    }, tag)


def slash_command(url: str, command: str, text_: str, *, user: str, trigger_id: str, response_url: str,
                  channel: str = "C0GENERAL") -> HttpRequest:
    """A slash command as Slack posts it (tests.slackdriver.SlackDriver.command_form); tagged with its trigger id."""
    return slack_form(url, {
        "token": "legacy-verification-token", "team_id": TEAM["id"], "team_domain": TEAM["domain"],
        "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
        "command": command, "text": text_, "api_app_id": "A0FOLLOWUP", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": trigger_id,
    }, tag=trigger_id)


def block_suggestion(url: str, view: dict[str, Any], *, action_id: str, block_id: str, query: str,
                     user: str) -> HttpRequest:
    """Typing into an external select (tests.slackdriver.SlackDriver.suggest)."""
    return interaction(url, {
        "type": "block_suggestion", "user": {"id": user, "team_id": TEAM["id"]}, "team": TEAM,
        "container": {"type": "view", "view_id": view["id"]}, "api_app_id": "A0FOLLOWUP",
        "token": "legacy-verification-token", "action_id": action_id, "block_id": block_id, "value": query,
        "view": view,
    }, tag=query)


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


def open_modal(url: str, fake: FakeSlackProcess, command: str, text_: str = "", *, user: str) -> dict[str, Any]:
    """Type a command that opens a modal; returns the modal as the fake Slack stored it."""
    before = fake.ok_count("views.open")
    [trigger] = fake.trigger_ids(1)
    [response_url] = fake.response_urls(1)
    reply = send(slash_command(url, command, text_, user=user, trigger_id=trigger, response_url=response_url))
    if reply.status != 200:
        raise SystemExit(f"{command} {text_} as {user}: HTTP {reply.status} {reply.body[:200]!r}")
    deadline = time.monotonic() + 10
    while fake.ok_count("views.open") <= before:
        if time.monotonic() > deadline:
            raise SystemExit(f"{command} {text_} as {user} opened no modal: {reply.body[:200]!r}")
        time.sleep(0.02)
    opened = [c for c in fake.calls("views.open") if c["status"] == 200 and c["response"].get("ok")]
    return fake.view(opened[before]["response"]["view"]["id"])


# Load models -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LoadModel:
    name: str
    think: tuple[float, float] | None  # seconds a user waits (uniform) after a reply; None: no waiting
    about: str

    def describe(self, users: int) -> str:
        return f"{self.name}: {users} concurrent users, {self.about}"


PACED = LoadModel("paced", (0.5, 1.5), "each waits a think time of 0.5-1.5 s (uniform) after each reply")
SATURATION = LoadModel("saturation", None, "each sends its next request as soon as it has the reply")


@dataclass(frozen=True)
class Sample(Generic[Req]):
    user: int
    request: Req
    seconds: float
    reply: HttpReply | None
    error: str | None = None


def drive(per_user: Sequence[Sequence[Req]], send_one: Callable[[Req], HttpReply], *,
          think: tuple[float, float] | None = None, seed: int = 0) -> tuple[list[Sample[Req]], float]:
    """Each user (a thread) sends its requests one after the other, all users at once; returns the
    samples and the wall time from the first request sent to the last reply received.

    Only ``send_one`` is timed. Without think time the users start together behind a barrier so the
    first requests really are concurrent; with think time each user starts after a random part of
    the mean think time, then waits a random think time after every reply (seeded per user), so the
    requests arrive spread out as from people at work. A request that raises is recorded with its
    error, not retried.
    """
    barrier = threading.Barrier(len(per_user))
    samples: list[list[Sample[Req]]] = [[] for _ in per_user]
    span: list[tuple[float, float]] = []

    def user(index: int) -> None:
        rng = random.Random(seed * 10_007 + index)
        barrier.wait()
        if think:
            time.sleep(rng.uniform(0, sum(think) / 2))
        first = time.perf_counter()
        for n, request in enumerate(per_user[index]):
            if think and n:
                time.sleep(rng.uniform(*think))
            start = time.perf_counter()
            try:
                reply: HttpReply | None = send_one(request)
                error = None
            except (OSError, http.client.HTTPException) as exc:
                reply, error = None, f"{type(exc).__name__}: {exc}"
            samples[index].append(Sample(index, request, time.perf_counter() - start, reply, error))
        span.append((first, time.perf_counter()))

    threads = [threading.Thread(target=user, args=(i,), name=f"user-{i}") for i in range(len(per_user))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = max(end for _, end in span) - min(start for start, _ in span) if span else 0.0
    return [sample for user_samples in samples for sample in user_samples], seconds


def deal(count: int, users: int, make: Callable[[int, int], Req]) -> list[list[Req]]:
    """``count`` requests dealt to ``users`` users in turn; ``make(i, user)`` builds the i-th."""
    dealt: list[list[Req]] = [[] for _ in range(users)]
    for i in range(count):
        dealt[i % users].append(make(i, i % users))
    return dealt


def comparison_args(prog: str, doc: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The options of a bot-against-bare benchmark (bench.lead_ack, bench.quick_entry)."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent users (threads)")
    parser.add_argument("--requests", type=int, default=400, help="measured requests per target and load model")
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds the requests are split into")
    parser.add_argument("--seed", type=int, default=1, help="seed of the think times (and of generated data)")
    parser.add_argument("--database-url", help="PostgreSQL URL to use a private schema in (default: a new SQLite file)")
    args = parser.parse_args(argv)
    if args.users < 1 or args.rounds < 1 or args.requests < args.rounds:
        parser.error("need --users >= 1 and --requests >= --rounds >= 1")
    return args


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


@dataclass
class Phases:
    """Samples of one load model by target, and the wall time spent sending them."""

    samples: dict[str, list[Sample[HttpRequest]]] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, samples: list[Sample[HttpRequest]], seconds: float) -> None:
        self.samples.setdefault(name, []).extend(samples)
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds


@dataclass
class Comparison:
    warm_up: Phases
    models: dict[str, Phases]
    stuck: str | None = None

    def all_samples(self, name: str) -> list[Sample[HttpRequest]]:
        return self.warm_up.samples.get(name, []) + [s for p in self.models.values() for s in p.samples.get(name, [])]


def compare(targets: Sequence[str], build: Callable[[str, int, int], list[list[HttpRequest]]],
            after: Callable[[str], None], *, users: int, requests: int, rounds: int, seed: int) -> Comparison:
    """Both load models against every target, in alternating rounds so that machine noise hits all alike.

    ``build(target, count, users)`` makes the requests of one phase (dealt to users); ``after(target)``
    runs after each phase (waits until the bot is idle). One warm-up request per user and target first.
    """
    result = Comparison(warm_up=Phases(), models={m.name: Phases() for m in (PACED, SATURATION)})
    try:
        for name in targets:
            result.warm_up.add(name, *drive(build(name, users, users), send))
            after(name)
        for model_no, model in enumerate((PACED, SATURATION)):
            for round_no, count in enumerate(split(requests, rounds)):
                order = list(targets) if round_no % 2 == 0 else list(reversed(targets))
                for name in order:
                    phase_seed = seed * 1000 + model_no * 100 + round_no
                    result.models[model.name].add(name, *drive(build(name, count, users), send, think=model.think,
                                                               seed=phase_seed))
                    after(name)
    except BotStuck as exc:
        result.stuck = str(exc)
    return result


# Statistics and reporting ------------------------------------------------------------------------


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
        return (f"  {name:<6} count={self.count:<5} p50={self.p50:7.1f}  p90={self.p90:7.1f}  "
                f"p99={self.p99:7.1f}  max={self.max:7.1f}  (ms)")


@dataclass(frozen=True)
class Targets:
    p99_ms: float = 300.0
    ratio: float = 2.0


def report_comparison(result: Comparison, *, users: int, requests: int, rounds: int, seed: int,
                      targets: Targets = Targets()) -> str | None:
    """Print both load models, bot against bare; returns why the paced verdict failed, if it did."""
    failure = None
    for model in (PACED, SATURATION):
        phases = result.models[model.name]
        if not (phases.samples.get("bot") and phases.samples.get("bare")):
            print(f"{model.name}: no samples")
            failure = failure or f"{model.name}: no samples"
            continue
        verdict = model is PACED
        print(f"{model.describe(users)}; {len(phases.samples['bot'])} requests per target in {rounds} alternating "
              f"rounds (seed {seed}){' -- the verdict' if verdict else ' -- informational'}")
        bot = Summary.of([s.seconds for s in phases.samples["bot"]])
        bare = Summary.of([s.seconds for s in phases.samples["bare"]])
        print(bot.line("bot"))
        print(bare.line("bare"))
        print(f"  ratio  bot/bare p50 x{bot.p50 / bare.p50:.2f}  p90 x{bot.p90 / bare.p90:.2f}  "
              f"p99 x{bot.p99 / bare.p99:.2f}")
        rates = ", ".join(f"{name} {len(phases.samples[name]) / phases.seconds[name]:.1f}/s" for name in ("bot", "bare"))
        print(f"  {'offered load' if verdict else 'throughput'}: {rates}")
        if verdict:
            fast, close = bot.p99 < targets.p99_ms, bot.p99 / bare.p99 <= targets.ratio
            print(f"  verdict {'PASS' if fast and close else 'FAIL'}: "
                  f"p99 {bot.p99:.1f} ms {'<' if fast else '>='} {targets.p99_ms:.0f} ms, "
                  f"p99 x{bot.p99 / bare.p99:.2f} of bare {'<=' if close else '>'} x{targets.ratio:.0f}")
            if not (fast and close):
                failure = (f"paced verdict failed: bot p99 {bot.p99:.1f} ms (target < {targets.p99_ms:.0f} ms), "
                           f"x{bot.p99 / bare.p99:.2f} of bare p99 {bare.p99:.1f} ms (target <= x{targets.ratio:.0f})")
    return failure


def reply_problems(samples: Sequence[Sample[HttpRequest]], check: Callable[[HttpReply], str | None]) -> list[str]:
    """What was wrong with each reply: no reply, not 200, or what ``check`` says of a 200."""
    found = []
    for sample in samples:
        reply = sample.reply
        if reply is None:
            found.append(f"no reply: {sample.error}")
        elif reply.status != 200:
            found.append(f"HTTP {reply.status} after {sample.seconds * 1000:.0f} ms: {reply.body[:200]!r}")
        elif problem := check(reply):
            found.append(problem)
    return found


def finish(children: Children, errors: list[str], elapsed: float) -> int:
    """Print what the children logged, the errors and the elapsed time; the exit status."""
    print(f"elapsed {elapsed:.1f} s")
    logged, first_error = children.log_tally()
    if logged:
        print("logged by the processes while running:\n" + "\n".join(logged), file=sys.stderr)
    if first_error:
        print(f"first error logged:\n{first_error}", file=sys.stderr)
    for error in errors:
        print(f"ERROR: {error}", file=sys.stderr)
    return 1 if errors else 0


def closing_verdict(failures: Sequence[str], started: float) -> int:
    """The closing lines of a scale benchmark: total time, each failure, ``result: PASS`` or ``FAIL``."""
    print(f"\ntotal: {time.perf_counter() - started:.1f} s")
    for failure in failures:
        print(f"FAIL: {failure}")
    print("result: " + ("PASS" if not failures else f"FAIL ({len(failures)})"))
    return 1 if failures else 0
