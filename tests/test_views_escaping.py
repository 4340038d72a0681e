"""Every Block Kit builder, rendered with hostile text in every string a user can type.

Slack parses mrkdwn (section and context text, fields, a message's ``text`` fallback) for
``<!channel>``, ``<!here>``, ``<@U…>`` and ``<http…|label>``; plain-text objects it shows as they
are. So user text in mrkdwn must come out escaped (``&lt;!channel&gt;``), and in plain text exactly
as typed (never escaped twice). The table below must name every builder in ``bot.views``: a new
builder without a row fails ``test_every_builder_is_in_the_table``.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import re
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

import bot.views
from bot.domain.paging import Page
from bot.domain.policy import GradePolicy
from bot.domain.reports import DealsWon, Dims, Month, Rate, TeamFigures, funnel_from_ranks
from bot.services.duelist import DueEntry, DueList
from bot.services.home import Compliance, HomeSummary, OverdueCustomer
from bot.views import (
    approvals,
    churn,
    deals,
    digest,
    duelist,
    followup,
    grades,
    handover,
    home,
    issues,
    lead,
    reports,
)
from bot.views.blocks import clip, escape, section
from tests.fakeslack import validate_message_blocks, validate_view

HOSTILE = "<!channel> <!here> <@U0ADMIN> <http://evil.example|click> & *bold*"
FORBIDDEN = ("<!channel", "<!here", "<!everyone", "<@U0ADMIN", "<http", "<mailto", "<#")
KNOWN_USERS = {"U0REP1", "U0SUPEAST"}  # ids the bot mentions itself (from its database and config)
MENTION = re.compile(r"<@([A-Z0-9]+)>")
AT = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY = date(2026, 11, 20)
# Parameters that take mrkdwn the caller composed (and escaped): given safe text here.
COMPOSED = "Composed by the caller"


def contact() -> SimpleNamespace:
    return SimpleNamespace(name=HOSTILE, title=HOSTILE, phone=HOSTILE, email=HOSTILE)


def customer(**overrides: Any) -> SimpleNamespace:
    values = dict(id=7, number=HOSTILE, company=HOSTILE, owner_id="U0REP1", grade="B", status="negotiating",
                  paused=True, registration="pending", industry=HOSTILE, need=HOSTILE, primary_contact=contact(),
                  last_contact_at=AT, next_due_at=AT)
    return SimpleNamespace(**{**values, **overrides})


def alert(*, closed: bool) -> SimpleNamespace:
    return SimpleNamespace(id=3, score=51.7, signals=[("silence", 25.0, 0.48), ("competitor", 10.0, 0.19)],
                           acknowledged_at=AT, acknowledged_by="U0SUPEAST", plan=HOSTILE, planned_by="U0REP1",
                           plan_due_at=AT, closed_at=AT if closed else None, outcome="churned",
                           outcome_reason=HOSTILE, closed_by="U0REP1")


def deal(outcome: str) -> SimpleNamespace:
    return SimpleNamespace(id=5, outcome=outcome, deal_cycle_days=12, contract_number=HOSTILE,
                           amount=Decimal("380000"), signed_on=DAY, expected_payment_on=DAY,
                           success_factors=("need_match",), failure_reasons=("competitor",), failure_detail=HOSTILE,
                           improvement=HOSTILE, supervisor_comment=HOSTILE, comment_by="U0SUPEAST")


def issue(*, resolved: bool) -> SimpleNamespace:
    return SimpleNamespace(id=2, complaint=True, number=HOSTILE, category="billing", severity="normal",
                           reported_by="U0REP1", deadline_kind="response", deadline_at=AT, description=HOSTILE,
                           responded_at=AT, responded_by="U0SUPEAST", resolved_at=AT if resolved else None,
                           resolved_by="U0SUPEAST", resolution=HOSTILE, satisfaction=4)


def followup_record() -> SimpleNamespace:
    return SimpleNamespace(id=9, method="phone", occurred_at=AT, next_step=HOSTILE, next_step_at=AT, late=True,
                           author_id="U0REP1", notes=HOSTILE)


def due_list() -> DueList:
    entries = [DueEntry(customer_id=7, number=HOSTILE, company=HOSTILE, grade=None, status="lead", due_at=AT,
                        why=why, days=7, note=HOSTILE) for why in ("cadence", "revisit_2m", HOSTILE, "next_step")]
    return DueList(owner_id="U0REP1", overdue=entries[:2], today=entries[2:], upcoming=entries[:1])


def approval_payload() -> dict[str, Any]:
    return {"number": HOSTILE, "company": HOSTILE, "resubmitted": True, "replaces": True, "late_hours": 30,
            "late_limit": 24, "fields": [["f_industry", HOSTILE, False], ["f_source", "source_website", True],
                                         ["f_need", HOSTILE, False]]}


def draft() -> dict[str, Any]:
    return {"company": HOSTILE, "industry": HOSTILE, "need": HOSTILE, "notes": HOSTILE, "feedback": HOSTILE,
            "next_step": HOSTILE, "stage": "negotiation", "objection": HOSTILE, "reason": HOSTILE, "grade": "B",
            "annual_purchase": HOSTILE, "potential": "3", "method": "phone"}


def home_summary() -> HomeSummary:
    return HomeSummary(in_team=True, due=due_list(), by_status={"lead": 2}, by_grade={"B": 1},
                       compliance=Compliance(logged=4, on_time=3), my_pending=1, to_decide=2,
                       in_warning=[(HOSTILE, HOSTILE, "U0REP1")])


def paged_home_summary() -> HomeSummary:
    """A supervisor's Home on the second page of long lists."""
    return HomeSummary(in_team=True, due=due_list(), due_page=Page.of(1, size=2, total=5), my_pending=0, to_decide=0,
                       in_warning=[(HOSTILE, HOSTILE, "U0REP1")], warning_page=Page.of(1, size=1, total=3),
                       overdue=[OverdueCustomer(HOSTILE, HOSTILE, "U0SUPEAST", AT)],
                       overdue_page=Page.of(0, size=1, total=2))


