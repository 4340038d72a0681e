"""Several processes on one database, as operators run it: replicas started together, two
`jobs run` at once, a delivery killed (SIGKILL) part-way through a fan-out and run again, a
catch-up `jobs run --now` in the past while replicas drain, requests spread across replicas.
Every message and record is counted: none lost, none twice (at most the one in flight at a kill).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from app.factory import build_runtime
from bot.services import leads
from bot.services.directory import resolve_actor
from bot.services.followups import FollowUpInput, log_followup
from bot.services.leads import LeadInput
from storage.db import Database
from storage.models import ChurnAlert, Customer, OutboxMessage
from tests.conftest import make_settings, own_database
from tests.fakeslack import FakeSlack
from tests.slackdriver import SIGNING_SECRET, sign

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "xoxb-test-token"
REPS = [f"U0R{n:03d}" for n in range(1, 49)]
SUPERVISOR, CHANNEL, ADMIN = "U0SUPX", "C0TEAMX", "U0ADMINX"
# Leads of Friday 20 Nov 2026 10:00 in Shanghai; the morning is Monday 23 Nov 09:00.
CREATED = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
MONDAY_0900 = "2026-11-23T09:00:00+08:00"



def teams_file(folder: Path) -> Path:
    path = folder / "teams.yml"
    path.write_text(
        f"language: en\nadmins: [{ADMIN}]\nteams:\n  - name: Team X\n    supervisor_channel: {CHANNEL}\n"
        "    timezone: Asia/Shanghai\n    holidays: CN\n    customer_number: \"CL{year}{seq:03d}\"\n"
        f"    supervisors: [{SUPERVISOR}]\n    reps: [{', '.join(REPS)}]\n"
        "    policy: {churn: {threshold: 20}}\n", encoding="utf-8")
    return path


@pytest.fixture
def shared_database(tmp_path: Path) -> Iterator[str]:
    """A database of its own that several processes open: a file, or a fresh PostgreSQL schema."""
    with own_database(tmp_path, prefix="test_mp") as url:
        yield url


class HoldingSlack(FakeSlack):
    """The fake that, once armed, accepts a post and then never answers it (until released):
    the sender has Slack's acceptance on the wire and is killed before it hears it."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hold_after: int | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self._posts = 0
        self._count_lock = threading.Lock()

    def _handle_api(self, method: str, query: str, body: bytes, headers: dict[str, str]) -> Any:
        reply = super()._handle_api(method, query, body, headers)
        if method == "chat.postMessage" and reply.status == 200 and self.hold_after is not None:
            with self._count_lock:
                self._posts += 1
                hold = self._posts > self.hold_after
            if hold:
                self.held.set()
                self.release.wait(30)
        return reply


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[HoldingSlack]:
    with HoldingSlack(token=TOKEN) as server:
        for user in [*REPS, SUPERVISOR, ADMIN]:
            server.add_user(user, tz="Asia/Shanghai")
        yield server
        server.release.set()


