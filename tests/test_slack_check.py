"""`check-config --slack`: ids that pass every offline check but that Slack does not know as such."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient

from bot.slack_check import check_with_slack
from tests.fakeslack import FakeSlack

TEAMS = """\
language: en
admins: [U0ADMIN]
teams:
  - name: East China
    supervisor_channel: C0EAST
    supervisors: [U0SUPEAST]
    reps: [U0REP1, U0LEFT, U0GHOST]
  - name: West
    supervisor_channel: C0WEST
    supervisors: [U0BOT]
    reps: [U0REPW]
"""


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(token="xoxb-check") as fake:
        for user in ("U0ADMIN", "U0SUPEAST", "U0REP1", "U0REPW"):
            fake.add_user(user)
        fake.add_user("U0LEFT", real_name="Li Lei", deleted=True)
        fake.add_user("U0BOT", real_name="Zapier", is_bot=True)
        yield fake


def check(tmp_path: Path, slack: FakeSlack, source: str = TEAMS, token: str = "xoxb-check") -> list[str]:
    path = tmp_path / "teams.yml"
    path.write_text(source)
    return [p.removeprefix(str(path)) for p in check_with_slack(path, WebClient(token=token, base_url=slack.url))]


def test_a_file_slack_agrees_with(tmp_path: Path, slack: FakeSlack) -> None:
    source = TEAMS.replace(", U0LEFT, U0GHOST", "").replace("U0BOT", "U0ADMIN")
    assert check(tmp_path, slack, source) == []


def test_unknown_deactivated_and_bot_users_and_channels_by_line(tmp_path: Path, slack: FakeSlack) -> None:
    slack.channels["C0EAST"] = {"is_member": False, "name": "sales-east"}
    slack.channels["C0WEST"] = {"is_archived": True, "name": "sales-west-old"}
    assert check(tmp_path, slack) == [
        " line 5 (teams[0].supervisor_channel): the bot is not in C0EAST (#sales-east): /invite @followup there, "
        "or approvals and alerts cannot be posted",
        " line 7 (teams[0].reps[1]): U0LEFT (Li Lei) is deactivated in Slack: remove them from the file "
        "(hand over their customers first)",
        " line 7 (teams[0].reps[2]): U0GHOST is not a member of this Slack workspace: copy their member id again",
        " line 9 (teams[1].supervisor_channel): C0WEST (#sales-west-old) is archived: choose a channel in use",
        " line 10 (teams[1].supervisors[0]): U0BOT (Zapier) is a bot, not a person: put in a member's id",
    ]


def test_each_id_is_asked_once(tmp_path: Path, slack: FakeSlack) -> None:
    source = TEAMS.replace("supervisor_channel: C0WEST", "supervisor_channel: C0EAST").replace("[U0BOT]", "[U0ADMIN]")
    check(tmp_path, slack, source)
    asked = [call.args.get("user") or call.args.get("channel") for call in slack.calls
             if call.method in ("users.info", "conversations.info")]
    assert sorted(asked) == sorted(set(asked))


def test_a_channel_slack_cannot_find_or_may_not_look_up(tmp_path: Path, slack: FakeSlack) -> None:
    slack.fail_with("conversations.info", "channel_not_found")
    found = check(tmp_path, slack, TEAMS.replace(", U0LEFT, U0GHOST", "").replace("U0BOT", "U0ADMIN"))
    assert found == [" line 5 (teams[0].supervisor_channel): C0EAST is not a channel the bot can see: check the id; "
                     "for a private channel, /invite @followup there first"]


def test_a_refused_token_is_one_problem(tmp_path: Path, slack: FakeSlack) -> None:
    assert check(tmp_path, slack, token="xoxb-wrong") == [
        "Slack refused SLACK_BOT_TOKEN (invalid_auth): copy the Bot User OAuth Token again"]


def test_offline_problems_come_first_and_alone(tmp_path: Path, slack: FakeSlack) -> None:
    found = check(tmp_path, slack, TEAMS.replace("C0EAST", "general"))
    assert len(found) == 1 and "not a Slack channel id" in found[0]
    assert not slack.calls