# One or more renderings per builder: (module.function, a call that renders it).
Render = Callable[[], Any]
def handover_row() -> SimpleNamespace:
    return SimpleNamespace(number=HOSTILE, company=HOSTILE, grade="A", status="won", last_contact_at=AT,
                           next_step_at=AT, warning=True, contact=HOSTILE, due_items=2, open_issues=1)


def hostile_figures() -> TeamFigures:
    """A team's month whose every name a user typed (team, industry, region) is hostile."""
    dims = Dims("U0REP1", "A", HOSTILE, HOSTILE)
    return TeamFigures(
        team=HOSTILE, tz="UTC", month=Month(2026, 10), start=datetime(2026, 10, 1, tzinfo=UTC),
        end=datetime(2026, 11, 1, tzinfo=UTC), partial=False, rep=None, new={dims: 2},
        new_by_week={date(2026, 10, 5): 2}, churned_by_week={date(2026, 10, 5): 1}, by_status={"lead": 2},
        by_grade={"A": 2}, funnel=funnel_from_ranks({(None, 0): 2}), deals={dims: DealsWon(1, Decimal(1000), 1, (9,))},
        churn={dims: Rate(1, 2)}, saved={}, repurchase={}, on_time={dims: Rate(1, 2)}, logging={dims: Rate(2, 2)},
        issues={}, satisfaction={}, names={"U0REP1": HOSTILE})