def env(database_url: str, fake: FakeSlack, teams: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_")) and k != "DATABASE_URL"}
    return {**base, "PYTHONPATH": str(ROOT), "SLACK_BOT_TOKEN": TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.url, "DATABASE_URL": database_url, "FOLLOWUP_CONFIG": str(teams)}


def jobs_run(environment: dict[str, str], now: str = MONDAY_0900) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "app.cli", "jobs", "run", "--now", now], env=environment,
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def finished(process: subprocess.Popen[str], timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


class Replica:
    def __init__(self, environment: dict[str, str], *, scheduler: bool = False) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        args = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        self.process = subprocess.Popen([*args, *([] if scheduler else ["--no-scheduler"])], env=environment,
                                        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.url = f"http://127.0.0.1:{self.port}/slack/events"

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"replica exited with {self.process.returncode}:\n{self.process.stdout.read()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("replica not healthy")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.stdout.read() if self.process.stdout else ""


def seed_leads(database_url: str, fake: FakeSlack, teams: Path) -> None:
    """Per rep, registered on Friday (that day's messages count as delivered): an uncontacted lead (a
    due list and a first-contact reminder on Monday) and a customer whose last call mentioned a
    cheaper competitor and was rated 1 (a churn warning)."""
    runtime = build_runtime(make_settings(database_url, fake.url, followup_config=teams))
    runtime.clock = lambda: CREATED
    for n, rep in enumerate(REPS):
        actor = resolve_actor(runtime.config, rep)
        assert actor is not None
        saved = []
        for kind in ("lead", "at-risk"):
            lead = LeadInput(company=f"Company {n} {kind}", industry="Manufacturing", contact_name="Wang",
                             phone="+86 138 0013 8000", need="ERP", source="website",
                             acquired=CREATED - timedelta(hours=1), intent="medium")
            saved.append(leads.submit_lead(runtime, actor=actor, lead=lead, request_key=f"seed:{rep}:{kind}"))
        call = FollowUpInput(customer_id=saved[1].customer_id, method="phone", occurred_at=CREATED, stage=None,
                             notes="they say a competitor is cheaper", satisfaction=1)
        log_followup(runtime, actor=actor, data=call, request_key=f"seed:{rep}:call", tz="Asia/Shanghai")
    with runtime.db.write() as session:  # Friday's reviews count as delivered: the morning is what we count
        session.execute(OutboxMessage.__table__.update().values(state="sent"))
    runtime.db.dispose()


@pytest.fixture
def friday(shared_database: str, fake: HoldingSlack, tmp_path: Path) -> dict[str, str]:
    """Friday's leads in the shared database; the environment of a process of the bot over it."""
    teams = teams_file(tmp_path)
    seed_leads(shared_database, fake, teams)
    fake.reset()
    return env(shared_database, fake, teams)


def digests(fake: FakeSlack) -> Counter[str]:
    return Counter(c.args["channel"] for c in fake.calls_to("chat.postMessage")
                   if c.ok and c.args["text"].startswith("Your follow-ups"))


def reminders(fake: FakeSlack) -> Counter[str]:
    return Counter(c.args["channel"] for c in fake.calls_to("chat.postMessage")
                   if c.ok and "has not been contacted" in c.args["text"])


def churn_posts(fake: FakeSlack) -> Counter[str]:
    return Counter(c.args["text"] for c in fake.calls_to("chat.postMessage")
                   if c.ok and c.args["channel"] == CHANNEL and "churn" in c.args["text"].lower())


def count(database_url: str, query: Any) -> int:
    db = Database(database_url)
    try:
        with db.read() as session:
            return int(session.scalar(query) or 0)
    finally:
        db.dispose()


def test_replicas_started_together_on_a_fresh_database_all_come_up(shared_database: str, fake: HoldingSlack,
                                                                    tmp_path: Path) -> None:
    environment = env(shared_database, fake, teams_file(tmp_path))
    replicas = [Replica(environment) for _ in range(3)]
    try:
        for replica in replicas:
            replica.wait_healthy()
    finally:
        outputs = [replica.stop() for replica in replicas]
    assert not [o for o in outputs if "Traceback" in o or "UniqueViolation" in o], outputs
    db = Database(shared_database)
    assert db.current_revision() == db.head_revision()
    db.dispose()


def test_two_jobs_runs_at_once_decide_and_deliver_everything_once(shared_database: str, fake: HoldingSlack,
        friday: dict[str, str]) -> None:
    environment = friday
    outputs = [finished(p) for p in [jobs_run(environment), jobs_run(environment)]]
    assert digests(fake) == Counter({rep: 1 for rep in REPS}), outputs
    assert reminders(fake) == Counter({rep: 1 for rep in REPS})
    at_risk = count(shared_database, select(func.count()).select_from(Customer).where(Customer.warning.is_(True)))
    assert at_risk == len(REPS), "every uncontacted lead crosses the test policy's threshold"
    assert count(shared_database, select(func.count()).select_from(ChurnAlert)) == len(REPS)
    assert set(churn_posts(fake).values()) == {1} and sum(churn_posts(fake).values()) == len(REPS)


def test_a_fan_out_killed_part_way_repeats_at_most_the_message_in_flight(shared_database: str, fake: HoldingSlack,
        friday: dict[str, str]) -> None:
    environment = friday
    fake.hold_after = 16
    first = jobs_run(environment)
    assert fake.held.wait(60), "the fan-out never reached its 17th post"
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    accepted = sum(1 for c in fake.calls_to("chat.postMessage") if c.ok)
    assert accepted == 17, "16 answered, the 17th accepted by Slack and never answered"
    fake.hold_after = None
    fake.release.set()
    # Right after the kill: the dead process's claims are taken over at once, not after the
    # 60-second lease (the supervisor channel's alerts take their 48 s at one a second after that).
    again = jobs_run(environment)
    deadline = time.monotonic() + 30
    while set(digests(fake)) != set(REPS) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert set(digests(fake)) == set(REPS), "the claimed digests waited for the lease"
    finished(again)
    posts = Counter((c.args["channel"], c.args["text"]) for c in fake.calls_to("chat.postMessage") if c.ok)
    assert sum(n - 1 for n in posts.values()) <= 1, "at most the one message in flight is repeated"
    assert set(digests(fake)) == set(REPS) and set(reminders(fake)) == set(REPS), "nothing lost"
    assert count(shared_database, select(func.count()).select_from(OutboxMessage)
                 .where(OutboxMessage.state == "pending")) == 0


def test_a_catch_up_in_the_past_while_replicas_drain_sends_nothing_twice(shared_database: str, fake: HoldingSlack,
        friday: dict[str, str]) -> None:
    environment = friday
    replicas = [Replica(environment), Replica(environment)]
    try:
        for replica in replicas:
            replica.wait_healthy()
        # Yesterday 17:00 was long ago for the real clock: claims must not be measured on it.
        finished(jobs_run(environment, now="2026-11-23T09:00:00+08:00"))
        finished(jobs_run(environment, now="2026-11-22T17:00:00+08:00"))
        deadline = time.monotonic() + 30
        while count(shared_database, select(func.count()).select_from(OutboxMessage)
                    .where(OutboxMessage.state == "pending")) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        for replica in replicas:
            replica.stop()
    assert digests(fake) == Counter({rep: 1 for rep in REPS})
    assert reminders(fake) == Counter({rep: 1 for rep in REPS})
    posts = Counter((c.args["channel"], c.args["text"]) for c in fake.calls_to("chat.postMessage") if c.ok)
    assert max(posts.values()) == 1


def test_the_same_submission_to_two_replicas_at_once_gives_one_record(shared_database: str, fake: HoldingSlack,
                                                                     tmp_path: Path) -> None:
    environment = env(shared_database, fake, teams_file(tmp_path))
    replicas = [Replica(environment), Replica(environment)]
    try:
        for replica in replicas:
            replica.wait_healthy()
        form = {"command": "/followup", "text": "help", "user_id": REPS[0], "user_name": "rep", "team_id": "T0TEST",
                "channel_id": "C0GENERAL", "response_url": fake.new_response_url(),
                "trigger_id": fake.issue_trigger_id(), "api_app_id": "A0FOLLOWUP"}
        leads_form = {"command": "/lead", "text": "Acme Ltd", "user_id": REPS[0], "user_name": "rep",
                      "team_id": "T0TEST", "channel_id": "C0GENERAL", "response_url": fake.new_response_url(),
                      "trigger_id": fake.issue_trigger_id(), "api_app_id": "A0FOLLOWUP"}
        answers: list[tuple[int, str]] = []
        for body_form in (form, leads_form):
            body = urllib.parse.urlencode(body_form)
            barrier = threading.Barrier(2)

            def post(url: str, body: str = body, barrier: threading.Barrier = barrier) -> None:
                request = urllib.request.Request(url, data=body.encode(), method="POST", headers={
                    "Content-Type": "application/x-www-form-urlencoded", **sign(body)})
                barrier.wait()
                with urllib.request.urlopen(request, timeout=10) as reply:
                    answers.append((reply.status, reply.read().decode()))

            threads = [threading.Thread(target=post, args=(r.url,)) for r in replicas]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(15)
        time.sleep(1.0)
    finally:
        for replica in replicas:
            replica.stop()
    assert [status for status, _ in answers] == [200, 200, 200, 200]
    assert answers[0][1] == answers[1][1], "the copy got the first one's answer"
    assert len([c for c in fake.calls_to("views.open") if c.ok]) == 1, "one New lead modal, not two"
    assert not [c for c in fake.calls_to("views.open") if not c.ok], "the copy never tried the used trigger id"
    assert json.loads(answers[0][1] or "{}") is not None
