"""Answers first (bot/answers.py): work after an answer waits while other requests wait for theirs,
bounded in time and in queue length; and, end to end, a New lead is stored only once a request
waiting for its answer has it."""

from __future__ import annotations

import logging
import threading

import pytest
from sqlalchemy import func, select

from bot.answers import AnswersFirst
from storage.models import Customer
from tests.conftest import Bot
from tests.slackdriver import SlackDriver
from tests.test_lead_e2e import REP, lead_values

LONG = 30.0  # a bound no test reaches: what these tests see is decided by events, not by time


def test_with_nobody_waiting_the_work_runs_at_once_in_the_callers_thread() -> None:
    answers = AnswersFirst(max_wait=LONG)
    ran: list[str] = []
    answers.later(lambda: ran.append(threading.current_thread().name))
    assert ran == [threading.current_thread().name]


def test_work_waits_until_the_waiting_request_has_its_answer() -> None:
    answers = AnswersFirst(max_wait=LONG)
    done = threading.Event()
    with answers.awaiting_answer():
        answers.later(done.set)
        assert not done.wait(0.2), "ran while a request still waited for its answer"
        assert answers.queued == 1
    assert done.wait(5), "never ran after the answer"
    assert answers.wait_idle(5)


def test_a_steady_stream_of_requests_delays_the_work_but_never_starves_it() -> None:
    answers = AnswersFirst(max_wait=0.05)
    done = threading.Event()
    with answers.awaiting_answer():  # a request that never gets its answer within this test
        answers.later(done.set)
        assert done.wait(5), "starved by a request that kept waiting"


def test_beyond_the_queue_bound_the_work_runs_in_the_listeners_thread() -> None:
    answers = AnswersFirst(max_wait=LONG, max_queued=1)
    ran: list[str] = []
    with answers.awaiting_answer():
        answers.later(lambda: ran.append("queued"))
        answers.later(lambda: ran.append(threading.current_thread().name))
        assert ran == [threading.current_thread().name]
    assert answers.wait_idle(5)
    assert ran[-1] == "queued"


def test_work_handed_on_by_a_job_runs_within_that_job() -> None:
    answers = AnswersFirst(max_wait=LONG)
    order: list[str] = []
    started, release = threading.Event(), threading.Event()

    def first() -> None:
        started.set()
        release.wait(5)
        answers.later(lambda: order.append("handed on"))
        order.append("first done")

    with answers.awaiting_answer():
        answers.later(first)
    assert started.wait(5)
    with answers.awaiting_answer():  # another request waiting: handed-on work must not queue behind it
        release.set()
        assert answers.wait_idle(5)
    assert order == ["handed on", "first done"]


def test_a_graceful_stop_runs_what_is_queued_without_waiting() -> None:
    answers = AnswersFirst(max_wait=LONG)
    ran: list[int] = []
    with answers.awaiting_answer():
        for n in range(5):
            answers.later(lambda n=n: ran.append(n))
        answers.finish(timeout=5)
        assert sorted(ran) == [0, 1, 2, 3, 4]


def test_a_failing_job_is_logged_and_the_next_one_runs(caplog: pytest.LogCaptureFixture) -> None:
    answers = AnswersFirst(max_wait=LONG, workers=1)
    done = threading.Event()

    def fails() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="bot.answers"), answers.awaiting_answer():
        answers.later(fails)
        answers.later(done.set)
    assert done.wait(5)
    assert "work after an answer failed" in caplog.text


def test_a_new_lead_is_stored_once_the_request_waiting_for_its_answer_has_it(slack: SlackDriver, bot: Bot,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Over HTTP: the submission is answered ("Saving…") while another request waits for its own
    answer; the lead is stored, and the modal updated, only once that one is answered."""
    monkeypatch.setattr(bot.runtime.answers, "max_wait", LONG)
    view = slack.open_modal("/lead", user=REP)
    bot.executor.wait_idle()  # the command's own work after its answer
    waiting = bot.runtime.answers.awaiting_answer()
    waiting.__enter__()  # another request, still waiting for its answer
    try:
        reply = slack.submit(view, lead_values(bot), user=REP)
        assert reply.status == 200 and reply.json["response_action"] == "update"
        assert "Registering *Acme Ltd*" in str(reply.json["view"]["blocks"])
        with bot.executor._idle:
            assert bot.executor._idle.wait_for(lambda: bot.executor._busy == 0, 10)
        assert bot.runtime.answers.queued == 1
        with bot.db.read() as session:
            assert session.scalar(select(func.count()).select_from(Customer)) == 0
    finally:
        waiting.__exit__(None, None, None)
    slack.updated_view(view["id"], containing="CL2026001")
    bot.executor.wait_idle()
    with bot.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 1


def test_a_job_that_must_run_sooner_is_not_held_behind_one_that_may_wait() -> None:
    """A quick entry that may still open a modal (its trigger lives 3 s) waits at most its own bound,
    even behind work queued earlier with the queue's longer bound."""
    answers = AnswersFirst(max_wait=LONG, workers=1)
    ran: list[str] = []
    soon = threading.Event()
    with answers.awaiting_answer():  # a request that keeps waiting
        answers.later(lambda: ran.append("may wait"))
        answers.later(lambda: (ran.append("soon"), soon.set()), max_wait=0.05)
        assert soon.wait(5), "held behind the job queued first"
        assert ran == ["soon"]
    assert answers.wait_idle(5)
    assert ran == ["soon", "may wait"]