CASES: list[tuple[str, Render]] = [
    ("approvals.approval_message", lambda: approvals.approval_message(
        request_id=1, kind="registration", requester="U0REP1", payload=approval_payload(), lang="en", tz="UTC")),
    ("approvals.approval_message", lambda: approvals.approval_message(
        request_id=1, kind="grade", requester="U0REP1", payload=approval_payload(), lang="zh-CN", tz="UTC",
        state="needs_info", decided_by="U0SUPEAST", decided_at=AT, reason=HOSTILE)),
    ("approvals.approval_message", lambda: approvals.approval_message(
        request_id=1, kind="registration", requester="U0REP1", payload=approval_payload(), lang="en", tz="UTC",
        state="rejected", decided_by="U0SUPEAST", decided_at=AT, reason=HOSTILE)),
    ("approvals.reason_modal", lambda: approvals.reason_modal(request_id=1, decision="needs_info", lang="en")),
    ("approvals.dm_with_button", lambda: approvals.dm_with_button(COMPOSED, button_text=HOSTILE,
                                                                  action_id="lead_complete", value="7")),
    ("churn.churn_message", lambda: churn.churn_message(alert=alert(closed=False), customer=customer(), lang="en",
                                                        tz="UTC", threshold=50)),
    ("churn.churn_message", lambda: churn.churn_message(alert=alert(closed=True), customer=customer(grade=None),
                                                        lang="zh-CN", tz="UTC", threshold=50)),
    ("churn.plan_modal", lambda: churn.plan_modal("en", alert_id=3)),
    ("churn.churned_modal", lambda: churn.churned_modal("en", alert_id=3)),
    ("deals.deal_modal", lambda: deals.deal_modal("en", outcome="won", customer=customer(), today="2026-11-23",
                                                  private_metadata="{}")),
    ("deals.deal_modal", lambda: deals.deal_modal("en", outcome="lost", customer=customer(), today="2026-11-23",
                                                  private_metadata="{}")),
    ("deals.deal_message", lambda: deals.deal_message(deal=deal("won"), number=HOSTILE, company=HOSTILE,
                                                      owner="U0REP1", lang="en")),
    ("deals.deal_message", lambda: deals.deal_message(deal=deal("lost"), number=HOSTILE, company=HOSTILE,
                                                      owner="U0REP1", lang="zh-CN")),
    ("deals.comment_modal", lambda: deals.comment_modal("en", deal_id=5, current=HOSTILE)),
    ("duelist.due_list_message", lambda: duelist.due_list_message("en", due_list(), tz="UTC", day="Mon 23 Nov",
                                                                  max_items=3)),
    ("duelist.due_list_message", lambda: duelist.due_list_message("en", DueList(owner_id="U0REP1"), tz="UTC",
                                                                  day="Mon 23 Nov")),
    ("duelist.snooze_modal", lambda: duelist.snooze_modal("en", customer=customer(), response_url=None)),
    ("followup.customer_option", lambda: followup.customer_option(customer())),
    ("followup.followup_modal", lambda: followup.followup_modal(
        "en", customer=customer(), draft=draft(), tz="UTC", private_metadata="{}", when_preview=COMPOSED,
        next_date_preview=COMPOSED, note=COMPOSED, editing=True)),
    ("followup.confirmation", lambda: followup.confirmation(
        "en", followup=followup_record(), customer=customer(), tz="UTC", late_hours=24, edited=True,
        status_before="lead")),
    ("followup.match_list", lambda: followup.match_list("en", reference=HOSTILE, customers=[customer(id=n) for n in (1, 2, 3)],
                                                        limit=2)),
    ("followup.customer_card", lambda: followup.customer_card("en", customer=customer(),
                                                              followups=[followup_record()], tz="UTC")),
    ("grades.grade_modal", lambda: grades.grade_modal("en", customer=customer(), draft=draft(), suggested="A",
                                                      policy=GradePolicy(), private_metadata="{}")),
    ("home.home_view", lambda: home.home_view("en", home_summary())),
    ("home.home_view", lambda: home.home_view("en", paged_home_summary())),
    ("digest.weekly_digest", lambda: digest.weekly_digest(
        "en", team=HOSTILE, day="2026-11-16", reps=[digest.RepWeek("U0REP1", 3, 1, 2, 0, 0)],
        overdue=[digest.Overdue(HOSTILE, HOSTILE, "U0REP1", "Mon 16 Nov")], overdue_total=12)[0]),
    ("duelist.due_list_message", lambda: duelist.due_list_message("en", due_list(), tz="UTC", day="Mon 23 Nov",
                                                                  max_items=2, page=1)),
    ("issues.issue_modal", lambda: issues.issue_modal("en", customer=customer(), private_metadata="{}")),
    ("issues.issue_message", lambda: issues.issue_message(issue=issue(resolved=False), customer=customer(),
                                                          lang="en", tz="UTC")),
    ("issues.issue_message", lambda: issues.issue_message(issue=issue(resolved=True), customer=customer(),
                                                          lang="zh-CN", tz="UTC")),
    ("issues.resolve_modal", lambda: issues.resolve_modal("en", issue_id=2)),
    ("lead.lead_modal", lambda: lead.lead_modal("en", now=AT, draft=draft(), note=COMPOSED, resubmit=True)),
    ("lead.lead_saved_view", lambda: lead.lead_saved_view("en", number=HOSTILE, company=HOSTILE)),
    ("lead.lead_saving_view", lambda: lead.lead_saving_view("en", company=HOSTILE)),
    ("lead.lead_not_saved_view", lambda: lead.lead_not_saved_view("en", message=COMPOSED)),
    ("handover.handover_modal", lambda: handover.handover_modal(
        "en", from_user="U0REP1", to_user="U0SUPEAST", team=HOSTILE, rows=[handover_row()],
        totals={"customers": 1, "next_steps": 1, "due_items": 2, "open_issues": 1, "warnings": 1},
        grades={"A": 1}, tz="UTC", today=DAY, private_metadata="{}")),
    ("handover.draft_message", lambda: handover.draft_message("en", handover_id=3, rep="U0REP1", customers=4,
                                                              open_items=2, state="draft")[1]),
    ("handover.awaiting_contact_lines", lambda: [section("\n".join(handover.awaiting_contact_lines("en", [
        SimpleNamespace(number=HOSTILE, company=HOSTILE, predecessor="U0REP1", successor="U0SUPEAST",
                        effective_on=DAY, attention_until=DAY)])))]),
    ("handover.needs_owner_lines", lambda: [section("\n".join(handover.needs_owner_lines("en", [
        SimpleNamespace(number=HOSTILE, company=HOSTILE, owner="U0REP1")])))]),
    ("reports.section_blocks", lambda: reports.section_blocks(hostile_figures(), "en")),
    ("reports.report_messages", lambda: reports.report_messages("en", [hostile_figures()])[0][1]),
]
# Builders whose mrkdwn holds no user text at all (modals of inputs only).
NO_USER_TEXT = {"approvals.reason_modal", "churn.plan_modal", "churn.churned_modal", "issues.resolve_modal",
                "lead.lead_not_saved_view", "handover.draft_message"}
