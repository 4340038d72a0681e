"""`/followup export` end to end: answered at once, the .xlsx arrives by DM (files_upload_v2 into the
user's IM channel, never the channel typed in) with exactly the customers the user may see."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from tests.conftest import Bot
from tests.factories import log_followup, make_customer
from tests.fakeslack import FakeSlack
from tests.slackdriver import SlackDriver

REP, OTHER_REP, WEST_REP, SUPERVISOR, ADMIN = "U0REP1", "U0REP2", "U0REPW", "U0SUPEAST", "U0ADMIN"


@pytest.fixture
def book(bot: Bot) -> dict[str, int]:
    """A customer of each rep of East China, one of West Coast's rep, one of East's supervisor."""
    ids = {
        "Rep One Co": make_customer(bot, REP, "Rep One Co"),
        "Rep Two Co": make_customer(bot, OTHER_REP, "Rep Two Co"),
        "West Co": make_customer(bot, WEST_REP, "West Co", industry="Information Technology"),
        "Supervised Co": make_customer(bot, SUPERVISOR, "Supervised Co"),
    }
    log_followup(bot, REP, ids["Rep One Co"], notes="Called about the ERP", stage="initial_contact")
    return ids


def exported(slack: SlackDriver, bot: Bot, user: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    before, posts = len(slack.fake.files), len(slack.fake.calls_to("chat.postMessage"))
    reply = slack.slash("/followup", "export", user=user)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral" and "arrive by DM" in reply.json["text"]
    bot.executor.wait_idle()
    files = slack.fake.files
    assert len(files) == before + 1
    assert slack.fake.calls_to("chat.postMessage")[posts:] == []  # nothing posted anywhere, the file is the DM
    shared = files[-1]
    sheet = openpyxl.load_workbook(io.BytesIO(shared["content"]), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    width = len(rows[0])  # read-only rows stop at their last filled cell
    return shared, [dict(zip(rows[0], [*row, *[None] * (width - len(row))], strict=True)) for row in rows[1:]]


@pytest.mark.parametrize(("user", "companies"), [
    (REP, {"Rep One Co"}),
    (SUPERVISOR, {"Rep One Co", "Rep Two Co", "Supervised Co"}),
    (ADMIN, {"Rep One Co", "Rep Two Co", "West Co", "Supervised Co"}),
])
def test_export_sends_by_dm_exactly_what_the_user_may_see(slack: SlackDriver, bot: Bot, book: dict[str, int],
                                                         user: str, companies: set[str]) -> None:
    shared, rows = exported(slack, bot, user)
    assert shared["channel"] == slack.fake.dm_channel_id(user)
    assert shared["name"].startswith("customers-") and shared["name"].endswith(".xlsx")
    noun = "customer" if len(companies) == 1 else "customers"
    assert shared["initial_comment"].startswith(f"Your export: {len(companies)} {noun} with their follow-ups")
    assert {row["Company"] for row in rows} == companies
    if "Rep One Co" in companies:
        [followup] = [row for row in rows if row["Company"] == "Rep One Co" and row["Date"] is not None]
        assert followup["Content"] == "Called about the ERP" and followup["Method"] == "Phone"
    assert all(f["channel"].startswith("D") for f in slack.fake.files)  # never a channel


def test_someone_outside_every_team_gets_no_file(slack: SlackDriver, bot: Bot, book: dict[str, int]) -> None:
    reply = slack.slash("/followup", "export", user="U0STRANGER")
    assert reply.status == 200 and "not in any sales team" in reply.json["text"]
    bot.executor.wait_idle()
    assert slack.fake.files == []


def test_the_fake_takes_files_upload_v2_strictly(fake_slack: FakeSlack) -> None:
    client = WebClient(token="xoxb-test-token", base_url=fake_slack.url)
    fake_slack.reset()
    done = client.files_upload_v2(content=b"a,b\n1,2\n", filename="x.csv", title="X", channel="DU0REP1",
                                  initial_comment="here")
    assert done["file"]["name"] == "x.csv"
    [shared] = fake_slack.files
    assert (shared["channel"], shared["title"], shared["content"]) == ("DU0REP1", "X", b"a,b\n1,2\n")
    with pytest.raises(SlackApiError) as refused:
        client.files_upload_v2(content=b"x", filename="y.csv", channel="U0REP1")  # a user id is not a channel
    assert refused.value.response["error"] == "invalid_channel"
    with pytest.raises(SlackApiError) as missing:
        client.files_completeUploadExternal(files=[{"id": "F99999999", "title": "nope"}])
    assert missing.value.response["error"] == "file_not_found"
    assert len(fake_slack.files) == 1
