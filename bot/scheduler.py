"""Background duties inside `socket` and `serve`: for now, delivering the outbox."""

from __future__ import annotations

from apscheduler.schedulers.background import BackgroundScheduler

from bot.runtime import Runtime
from bot.services.outbox import deliver_due

OUTBOX_JOB = "outbox-deliver"


def start_background(runtime: Runtime) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(deliver_due, "interval", seconds=10, args=[runtime], id=OUTBOX_JOB, max_instances=1,
                      coalesce=True, replace_existing=True)
    scheduler.start()
    deliver_due(runtime)  # whatever a previous run decided and did not deliver
    return scheduler
