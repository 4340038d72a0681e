"""One bad item does not stop a duty; a policy value never becomes a missing catalog key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.services import duties
from bot.services.duelist import DueEntry
from bot.views.duelist import why
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver
from tests.test_scheduler_e2e import MONDAY_0900_SHANGHAI, digests, run_at
from tests.test_scheduler_e2e import book as book  # noqa: F401 - the fixture

REP, OTHER_REP = "U0REP1", "U0REP2"


@pytest.mark.parametrize(("kind", "lang", "text"), [
    ("revisit_1m", "en", "after-sales revisit, 1 month"),
    ("revisit_6m", "en", "after-sales revisit, 6 month"),
    ("revisit_24m", "zh-CN", "售后回访（24 个月）"),
    ("revisit_first", "en", "after-sales revisit after delivery"),
])
def test_every_revisit_month_of_the_policy_has_words(kind: str, lang: str, text: str) -> None:
    entry = DueEntry(customer_id=1, number="CL2026001", company="Acme", grade="A", status="maintaining",
                     due_at=datetime(2026, 11, 23, tzinfo=UTC), why=kind)
    assert text in why(entry, lang)


def test_a_failure_building_one_reps_list_leaves_the_others(slack: SlackDriver, bot: Bot, book: dict,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    real = duties.due_list_message

    def fails_for_one(lang: str, due: Any, **kwargs: Any) -> Any:
        if due.owner_id == REP:
            raise KeyError("why_something")
        return real(lang, due, **kwargs)

    bot.clock.set(datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
    make_customer(bot, OTHER_REP, "Other Co")
    monkeypatch.setattr(duties, "due_list_message", fails_for_one)
    run_at(bot, MONDAY_0900_SHANGHAI)
    assert digests(slack, REP) == []
    assert "the due list of U0REP1 failed and was skipped (error id" in caplog.text
    assert len(digests(slack, OTHER_REP)) == 1, "the other rep's list went in the same run"


def test_a_failing_duty_does_not_stop_the_others(bot: Bot, monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    def broken(runtime: Any, now: Any) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(duties, "DUTIES", (duties.Duty("broken", broken), *duties.DUTIES))
    decided = duties.run_duties(bot.runtime, MONDAY_0900_SHANGHAI)
    assert decided["broken"] == 0 and set(decided) == {"broken", *(d.id for d in duties.DUTIES[1:])}
    assert "duty broken: the duty failed and was skipped" in caplog.text
