"""Background duties inside `socket` and `serve`, and `followup-bot jobs run` for cron.

Every duty is a plain function of ``(runtime, now)`` listed in ``bot.services.duties.DUTIES``
with a stable id; each is idempotent, so the scheduler simply runs them all every few minutes
(and once at start, which catches up a 09:00 missed while the process was down). Duties run
under a lock across processes (PostgreSQL advisory lock, a file lock beside a SQLite file):
two schedulers, or a scheduler and `jobs run`, take turns instead of deciding twice. The outbox
is drained by every process (claims keep them apart).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Runtime
from bot.services.duties import run_duties
from bot.services.outbox import deliver_due, drain

log = logging.getLogger(__name__)
DUTIES_JOB = "duties"
OUTBOX_JOB = "outbox-deliver"
DUTY_INTERVAL_MINUTES = 5
OUTBOX_INTERVAL_SECONDS = 10


DUTIES_LOCK = "duties"
# `jobs run` waits this long for a scheduler that is running the duties to finish.
JOBS_RUN_LOCK_WAIT_SECONDS = 600


def run_once(runtime: Runtime, now: datetime | None = None) -> tuple[dict[str, int], int]:
    """Every duty due at ``now`` (after any other process running them has finished), then deliver
    what they decided (waiting out rate limits)."""
    with runtime.db.lock(DUTIES_LOCK, wait=JOBS_RUN_LOCK_WAIT_SECONDS) as acquired:
        if not acquired:
            raise RuntimeError("another process has been running the duties for 10 minutes; try again later")
        decided = run_duties(runtime, now or runtime.now())
    return decided, drain(runtime)


def _run_duties_now(runtime: Runtime) -> None:
    with runtime.db.lock(DUTIES_LOCK) as acquired:
        if not acquired:
            log.debug("another process is running the duties")
            return
        decided = run_duties(runtime, runtime.now())
    if any(decided.values()):
        log.info("duties decided %s", decided)
    deliver_due(runtime)


def _deliver_pending(runtime: Runtime, stop: threading.Event | None = None) -> None:
    """What is due now, then what comes due while this run lasts (paced channels, Retry-After);
    after ``stop`` (a graceful shutdown) no more waiting: the message in hand is finished."""
    drain(runtime, max_wait=timedelta(seconds=OUTBOX_INTERVAL_SECONDS * 5), stop=stop)


class DeliveryWaker:
    """Runs the outbox drain in a thread of its own when asked (``runtime.wake_delivery``).

    Listeners hand over what a paced channel holds back instead of sleeping on it; asks that
    come while a drain runs make it run once more, so nothing handed over waits for the next
    interval. One thread at most: the drain itself waits out pacing and Retry-After.
    """

    def __init__(self, runtime: Runtime, stop: threading.Event | None = None) -> None:
        self._runtime = runtime
        self._stop = stop
        self._lock = threading.Lock()
        self._running = False
        self._asked_again = False

    def __call__(self) -> None:
        with self._lock:
            if self._running:
                self._asked_again = True
                return
            self._running = True
        threading.Thread(target=self._run, name="outbox-wake", daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                _deliver_pending(self._runtime, self._stop)
            except Exception:  # the interval job will try again; this thread must not die holding the flag
                log.exception("background delivery failed")
            with self._lock:
                if not self._asked_again or (self._stop is not None and self._stop.is_set()):
                    self._running = False
                    return
                self._asked_again = False


def start_background(runtime: Runtime, *, duties: bool, stop: threading.Event | None = None) -> BackgroundScheduler:
    """The outbox drain always runs (it is safe in several replicas); duties unless ``--no-scheduler``."""
    runtime.wake_delivery = DeliveryWaker(runtime, stop)
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(_deliver_pending, "interval", seconds=OUTBOX_INTERVAL_SECONDS, args=[runtime, stop], id=OUTBOX_JOB,
                      max_instances=1, coalesce=True, replace_existing=True)
    if duties:
        scheduler.add_job(_run_duties_now, "interval", minutes=DUTY_INTERVAL_MINUTES, args=[runtime], id=DUTIES_JOB,
                          max_instances=1, coalesce=True, replace_existing=True,
                          next_run_time=datetime.now(scheduler.timezone))  # at once: catch up missed runs
    else:
        scheduler.add_job(deliver_due, "date", args=[runtime], id="outbox-at-start")
    scheduler.start()
    return scheduler
