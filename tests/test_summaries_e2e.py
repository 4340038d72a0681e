"""Summaries that never drop data, end to end: signed requests to the real bot, the fake Slack enforcing
Block Kit's limits. Lists of 100+ items — a rep's due list (DM, `/followup due`, App Home), a
supervisor's overdue customers and customers in warning (App Home), a 200-rep team's weekly digest —
each item either shown or counted with where to see it, and every pager walked to its last page."""

from __future__ import annotations

import itertools
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select, update

from app.factory import build_runtime
from app.scheduler import run_once
from bot.runtime import Runtime
from bot.services import duties
from bot.views import ids
from bot.views.blocks import section
from storage.models import Customer, OutboxMessage
from tests.conftest import Bot, Clock, make_settings, own_database
from tests.fakeslack import FakeSlack
from tests.slackdriver import TEAM, SlackDriver

REP, OTHER_REP, SUPERVISOR, WEST_SUPERVISOR, ADMIN = "U0REP1", "U0REP2", "U0SUPEAST", "U0SUPWEST", "U0ADMIN"
# Monday 23 Nov 2026, 09:00 in Shanghai.
MONDAY_0900 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
OVERDUE, TODAY, UPCOMING, WARNED = 110, 30, 25, 120
NUMBER = re.compile(r"\*((?:DUE|WRN|BIG)\d{4})\*")
_numbers = itertools.count(1)


def bulk_customers(db: Any, *, team_id: int, owner: str, prefix: str, due: list[datetime | None],
                   warning: bool = False) -> list[str]:
    """Customers inserted as rows (hundreds in one statement), one per due date given."""
    rows = []
    for due_at in due:
        n = next(_numbers)
        rows.append({
            "number": f"{prefix}{n:04d}", "team_id": team_id, "owner_id": owner, "company": f"{prefix} Company {n:04d}",
            "name_key": f"{prefix.lower()} company {n}", "industry": "Manufacturing", "need": "ERP",
            "acquired_at": datetime(2026, 9, 1, tzinfo=UTC), "source": "website", "intent": "medium",
            "registration": "approved", "status": "interested", "grade": "B", "warning": warning,
            "next_due_at": due_at, "due_reason": "cadence" if due_at else None, "created_by": owner,
            "created_at": datetime(2026, 9, 1, tzinfo=UTC), "last_contact_at": datetime(2026, 11, 1, tzinfo=UTC),
        })
    with db.write() as session:
        session.execute(insert(Customer), rows)
    return [row["number"] for row in rows]


@pytest.fixture
def long_lists(bot: Bot, slack: SlackDriver) -> dict[str, list[str]]:
    """REP: 110 overdue, 30 due later today, 25 in the next 3 days; OTHER_REP: 120 customers in warning
    (not due); and one overdue customer of the West team, which East's supervisor may not see."""
    east, west = bot.runtime.team_ids["East China"], bot.runtime.team_ids["West Coast"]
    made = {
        "overdue": bulk_customers(bot.db, team_id=east, owner=REP, prefix="DUE",
                                  due=[MONDAY_0900 - timedelta(days=3, minutes=n) for n in range(OVERDUE)]),
        "today": bulk_customers(bot.db, team_id=east, owner=REP, prefix="DUE",
                                due=[MONDAY_0900 + timedelta(hours=5, minutes=n) for n in range(TODAY)]),
        "upcoming": bulk_customers(bot.db, team_id=east, owner=REP, prefix="DUE",
                                   due=[MONDAY_0900 + timedelta(days=2, minutes=n) for n in range(UPCOMING)]),
        "warning": bulk_customers(bot.db, team_id=east, owner=OTHER_REP, prefix="WRN", warning=True,
                                  due=[MONDAY_0900 + timedelta(days=30)] * WARNED),
        "west": bulk_customers(bot.db, team_id=west, owner="U0REPW", prefix="WRN", warning=True,
                               due=[MONDAY_0900 - timedelta(days=1)]),
    }
    bot.clock.set(MONDAY_0900)
    return made


