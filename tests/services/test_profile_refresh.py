"""The profile refresh after an answer (issue 15, the ack path): no read while the process remembers
a fresh copy, Slack asked when the copy is stale, a remembered copy of unknown age read as before."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest

from bot.services.directory import USER_CACHE_TTL, SlackProfile, refresh_user
from storage import queries
from tests.services.support import REP, Env


class Reads:
    """Counts the stored-profile reads and the users.info calls."""

    def __init__(self, env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads = 0
        self.asked: list[str] = []
        real = queries.get_slack_user

        def counted(**kwargs: Any) -> Any:
            self.reads += 1
            return real(**kwargs)

        def users_info(*, user: str, include_locale: bool) -> dict[str, Any]:
            self.asked.append(user)
            return {"user": {"id": user, "tz": "Asia/Shanghai", "locale": "zh-CN", "deleted": False}}

        monkeypatch.setattr(queries, "get_slack_user", counted)
        monkeypatch.setattr(env.runtime.slack, "users_info", users_info)


@pytest.mark.parametrize(("age", "known", "reads", "asked"), [
    (timedelta(minutes=5), True, 0, 0),  # remembered and fresh: nothing read, nothing asked
    (USER_CACHE_TTL + timedelta(minutes=1), True, 1, 1),  # remembered but stale: read, then asked
    (None, False, 1, 1),  # remembered without its age (nothing stored): read, then asked
])
def test_the_refresh_reads_only_what_the_process_does_not_know(env: Env, monkeypatch: pytest.MonkeyPatch,
                                                               age: timedelta | None, known: bool, reads: int,
                                                               asked: int) -> None:
    fetched = env.now - age if age is not None else None
    env.runtime.profiles[REP] = (time.monotonic(), SlackProfile(tz="Europe/London", locale="en-GB", deleted=False,
                                                                fetched_at=fetched))
    counts = Reads(env, monkeypatch)
    refresh_user(env.runtime, REP, now=env.now)
    assert (counts.reads, len(counts.asked)) == (reads, asked)
    if asked:  # what Slack said is stored and remembered with its age: the next refresh reads nothing
        assert env.runtime.profiles[REP][1] == SlackProfile(tz="Asia/Shanghai", locale="zh-CN", deleted=False,
                                                            fetched_at=env.now)
        refresh_user(env.runtime, REP, now=env.now + timedelta(minutes=1))
        assert (counts.reads, len(counts.asked)) == (reads, asked)
