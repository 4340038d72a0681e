"""`/followup` end to end: the modal, quick entry, show, find, edit, visibility, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from storage.models import AuditEntry, Customer, FollowUp, StatusChange
from tests.conftest import Bot
from tests.factories import make_customer
from tests.slackdriver import SlackDriver

REP, OTHER_REP, SUPERVISOR, WEST_SUPERVISOR, ADMIN = "U0REP1", "U0REP2", "U0SUPEAST", "U0SUPWEST", "U0ADMIN"


@pytest.fixture
def acme(bot: Bot) -> int:
    return make_customer(bot, REP, "Acme Ltd", contact="Wang Wei")


def followups(bot: Bot) -> list[FollowUp]:
    with bot.db.read() as session:
        return list(session.scalars(select(FollowUp).order_by(FollowUp.id)))


def customer(bot: Bot, customer_id: int) -> Customer:
    with bot.db.read() as session:
        found = session.get(Customer, customer_id)
        assert found is not None
        return found


def confirmation(slack: SlackDriver, count: int = 1) -> dict[str, Any]:
    return slack.fake.wait_for("response_url", count=count)[count - 1].args


def submit_modal(slack: SlackDriver, view: dict[str, Any], values: dict[str, Any], user: str = REP) -> Any:
    base = {"method": "phone", "notes": "Called Wang about the ERP"}
    return slack.submit(view, {**base, **values}, user=user)


def test_log_from_the_modal(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", user=REP)
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == ["Customer", "Method", "When", "Stage", "Notes", "Customer feedback", "Next step",
                      "Next step date", "Satisfaction"]
    options = slack.suggest(view, "fu_customer", "customer", "acm", user=REP).json["options"]
    assert options == [{"text": {"type": "plain_text", "text": "CL2026001 · Acme Ltd", "emoji": True},
                        "value": str(acme)}]
    reply = submit_modal(slack, view, {"customer": str(acme), "when": "yesterday 3pm", "stage": "needs_analysis",
                                       "feedback": "Wants a demo", "next_step": "Send proposal",
                                       "next_step_date": "next Wednesday 3pm", "satisfaction": "4"})
    assert reply.status == 200 and reply.body == ""
    [logged] = followups(bot)
    assert logged.author_id == REP and logged.method == "phone" and logged.stage == "needs_analysis"
    shanghai = datetime(2026, 11, 22, 15, 0, tzinfo=UTC) - timedelta(hours=8)
    assert logged.occurred_at == shanghai and logged.logged_at == bot.clock.now and not logged.late
    assert logged.next_step_at == datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
    assert logged.satisfaction == 4 and logged.feedback == "Wants a demo"
    found = customer(bot, acme)
    assert found.status == "needs_confirmed" and found.next_due_at == logged.next_step_at
    assert found.last_contact_at == logged.occurred_at
    message = confirmation(slack)
    text = str(message["blocks"])
    assert message["response_type"] == "ephemeral"
    assert "Send proposal — Wed 2 Dec 2026, 15:00" in text and "Lead → Needs confirmed" in text
    assert [e["text"]["text"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]] == ["Edit"]


def test_stage_fields_and_date_previews_appear_before_saving(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    assert view["blocks"][0]["element"]["initial_option"]["value"] == str(acme)
    slack.act_in_view(view, "stage", {"stage": "proposal"}, user=REP)
    updated = slack.fake.wait_for("views.update")[0].args["view"]
    assert {"proposal_version", "objection", "objection_answer"} <= {b.get("block_id") for b in updated["blocks"]}
    view = slack.fake.views[view["id"]]
    slack.act_in_view(view, "next_step_date", {"next_step_date": "下周三下午3点", "stage": "proposal"}, user=REP)
    updated = slack.fake.wait_for("views.update", count=2)[1].args["view"]
    preview = next(b for b in updated["blocks"] if b.get("block_id") == "next_step_date_preview")
    assert preview["elements"][0]["text"] == "→ Wed 2 Dec 2026, 15:00 (Asia/Shanghai)"
    stale = view
    view = slack.fake.views[view["id"]]
    slack.act_in_view(view, "next_step_date", {"next_step_date": "someday maybe"}, user=REP)
    updated = slack.fake.wait_for("views.update", count=3)[2].args["view"]
    preview = next(b for b in updated["blocks"] if b.get("block_id") == "next_step_date_preview")
    assert "can't read “someday maybe”" in preview["elements"][0]["text"]
    # A refresh from an older version of the view loses the race quietly, as Slack intends.
    slack.act_in_view(stale, "next_step_date", {"next_step_date": "tomorrow"}, user=REP)
    assert slack.fake.wait_for_any("views.update", count=4)[3].response["error"] == "hash_conflict"
    bot.executor.wait_idle()
    assert not slack.fake.calls_to("response_url")


def test_dates_are_read_in_the_users_time_zone(slack: SlackDriver, bot: Bot) -> None:
    make_customer(bot, "U0REPW", "Globex", industry="Information Technology")
    view = slack.open_modal("/followup", "Globex", user="U0REPW")
    submit_modal(slack, view, {"customer": view["blocks"][0]["element"]["initial_option"]["value"],
                               "next_step_date": "tomorrow 9am"}, user="U0REPW")
    # 02:00 UTC is 18:00 the day before in Los Angeles: tomorrow 9am there is 23 Nov 17:00 UTC.
    assert followups(bot)[0].next_step_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)


BAD = [
    ({"notes": None}, {"notes": "This field is required."}),
    ({"customer": None}, {"customer": "This field is required."}),
    ({"when": "the day the music died"}, {"when": "I can't read “the day the music died” as a date"}),
    ({"when": "tomorrow 3pm"}, {"when": "This time is in the future."}),
    ({"next_step_date": "whenever"}, {"next_step_date": "I can't read “whenever” as a date"}),
    ({"next_step_date": "yesterday"}, {"next_step_date": "This date has already passed."}),
    ({"next_step_date": "3天前"}, {"next_step_date": "This date has already passed."}),
    ({"notes": "x" * 3001}, {"notes": "under 3000 characters"}),
]


@pytest.mark.parametrize(("values", "errors"), BAD)
def test_bad_input_is_answered_in_the_modal(slack: SlackDriver, bot: Bot, acme: int, values: dict,
                                            errors: dict) -> None:
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    answer = submit_modal(slack, view, {"customer": str(acme), **values}).json
    assert answer["response_action"] == "errors" and set(answer["errors"]) == set(errors)
    for field, words in errors.items():
        assert words in answer["errors"][field]
    assert followups(bot) == []


def test_a_follow_up_logged_more_than_24h_later_is_marked_late(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    submit_modal(slack, view, {"customer": str(acme), "when": "3 days ago"})
    assert followups(bot)[0].late is True
    assert "marked late" in str(confirmation(slack)["blocks"])
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    submit_modal(slack, view, {"customer": str(acme), "when": "today"})
    assert followups(bot)[1].late is False


def test_quick_entry(slack: SlackDriver, bot: Bot, acme: int) -> None:
    reply = slack.slash("/followup", "CL2026001 called Wang, wants demo; next: send proposal next Wednesday", user=REP)
    assert reply.status == 200
    message = confirmation(slack)
    [logged] = followups(bot)
    assert (logged.method, logged.notes, logged.next_step) == ("phone", "called Wang, wants demo", "send proposal")
    assert logged.next_step_at == datetime(2026, 12, 2, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert logged.occurred_at == bot.clock.now and logged.request_key.startswith("command:")
    assert "send proposal — Wed 2 Dec 2026, 09:00" in str(message["blocks"])
    assert not slack.fake.calls_to("views.open")


@pytest.mark.parametrize(
    ("text", "method", "next_step", "next_at"),
    [
        ("CL2026001 sent the brochure via email; next: call back in 3 days", "email", "call back",
         datetime(2026, 11, 26, 1, 0, tzinfo=UTC)),
        ("CL2026001 拜访王总，谈了预算 通过拜访；下一步：发方案下周三下午3点", "visit", "发方案",
         datetime(2026, 12, 2, 7, 0, tzinfo=UTC)),
        ("Acme Ltd called, no answer; next: tomorrow 4pm retry", "phone", "retry",
         datetime(2026, 11, 24, 8, 0, tzinfo=UTC)),
        ("cl2026001 demo went well via meeting", "meeting", None, None),
    ],
)
def test_quick_entry_variants(slack: SlackDriver, bot: Bot, acme: int, text: str, method: str,
                              next_step: str | None, next_at: datetime | None) -> None:
    slack.slash("/followup", text, user=REP)
    confirmation(slack)
    [logged] = followups(bot)
    assert (logged.method, logged.next_step, logged.next_step_at) == (method, next_step, next_at)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("CL2026001 called; next: send proposal someday", "the next step has no date I can read"),
        ("CL2026001 called; next: send proposal last Monday", "the next step date has already passed"),
        ("Nobody Inc called; next: tomorrow", "I couldn't tell which customer this is"),
    ],
)
def test_quick_entry_it_cannot_read_opens_the_modal_prefilled(slack: SlackDriver, bot: Bot, acme: int, text: str,
                                                              problem: str) -> None:
    slack.slash("/followup", text, user=REP)
    view = slack.opened_view(1)
    assert problem in str(view["blocks"][0])
    notes = next(b for b in view["blocks"] if b.get("block_id") == "notes")
    assert notes["element"].get("initial_value")
    assert followups(bot) == []


def test_an_unreadable_quick_entry_whose_trigger_expired_says_what_was_unclear(
        slack: SlackDriver, bot: Bot, acme: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry is read after the answer, once other requests have theirs: when the trigger has
    expired by then (a very busy moment), the user is told what was unclear and how to open the form."""
    monkeypatch.setattr(slack.fake, "trigger_ttl", 0.0)
    assert slack.slash("/followup", "CL2026001 called; next: send proposal someday", user=REP).status == 200
    message = slack.fake.wait_for("response_url")[0].args["text"]
    assert "the next step has no date I can read" in message
    assert "Type `/followup CL2026001` to fill in the form." in message
    assert not [c for c in slack.fake.calls_to("views.open") if c.ok]
    assert followups(bot) == []