# Public functions of bot.views that build no blocks, and why.
NOT_BUILDERS = {
    "charts.report_charts": "PNG images, no mrkdwn (tests/test_report_views.py draws them)",
    "duelist.why": "a phrase, rendered through due_list_message",
    "followup.when_text": "a time as text",
}
PRIMITIVES = {"blocks", "lists", "ids"}  # Block Kit primitives (their callers escape) and constant ids


def view_functions() -> Iterator[str]:
    for module_info in pkgutil.iter_modules(bot.views.__path__):
        if module_info.name in PRIMITIVES:
            continue
        module = importlib.import_module(f"bot.views.{module_info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__ and not name.startswith("_"):
                returns = str(function.__annotations__.get("return", "unknown"))
                if any(kind in returns for kind in ("dict", "list", "tuple", "Block", "View", "unknown")):
                    yield f"{module_info.name}.{name}"


def test_every_builder_is_in_the_table() -> None:
    covered = {name for name, _ in CASES}
    missing = sorted(set(view_functions()) - covered - set(NOT_BUILDERS))
    assert missing == [], f"render these with hostile text in CASES: {missing}"


def walk(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from walk(item)


def texts(rendered: Any) -> tuple[list[str], list[str]]:
    """(mrkdwn texts, plain texts) of a rendering: blocks, a view, or (message fallback text, blocks)."""
    mrkdwn: list[str] = []
    if isinstance(rendered, tuple):
        fallback, rendered = rendered
        mrkdwn.append(fallback)
    objects = [obj for obj in walk(rendered) if isinstance(obj.get("text"), str) and "type" in obj]
    mrkdwn += [obj["text"] for obj in objects if obj["type"] == "mrkdwn"]
    return mrkdwn, [obj["text"] for obj in objects if obj["type"] == "plain_text"]


@pytest.mark.parametrize(("name", "render"), CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_user_text_is_escaped_in_mrkdwn_and_as_typed_in_plain_text(name: str, render: Render) -> None:
    rendered = render()
    mrkdwn, plain = texts(rendered)
    for text in mrkdwn:
        assert not [bad for bad in FORBIDDEN if bad in text], text
        assert set(MENTION.findall(text)) <= KNOWN_USERS, text
    assert not [text for text in plain if "&lt;" in text or "&amp;" in text], "plain text is never escaped"


def test_every_builder_got_hostile_text() -> None:
    """A row that passes hostile text nowhere would prove nothing."""
    shown = {name for name, render in CASES if "evil.example" in json.dumps(render(), ensure_ascii=False)}
    assert sorted({name for name, _ in CASES} - shown - NO_USER_TEXT) == []


@pytest.mark.parametrize(("name", "render"), CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_every_rendering_is_still_valid_block_kit(name: str, render: Render) -> None:
    rendered = render()
    blocks = rendered[1] if isinstance(rendered, tuple) else rendered
    if isinstance(blocks, dict) and blocks.get("type") in ("modal", "home"):
        assert validate_view(blocks) == []
    elif isinstance(blocks, list):
        assert validate_message_blocks(blocks) == []


@pytest.mark.parametrize(("typed", "shown"), [
    ("Acme & Sons", "Acme &amp; Sons"),
    ("<!channel>", "&lt;!channel&gt;"),
    ("<http://evil.example|click>", "&lt;http://evil.example|click&gt;"),
    ("&lt;", "&amp;lt;"),  # an entity typed by the user stays what they typed
    ("*bold* _it_ `code` 中文", "*bold* _it_ `code` 中文"),
    ("", ""),
])
def test_escape(typed: str, shown: str) -> None:
    assert escape(typed) == shown


def test_a_hostile_header_is_plain_text_as_typed() -> None:
    _, blocks = churn.churn_message(alert=alert(closed=False), customer=customer(), lang="en", tz="UTC", threshold=50)
    assert blocks[0]["text"] == {"type": "plain_text", "text": clip(f"Churn warning: {HOSTILE} · {HOSTILE}", 150),
                                 "emoji": True}
