"""`/metrics`: requests and ack time by kind, the outbox by state, duty runs and failures."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.metrics import Metrics
from bot.services.isolation import isolated
from storage.db import Database
from storage.models import OutboxMessage


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text, content_type = metrics.render()
    assert content_type.startswith("text/plain; version=")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text.decode()) for s in family.samples}


def call(app: Any, body: bytes, content_type: str) -> bytes:
    environ = {"CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": content_type, "wsgi.input": io.BytesIO(body),
               "REQUEST_METHOD": "POST", "PATH_INFO": "/slack/events"}
    return b"".join(app(environ, lambda status, headers, *rest: None))


def test_requests_are_counted_by_kind_and_the_body_still_reaches_bolt() -> None:
    metrics = Metrics()
    seen: list[bytes] = []

    def slack(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"].read(int(environ["CONTENT_LENGTH"])))
        start_response("200 OK", [])
        return [b""]

    app = metrics.wsgi(slack)
    form = "application/x-www-form-urlencoded"
    command = urlencode({"command": "/lead", "text": "Acme"}).encode()
    call(app, command, form)
    call(app, urlencode({"payload": json.dumps({"type": "view_submission"})}).encode(), form)
    call(app, urlencode({"payload": json.dumps({"type": "block_actions"})}).encode(), form)
    call(app, json.dumps({"type": "event_callback", "event": {"type": "app_home_opened"}}).encode(), "application/json")
    call(app, b"garbage", form)
    assert seen[0] == command
    found = samples(metrics)
    for kind in ("command", "view_submission", "block_actions", "event", "other"):
        assert found[("followup_requests_total", (("kind", kind), ("status", "2xx")))] == 1
        assert found[("followup_ack_seconds_count", (("kind", kind),))] == 1


def test_a_refused_request_is_counted_with_its_status() -> None:
    metrics = Metrics()

    def refuse(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("401 Unauthorized", [])
        return [b""]

    call(metrics.wsgi(refuse), urlencode({"command": "/lead"}).encode(), "application/x-www-form-urlencoded")
    assert samples(metrics)[("followup_requests_total", (("kind", "command"), ("status", "4xx")))] == 1


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'm.db'}")
    database.migrate()
    yield database
    database.dispose()


def test_the_outbox_is_read_from_the_database_at_each_scrape(db: Database) -> None:
    metrics = Metrics(db)
    now = datetime(2026, 11, 23, tzinfo=UTC)
    with db.write() as session:
        for i, (state, attempts) in enumerate([("pending", 0), ("pending", 0), ("pending", 2), ("sent", 0),
                                               ("dropped", 5)]):
            session.add(OutboxMessage(key=f"k{i}", method="chat.postMessage", channel="C0EAST", payload={},
                                      state=state, attempts=attempts, created_at=now, not_before=now))
    found = samples(metrics)
    assert {dict(labels)["state"]: value for (name, labels), value in found.items()
            if name == "followup_outbox_messages"} == {"pending": 2, "retrying": 1, "sent": 1, "dropped": 1,
                                                       "skipped": 0}


def test_job_runs_and_the_failures_duties_log() -> None:
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    metrics = Metrics()
    metrics.watch_duty_failures()
    scheduler = BackgroundScheduler(timezone="UTC")
    metrics.watch_scheduler(scheduler)
    done = threading.Event()

    def fails() -> None:
        done.set()
        raise RuntimeError("the job itself failed")

    try:
        scheduler.add_job(lambda: None, id="duties")
        scheduler.add_job(fails, id="outbox-deliver")
        scheduler.start()
        assert done.wait(5)
        with isolated("churn", "customer 7"):
            raise RuntimeError("boom")
    finally:
        scheduler.shutdown(wait=True)
        metrics.stop_watching_duty_failures()
    found = samples(metrics)
    assert found[("followup_job_runs_total", (("job", "duties"), ("outcome", "ok")))] == 1
    assert found[("followup_job_runs_total", (("job", "outbox-deliver"), ("outcome", "error")))] == 1
    assert found[("followup_duty_failures_total", (("duty", "churn"),))] == 1
