"""The background scheduler: stable job ids, duties only when asked, a catch-up run at start."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.scheduler import DUTIES_JOB, OUTBOX_JOB, start_background
from bot.services.duties import DUTIES
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver


def test_duties_have_stable_unique_ids() -> None:
    ids = [duty.id for duty in DUTIES]
    assert ids == ["daily-due-lists", "deadlines", "alerts", "weekly-digest", "quarterly-regrade", "reactivation",
                   "issue-deadlines", "churn-warnings", "repurchase", "handover-drafts",
                   "monthly-report"]
    assert len(set(ids)) == len(ids)


def test_serve_catches_up_at_start(bot: Bot, slack: SlackDriver) -> None:
    """Started at 11:00 after being down at 09:00: the morning's digest goes at once."""
    bot.clock.set(datetime(2026, 11, 10, 2, tzinfo=UTC))
    make_customer(bot, "U0REP1", "Waiting Co")
    bot.clock.set(datetime(2026, 11, 23, 3, 0, tzinfo=UTC))  # Monday 11:00 in Shanghai
    scheduler = start_background(bot.runtime, duties=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {DUTIES_JOB, OUTBOX_JOB}
        assert jobs[DUTIES_JOB].trigger.interval == timedelta(minutes=5)
        digest = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["text"].startswith("Your follow-ups"))
        assert digest[0].args["channel"] == "U0REP1"
    finally:
        scheduler.shutdown(wait=True)


def test_extra_replicas_run_no_duties(bot: Bot) -> None:
    scheduler = start_background(bot.runtime, duties=False)
    try:
        assert DUTIES_JOB not in {job.id for job in scheduler.get_jobs()}
        assert OUTBOX_JOB in {job.id for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=True)
