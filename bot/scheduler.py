"""Background duties inside `socket` and `serve`, and `followup-bot jobs run` for cron.

Every duty is a plain function of ``(runtime, now)`` listed in ``bot.services.duties.DUTIES``
with a stable id; each is idempotent, so the scheduler simply runs them all every few minutes
(and once at start, which catches up a 09:00 missed while the process was down). The outbox is
drained every few seconds.
"""

from __future__ import annotations

import logging
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Runtime
from bot.services.duties import run_duties
from bot.services.outbox import deliver_due, drain

log = logging.getLogger(__name__)
DUTIES_JOB = "duties"
OUTBOX_JOB = "outbox-deliver"
DUTY_INTERVAL_MINUTES = 5
OUTBOX_INTERVAL_SECONDS = 10


def run_once(runtime: Runtime, now: datetime | None = None) -> tuple[dict[str, int], int]:
    """Every duty due at ``now``, then deliver what they decided (waiting out rate limits)."""
    decided = run_duties(runtime, now or runtime.now())
    return decided, drain(runtime)


def _run_duties_now(runtime: Runtime) -> None:
    decided = run_duties(runtime, runtime.now())
    if any(decided.values()):
        log.info("duties decided %s", decided)
    deliver_due(runtime)


def start_background(runtime: Runtime, *, duties: bool) -> BackgroundScheduler:
    """The outbox drain always runs (it is safe in several replicas); duties unless ``--no-scheduler``."""
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(deliver_due, "interval", seconds=OUTBOX_INTERVAL_SECONDS, args=[runtime], id=OUTBOX_JOB,
                      max_instances=1, coalesce=True, replace_existing=True)
    if duties:
        scheduler.add_job(_run_duties_now, "interval", minutes=DUTY_INTERVAL_MINUTES, args=[runtime], id=DUTIES_JOB,
                          max_instances=1, coalesce=True, replace_existing=True,
                          next_run_time=datetime.now(scheduler.timezone))  # at once: catch up missed runs
    else:
        scheduler.add_job(deliver_due, "date", args=[runtime], id="outbox-at-start")
    scheduler.start()
    return scheduler