def texts(blocks: list[dict[str, Any]]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        if block["type"] in ("section", "header"):
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found.extend(e["text"] for e in block["elements"])
    return found


def numbers(blocks: list[dict[str, Any]], block_prefix: str = "") -> list[str]:
    return [n for b in blocks if str(b.get("block_id", "")).startswith(block_prefix)
            for text in texts([b]) for n in NUMBER.findall(text)]


def pager_button(blocks: list[dict[str, Any]], block_id: str, action_id: str) -> dict[str, Any] | None:
    for block in blocks:
        if block.get("block_id") == block_id:
            return next((e for e in block["elements"] if e["action_id"] == action_id), None)
    return None


# App Home ------------------------------------------------------------------------------------------------

def open_home(slack: SlackDriver, user: str) -> dict[str, Any]:
    before = len(slack.fake.calls_to("views.publish"))
    reply = slack.event({"type": "app_home_opened", "user": user, "channel": "D0HOME", "tab": "home"},
                        event_id=f"Ev{next(_numbers)}")
    assert reply.status == 200
    return slack.fake.wait_for("views.publish", count=before + 1)[-1].args["view"]


def click_in_home(slack: SlackDriver, user: str, block_id: str, action_id: str,
                  value: str | None = None) -> dict[str, Any]:
    """Click a pager button of the user's Home as Slack sends it; returns the Home published next."""
    home = slack.fake.home_views[user]
    element = pager_button(home["blocks"], block_id, action_id)
    assert element is not None or value is not None, f"no {action_id} in {block_id}"
    before = len(slack.fake.calls_to("views.publish"))
    payload = {
        "type": "block_actions", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token", "trigger_id": slack.fake.issue_trigger_id(),
        "container": {"type": "view", "view_id": home["id"]}, "view": home,
        "actions": [{"type": "button", "action_id": action_id, "block_id": block_id,
                     "value": value if value is not None else element["value"], "action_ts": str(time.time())}],
    }
    reply = slack.post_payload(payload)
    assert reply.status == 200, reply
    return slack.fake.wait_for("views.publish", count=before + 1)[-1].args["view"]


def walk_home_list(slack: SlackDriver, user: str, name: str, prefix: str) -> tuple[list[str], int]:
    """Every item of one paged Home list, clicking Next until there is none; (items, pages)."""
    view = slack.fake.home_views[user]
    seen, pages = numbers(view["blocks"], prefix), 1
    while pager_button(view["blocks"], f"home_pager_{name}", ids.HOME_NEXT) is not None:
        view = click_in_home(slack, user, f"home_pager_{name}", ids.HOME_NEXT)
        seen += numbers(view["blocks"], prefix)
        pages += 1
    return seen, pages


def test_a_supervisor_pages_through_every_overdue_and_warned_customer(slack: SlackDriver, bot: Bot,
                                                                      long_lists: dict[str, list[str]]) -> None:
    home = open_home(slack, SUPERVISOR)
    shown = texts(home["blocks"])
    assert len(home["blocks"]) <= 100
    assert f"*Customers in warning:* {WARNED}" in shown
    assert f"*Overdue in my teams:* {OVERDUE}" in shown, "the West team's overdue customer is not East's"
    assert "Showing 1–10 of 120 · page 1 of 12" in shown and "Showing 1–10 of 110 · page 1 of 11" in shown
    assert not [t for t in shown if t.endswith("…")], "no list cut without a count"

    warned, pages = walk_home_list(slack, SUPERVISOR, "warning", "home_warning")
    assert pages == 12 and warned == sorted(long_lists["warning"])
    last = slack.fake.home_views[SUPERVISOR]
    assert "Showing 111–120 of 120 · page 12 of 12" in texts(last["blocks"])
    assert "Showing 1–10 of 110 · page 1 of 11" in texts(last["blocks"]), "the other list kept its page"
    overdue, pages = walk_home_list(slack, SUPERVISOR, "overdue", "home_overdue")
    assert pages == 11 and overdue == long_lists["overdue"][::-1], "oldest first"
    assert "Showing 111–120 of 120 · page 12 of 12" in texts(slack.fake.home_views[SUPERVISOR]["blocks"])
    back = click_in_home(slack, SUPERVISOR, "home_pager_warning", ids.HOME_PREVIOUS)
    assert "Showing 101–110 of 120 · page 11 of 12" in texts(back["blocks"])


def test_an_admin_sees_every_team_and_the_other_supervisor_none_of_east(slack: SlackDriver, bot: Bot,
                                                                          long_lists: dict[str, list[str]]) -> None:
    admin = texts(open_home(slack, ADMIN)["blocks"])
    assert f"*Customers in warning:* {WARNED + 1}" in admin and f"*Overdue in my teams:* {OVERDUE + 1}" in admin
    west = open_home(slack, WEST_SUPERVISOR)
    assert "*Overdue in my teams:* 1" in texts(west["blocks"])
    assert not [n for n in numbers(west["blocks"]) if n in long_lists["warning"] + long_lists["overdue"]]


def test_a_forged_pager_shows_a_rep_nothing_of_the_team(slack: SlackDriver, bot: Bot,
                                                        long_lists: dict[str, list[str]]) -> None:
    open_home(slack, OTHER_REP)
    forged = '{"pages": {"warning": 3, "overdue": 2, "due": 0}}'
    view = click_in_home(slack, OTHER_REP, "home_pager_warning", ids.HOME_NEXT, value=forged)
    assert "in warning" not in str(view) and "Overdue in my teams" not in str(view)
    assert numbers(view["blocks"]) == []
    published = len(slack.fake.calls_to("views.publish"))
    stale = slack.post_payload({
        "type": "block_actions", "team": TEAM, "user": {"id": OTHER_REP, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "t", "trigger_id": slack.fake.issue_trigger_id(),
        "container": {"type": "view", "view_id": slack.fake.home_views[OTHER_REP]["id"]},
        "actions": [{"type": "button", "action_id": ids.HOME_NEXT, "block_id": "home_pager_due",
                     "value": "{not json", "action_ts": "1"}]})
    bot.executor.wait_idle()
    assert stale.status == 200 and len(slack.fake.calls_to("views.publish")) == published, "out of date: nothing"


def test_a_rep_pages_through_their_whole_due_list_at_home(slack: SlackDriver, bot: Bot,
                                                          long_lists: dict[str, list[str]]) -> None:
    home = open_home(slack, REP)
    assert f"*My due list:* {OVERDUE} overdue · {TODAY} today · {UPCOMING} in the next 3 days" in texts(home["blocks"])
    seen, pages = walk_home_list(slack, REP, "due", "home_due")
    expected = long_lists["overdue"][::-1] + long_lists["today"] + long_lists["upcoming"]
    assert pages == 17 and seen == expected
    last = slack.fake.home_views[REP]
    assert "Showing 161–165 of 165 · page 17 of 17" in texts(last["blocks"])
    assert "in warning" not in str(last)


# Due lists: the daily DM and `/followup due` ---------------------------------------------------------------

def test_the_daily_due_list_names_15_and_counts_the_rest(slack: SlackDriver, bot: Bot,
                                                         long_lists: dict[str, list[str]]) -> None:
    run_once(bot.runtime)
    [digest] = [c for c in slack.fake.calls_to("chat.postMessage")
                if c.ok and c.args["channel"] == REP and c.args["text"].startswith("Your follow-ups")]
    blocks = digest.args["blocks"]
    assert len(blocks) <= 50 and digest.args["text"] == "Your follow-ups — Mon 23 Nov 2026: 165"
    shown = texts(blocks)
    assert ":red_circle: *Overdue* (1–15 of 110)" in shown
    assert not [t for t in shown if "Due today*" in t or "Next 3 days*" in t], "no header promises what is not there"
    assert numbers(blocks) == long_lists["overdue"][::-1][:15]
    assert shown[-1] == ("…and 150 more. Type `/followup due` to page through the whole list (it is on the app's "
                         "*Home* tab too). Not shown here: 30 due today · 25 in the next 3 days.")


def test_followup_due_pages_to_the_last_item(slack: SlackDriver, bot: Bot, long_lists: dict[str, list[str]]) -> None:
    reply = slack.slash("/followup", "due", user=REP).json
    blocks, seen, pages = reply["blocks"], [], 1
    assert reply["response_type"] == "ephemeral" and len(blocks) <= 50
    assert "Showing 1–20 of 165 · page 1 of 9" in texts(blocks)
    assert not [t for t in texts(blocks) if "Type `/followup due`" in t], "it does not send the user back to itself"
    seen += numbers(blocks)
    while pager_button(blocks, "due_pager", ids.DUE_NEXT) is not None:
        before = len(slack.fake.calls_to("response_url"))
        assert slack.click(blocks, ids.DUE_NEXT, user=REP, channel="C0GENERAL").status == 200
        answer = slack.fake.wait_for("response_url", count=before + 1)[-1].args
        assert answer["replace_original"] is True and answer["response_type"] == "ephemeral"
        blocks = answer["blocks"]
        seen += numbers(blocks)
        pages += 1
    assert pages == 9 and seen == long_lists["overdue"][::-1] + long_lists["today"] + long_lists["upcoming"]
    shown = texts(blocks)
    assert "Showing 161–165 of 165 · page 9 of 9" in shown and ":white_circle: *Next 3 days* (21–25 of 25)" in shown
    before = len(slack.fake.calls_to("response_url"))
    slack.click(blocks, ids.DUE_PREVIOUS, user=REP, channel="C0GENERAL")
    previous = slack.fake.wait_for("response_url", count=before + 1)[-1].args["blocks"]
    assert "Showing 141–160 of 165 · page 8 of 9" in texts(previous)


def test_a_due_pager_shows_only_the_clickers_own_list(slack: SlackDriver, bot: Bot,
                                                      long_lists: dict[str, list[str]]) -> None:
    blocks = slack.slash("/followup", "due", user=REP).json["blocks"]
    before = len(slack.fake.calls_to("response_url"))
    slack.click(blocks, ids.DUE_NEXT, user=OTHER_REP, channel="C0GENERAL")
    answer = slack.fake.wait_for("response_url", count=before + 1)[-1].args
    assert numbers(answer["blocks"]) == [] and "Nothing due" in str(answer["blocks"])


# The weekly digest of a 200-rep team ----------------------------------------------------------------------

BIG_REPS = [f"U0BIG{n:03d}" for n in range(200)]
BIG_CHANNEL = "C0BIG"


@pytest.fixture
def big_team(tmp_path: Path) -> Iterator[tuple[Runtime, FakeSlack, Clock]]:
    """A bot over its own database and fake Slack whose one team has 200 reps (and the usual admin)."""
    teams = tmp_path / "teams.yml"
    teams.write_text(
        "language: en\nadmins: [U0ADMIN]\nteams:\n"
        "  - name: Big Team\n    supervisor_channel: C0BIG\n    timezone: Asia/Shanghai\n    holidays: CN\n"
        f"    supervisors: [U0BIGSUP]\n    reps: [{', '.join(BIG_REPS)}]\n")
    with FakeSlack(token="xoxb-test-token") as fake, own_database(tmp_path, "big") as url:
        for user in [*BIG_REPS, "U0BIGSUP", "U0ADMIN"]:
            fake.add_user(user, tz="Asia/Shanghai")
        runtime = build_runtime(make_settings(url, fake.url, followup_config=teams))
        clock = Clock(MONDAY_0900)
        runtime.clock = runtime.wall = clock
        runtime.sleep = clock.advance
        try:
            yield runtime, fake, clock
        finally:
            runtime.db.dispose()


def weekly_posts(fake: FakeSlack) -> list[Any]:
    return [c for c in fake.calls_to("chat.postMessage")
            if c.ok and c.args["channel"] == BIG_CHANNEL and "Weekly follow-up check" in c.args["text"]]


def test_a_200_rep_team_gets_its_whole_weekly_digest_once(big_team: tuple[Runtime, FakeSlack, Clock]) -> None:
    runtime, fake, clock = big_team
    team_id = runtime.team_ids["Big Team"]
    overdue = bulk_customers(runtime.db, team_id=team_id, owner=BIG_REPS[7], prefix="BIG",
                             due=[MONDAY_0900 - timedelta(days=2, minutes=n) for n in range(25)])
    first, _ = run_once(runtime)
    again, _ = run_once(runtime)
    [digest] = weekly_posts(fake)
    assert first["weekly-digest"] == 1 and again["weekly-digest"] == 0
    shown = "\n".join(texts(digest.args["blocks"]))
    assert sorted(re.findall(r"^<@(U0BIG\d{3})>:", shown, re.M)) == BIG_REPS, "every rep, once"
    assert "*Follow-ups by team member:* 201 in the team" in shown and "\n<@U0BIGSUP>: 0 follow-ups" in shown
    assert "<@U0BIG007>: 0 follow-ups logged · 0 late · 25 overdue" in shown
    assert "*Customers that need attention:* 25 overdue" in shown
    assert NUMBER.findall(shown) == overdue[::-1][:10]
    assert "…and 15 more overdue, oldest first." in shown


def test_a_digest_longer_than_a_message_goes_as_several_once(big_team: tuple[Runtime, FakeSlack, Clock],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """With another feature's sections added (70 blocks of them), the digest takes two messages under
    their own keys; the duty run again sends neither twice, even when the sections have grown."""
    runtime, fake, clock = big_team
    extra = [70]
    monkeypatch.setattr(duties, "WEEKLY_SECTIONS", (
        lambda runtime, team, week, lang: [section(f"handed over {n}") for n in range(extra[0])],))
    first, _ = run_once(runtime)
    extra[0] = 140
    again, _ = run_once(runtime)
    posts = weekly_posts(fake)
    assert first["weekly-digest"] == 2 and again["weekly-digest"] == 0 and len(posts) == 2
    assert [p.args["text"] for p in posts] == [
        f"Weekly follow-up check ({n}/2) — Big Team, week of 2026-11-16" for n in (1, 2)]
    joined = [t for p in posts for t in texts(p.args["blocks"])]
    assert [t for t in joined if t.startswith("handed over")] == [f"handed over {n}" for n in range(70)]
    assert sorted(re.findall(r"^<@(U0BIG\d{3})>:", "\n".join(joined), re.M)) == BIG_REPS
    with runtime.db.read() as session:
        keys = sorted(session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.like("weekly:%"))))
    assert keys == ["weekly:Big Team:2026-11-23", "weekly:Big Team:2026-11-23:2"]


def test_the_rerun_of_a_sent_part_is_not_repeated_after_a_crash(big_team: tuple[Runtime, FakeSlack, Clock],
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    runtime, fake, clock = big_team
    monkeypatch.setattr(duties, "WEEKLY_SECTIONS", (
        lambda runtime, team, week, lang: [section(f"handed over {n}") for n in range(70)],))
    duties.run_duties(runtime, MONDAY_0900)  # decided and committed; the process dies before sending
    with runtime.db.write() as session:
        session.execute(update(OutboxMessage).where(OutboxMessage.key == "weekly:Big Team:2026-11-23")
                        .values(state="sent"))
    clock.set(MONDAY_0900 + timedelta(minutes=5))
    run_once(runtime)
    assert [p.args["text"] for p in weekly_posts(fake)] == [
        "Weekly follow-up check (2/2) — Big Team, week of 2026-11-16"]