def test_retried_submissions_write_one_follow_up(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    submit_modal(slack, view, {"customer": str(acme)})
    assert submit_modal(slack, view, {"customer": str(acme)}).status == 200
    slack.submit(view, {"method": "phone", "notes": "Called Wang about the ERP", "customer": str(acme)}, user=REP,
                 headers=retry)
    form = slack.command_form("/followup", "CL2026001 called again; next: tomorrow", user=REP)
    slack.post_form(form)
    slack.post_form(form, headers=retry)
    bot.executor.wait_idle()
    assert len(followups(bot)) == 2


def test_status_history_is_kept(slack: SlackDriver, bot: Bot, acme: int) -> None:
    for stage in ("initial_contact", "needs_analysis", "initial_contact", "negotiation"):
        view = slack.open_modal("/followup", "CL2026001", user=REP)
        submit_modal(slack, view, {"customer": str(acme), "stage": stage})
    with bot.db.read() as session:
        history = [(h.from_status, h.to_status) for h in session.scalars(
            select(StatusChange).where(StatusChange.customer_id == acme).order_by(StatusChange.id))]
    assert history == [(None, "lead"), ("lead", "interested"), ("interested", "needs_confirmed"),
                       ("needs_confirmed", "negotiating")]


def test_edit_keeps_the_original_in_the_audit_log(slack: SlackDriver, bot: Bot, acme: int) -> None:
    slack.slash("/followup", "CL2026001 called Wang; next: send proposal next Wednesday", user=REP)
    message = confirmation(slack)
    slack.click(message["blocks"], "followup_edit", user=REP, channel="C0GENERAL")
    view = slack.opened_view(1)
    assert view["title"]["text"] == "Edit follow-up"
    initial = {b["block_id"]: b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"}
    assert initial["notes"] == "called Wang" and initial["next_step_date"] == "Wed 2 Dec 2026, 09:00"
    slack.submit(view, {"customer": str(acme), "method": "visit", "notes": "Visited Wang",
                        "when": initial["when"], "next_step": "send proposal",
                        "next_step_date": initial["next_step_date"]}, user=REP)
    assert "Updated the follow-up" in confirmation(slack, 2)["text"]
    [logged] = followups(bot)
    assert (logged.method, logged.notes, logged.edited_at) == ("visit", "Visited Wang", bot.clock.now)
    with bot.db.read() as session:
        edit = session.scalars(select(AuditEntry).where(AuditEntry.action == "followup.edit")).one()
    assert (edit.before["notes"], edit.before["method"]) == ("called Wang", "phone")
    assert (edit.after["notes"], edit.after["method"]) == ("Visited Wang", "visit")


def test_another_rep_cannot_edit(slack: SlackDriver, bot: Bot, acme: int) -> None:
    slack.slash("/followup", "CL2026001 called Wang", user=REP)
    slack.click(confirmation(slack)["blocks"], "followup_edit", user=OTHER_REP)
    refusal = slack.fake.wait_for("response_url", count=2)[1].args["text"]
    assert refusal == "That follow-up no longer exists."
    assert not slack.fake.calls_to("views.open")


def test_show_the_customer_card(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    submit_modal(slack, view, {"customer": str(acme), "when": "3 days ago", "notes": "First call",
                               "next_step_date": "Dec 3"})
    for i in range(11):
        slack.slash("/followup", f"CL2026001 call number {i}", user=REP)
    bot.executor.wait_idle()
    reply = slack.slash("/followup", "show CL2026001", user=REP).json
    assert reply["response_type"] == "ephemeral"
    text = str(reply["blocks"])
    for shown in ("CL2026001 · Acme Ltd", "Lead", "<@U0REP1>", "Thu 3 Dec 2026, 09:00", "Wang Wei",
                  "+86 138 0013 8000", "contact@example.com", "awaiting review"):
        assert shown in text, shown
    history = [b for b in reply["blocks"] if b["type"] == "context"]
    assert len(history) == 11 and "call number 10" in str(history[0])
    assert "First call" not in text, "only the last 10"
    assert history[-1]["elements"][0]["text"] == (
        "The last 10 of 12 follow-ups: 2 earlier ones are in `/followup export`.")  # never cut silently
    assert [e["text"]["text"] for b in reply["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "Log follow-up", "Propose grade", "Report issue"]


def test_show_marks_late_follow_ups(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", "CL2026001", user=REP)
    submit_modal(slack, view, {"customer": str(acme), "when": "3 days ago"})
    assert "late" in str(slack.slash("/followup", "show CL2026001", user=REP).json["blocks"])


def test_find(slack: SlackDriver, bot: Bot) -> None:
    for i in range(25):
        make_customer(bot, REP, f"Acme Branch {i:02d}", contact=f"Contact {i}")
    make_customer(bot, REP, "杭州阿里巴巴有限公司", contact="马云")
    reply = slack.slash("/followup", "find acme", user=REP).json
    assert len([b for b in reply["blocks"] if b.get("accessory")]) == 20
    assert reply["blocks"][-1]["elements"][0]["text"].startswith("Showing the best 20 of 25 matches")
    assert "`/followup export`" in reply["blocks"][-1]["elements"][0]["text"]
    few = slack.slash("/followup", "find Acme Branch 0", user=REP).json  # 00 … 09: not cut, nothing said
    assert len([b for b in few["blocks"] if b.get("accessory")]) == 10 and "Showing" not in str(few["blocks"])
    reply = slack.slash("/followup", "find 阿里", user=REP).json
    assert "杭州阿里巴巴有限公司" in str(reply["blocks"])
    reply = slack.slash("/followup", "find 马云", user=REP).json
    assert "杭州阿里巴巴有限公司" in str(reply["blocks"])
    assert slack.slash("/followup", "find", user=REP).json["text"].startswith("Tell me what to look for")


def test_type_ahead_ranks_best_matches_first(slack: SlackDriver, bot: Bot) -> None:
    make_customer(bot, REP, "Northwind Acme Traders")
    make_customer(bot, REP, "Acme Ltd")
    make_customer(bot, REP, "Globex", contact="Acme Zhang")
    view = slack.open_modal("/followup", user=REP)
    texts = [o["text"]["text"] for o in slack.suggest(view, "fu_customer", "customer", "acme", user=REP).json["options"]]
    assert texts[0] == "CL2026002 · Acme Ltd" and set(texts[1:]) == {"CL2026003 · Globex",
                                                                      "CL2026001 · Northwind Acme Traders"}
    assert texts.index("CL2026003 · Globex") < texts.index("CL2026001 · Northwind Acme Traders")
    texts = [o["text"]["text"] for o in slack.suggest(view, "fu_customer", "customer", "CL2026003", user=REP)
             .json["options"]]
    assert texts == ["CL2026003 · Globex"]


def test_type_ahead_returns_at_most_100(slack: SlackDriver, bot: Bot) -> None:
    for i in range(105):
        make_customer(bot, REP, f"Client {i:03d}")
    view = slack.open_modal("/followup", user=REP)
    assert len(slack.suggest(view, "fu_customer", "customer", "client", user=REP).json["options"]) == 100


@pytest.mark.parametrize(
    ("viewer", "sees"),
    [(REP, True), (OTHER_REP, False), (SUPERVISOR, True), (WEST_SUPERVISOR, False), (ADMIN, True),
     ("U0REPW", False)],
)
def test_visibility_is_the_same_everywhere(slack: SlackDriver, bot: Bot, acme: int, viewer: str, sees: bool) -> None:
    view = slack.open_modal("/followup", user=viewer)
    options = slack.suggest(view, "fu_customer", "customer", "acme", user=viewer).json["options"]
    assert bool(options) is sees
    found = slack.slash("/followup", "find acme", user=viewer).json
    shown = slack.slash("/followup", "show CL2026001", user=viewer).json
    missing = slack.slash("/followup", "show CL2026999", user=viewer).json
    if sees:
        assert "Acme Ltd" in str(found["blocks"]) and "Acme Ltd" in str(shown["blocks"])
        return
    assert found["text"] == "No customer you can see matches “acme”."
    assert shown["text"] == "No customer you can see matches “CL2026001”."
    assert missing["text"] == "No customer you can see matches “CL2026999”."
    hidden = submit_modal(slack, view, {"customer": str(acme)}, user=viewer).json
    assert hidden == {"response_action": "errors", "errors": {"customer": "Choose one of your customers."}}
    bot.executor.wait_idle()
    assert followups(bot) == []


def test_quick_entry_for_a_hidden_customer_reads_as_missing(slack: SlackDriver, bot: Bot, acme: int) -> None:
    hidden = slack.slash("/followup", "CL2026001 called; next: tomorrow", user=OTHER_REP).json
    missing = slack.slash("/followup", "CL2026999 called; next: tomorrow", user=OTHER_REP).json
    assert hidden["text"] == "No customer you can see matches “CL2026001”."
    assert missing["text"] == "No customer you can see matches “CL2026999”."
    assert followups(bot) == []


def test_an_ambiguous_name_lists_the_matches(slack: SlackDriver, bot: Bot) -> None:
    make_customer(bot, REP, "Acme North")
    make_customer(bot, REP, "Acme South")
    reply = slack.slash("/followup", "Acme", user=REP).json
    assert "Customers matching “Acme”" in reply["text"]
    assert len([b for b in reply["blocks"] if b.get("accessory")]) == 2
    first = next(b for b in reply["blocks"] if b.get("accessory"))
    slack.click([first], "followup_log", user=REP)
    view = slack.opened_view(1)
    assert view["blocks"][0]["element"]["initial_option"]["value"] == first["accessory"]["value"]


def test_type_ahead_ignores_control_characters(slack: SlackDriver, bot: Bot, acme: int) -> None:
    view = slack.open_modal("/followup", user=REP)
    options = slack.suggest(view, "fu_customer", "customer", "ac\x00me", user=REP).json["options"]
    assert [o["value"] for o in options] == [str(acme)]
