"""`GET /metrics` in the Prometheus text format.

- ``followup_requests_total{kind}`` and ``followup_ack_seconds{kind}``: Slack requests over HTTP
  and how long each took to answer (the acknowledgement Slack waits 3 s for). ``kind`` is
  ``command``, ``view_submission``, ``view_closed``, ``block_actions``, ``block_suggestion``,
  ``event`` or ``other``; ``status`` 2xx/4xx/5xx on the counter.
- ``followup_outbox_messages{state}``: the outbox as it stands, read from the database at each
  scrape (so every replica reports the same): ``pending``, ``retrying`` (pending after a failure),
  ``sent``, ``dropped``, ``skipped``.
- ``followup_job_runs_total{job,outcome}``: background jobs run by this process's scheduler
  (``duties``, ``outbox-deliver`` ...), ``ok`` or ``error`` (the job raised).
- ``followup_duty_failures_total{duty}``: failures the scheduled duties logged and skipped (a
  whole duty, or one of its items: one rep's list, one customer's alert).

One registry per process, not prometheus_client's global one, so tests and several runtimes in
one process do not mix their figures.
"""

from __future__ import annotations

import io
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import unquote_plus

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import case, func, select

from storage.db import Database
from storage.models import OutboxMessage

KINDS = ("command", "view_submission", "view_closed", "block_actions", "block_suggestion", "event", "other")
# Around Slack's 3-second acknowledgement deadline.
ACK_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
OUTBOX_STATES = ("pending", "retrying", "sent", "dropped", "skipped")
# How much of an interaction payload is read for its type (its first key).
_PAYLOAD_HEAD = 300
_PAYLOAD_TYPE = re.compile(r'"type"\s*:\s*"([a-z_]+)"')
DUTIES_LOGGER = "bot.duties"


class Metrics:
    def __init__(self, db: Database | None = None) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter("followup_requests", "Slack requests received over HTTP", ["kind", "status"],
                                registry=self.registry)
        self.ack_seconds = Histogram("followup_ack_seconds", "Time to answer a Slack request (the ack)", ["kind"],
                                     buckets=ACK_BUCKETS, registry=self.registry)
        self.job_runs = Counter("followup_job_runs", "Background jobs run by this process", ["job", "outcome"],
                                registry=self.registry)
        self.duty_failures = Counter("followup_duty_failures", "Failures logged by scheduled duties", ["duty"],
                                     registry=self.registry)
        if db is not None:
            self.registry.register(_OutboxCollector(db))
        self._failures = _DutyFailures(self)

    def watch_duty_failures(self) -> None:
        """Count the failures duties log (``bot.duties``: "duty X: ... failed")."""
        logger = logging.getLogger(DUTIES_LOGGER)
        if self._failures not in logger.handlers:
            logger.addHandler(self._failures)

    def stop_watching_duty_failures(self) -> None:
        logging.getLogger(DUTIES_LOGGER).removeHandler(self._failures)

    def watch_scheduler(self, scheduler: Any) -> None:
        """Count the runs of an APScheduler scheduler's jobs, and those that raised."""
        from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED

        def count(event: Any) -> None:
            self.job_runs.labels(event.job_id, "error" if event.exception else "ok").inc()

        scheduler.add_listener(count, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)

    def observe(self, kind: str, status: int, seconds: float) -> None:
        self.requests.labels(kind, f"{status // 100}xx").inc()
        self.ack_seconds.labels(kind).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST

    def wsgi(self, slack: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
        """Wrap the Slack endpoint: count each request by kind and time its answer."""

        def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
            started = time.perf_counter()
            kind = _kind(environ)
            status: list[int] = [500]

            def recording_start_response(status_line: str, headers: Any, *rest: Any) -> Any:
                status[0] = int(status_line.split(" ", 1)[0])
                return start_response(status_line, headers, *rest)

            body = slack(environ, recording_start_response)
            self.observe(kind, status[0], time.perf_counter() - started)
            return body

        return application


def _kind(environ: dict[str, Any]) -> str:
    """The request's kind, read from its body (kept for Bolt: wsgi.input is replaced).

    A form body is not parsed whole (a view submission's payload runs to tens of kilobytes and
    Bolt parses it anyway): a command has a ``command`` field, and an interaction payload's JSON
    starts with its ``type``, so the head of the payload tells. Only the metric's label depends on it.
    """
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return "other"
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        if environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return "event" if json.loads(body).get("type") == "event_callback" else "other"
        if body.startswith(b"command=") or b"&command=" in body:
            return "command"
        field = b"payload="
        start = 0 if body.startswith(field) else body.find(b"&" + field) + 1
        if start == 0 and not body.startswith(field):
            return "other"
        head = body[start + len(field):start + len(field) + _PAYLOAD_HEAD].split(b"&", 1)[0]
        found = _PAYLOAD_TYPE.search(unquote_plus(head.decode("ascii", "replace")))
        if found:
            return found[1] if found[1] in KINDS else "other"
    except (ValueError, AttributeError):
        pass
    return "other"


class _OutboxCollector:
    def __init__(self, db: Database) -> None:
        self.db = db

    def describe(self) -> list[Any]:
        return [GaugeMetricFamily("followup_outbox_messages", "Outbox messages by state", labels=["state"])]

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("followup_outbox_messages", "Outbox messages by state", labels=["state"])
        state = case((((OutboxMessage.state == "pending") & (OutboxMessage.attempts > 0)), "retrying"),
                     else_=OutboxMessage.state)
        counts = dict.fromkeys(OUTBOX_STATES, 0)
        with self.db.read() as session:
            for name, count in session.execute(select(state, func.count()).group_by(state)):
                counts[name] = count
        for name, count in counts.items():
            family.add_metric([name], count)
        yield family


class _DutyFailures(logging.Handler):
    def __init__(self, metrics: Metrics) -> None:
        super().__init__(level=logging.ERROR)
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        if isinstance(record.args, tuple) and record.args and str(record.msg).startswith("duty %s"):
            self.metrics.duty_failures.labels(str(record.args[0])).inc()
