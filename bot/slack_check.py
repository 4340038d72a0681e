"""`followup-bot check-config --slack`: ask Slack whether the teams file's ids are real.

The commonest setup mistakes pass every offline check: an id copied from the wrong workspace,
a rep who has left (deactivated), a bot user's id, a supervisor channel the bot was never
invited to (every approval and alert would wait there), or one that was archived. Each id is
asked once (``users.info``, ``conversations.info``); problems are located by line like the
others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import ConfigError, Loc, TeamsConfig, load_teams_config, locate_in_file

INVITE = "/invite @followup"


def check_with_slack(path: Path, client: WebClient) -> list[str]:
    """Every problem of the teams file at ``path`` that Slack can tell (after the offline checks)."""
    try:
        config = load_teams_config(path)
    except ConfigError as exc:
        return exc.problems
    try:
        client.auth_test()
    except SlackApiError as exc:
        return [f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}): copy the Bot User OAuth Token again"]
    return locate_in_file(path, slack_problems(config, client))


def slack_problems(config: TeamsConfig, client: WebClient) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []
    users: dict[str, str | None] = {}
    channels: dict[str, str | None] = {}

    def person(loc: Loc, user_id: str) -> None:
        if user_id not in users:
            users[user_id] = _user_problem(client, user_id)
        if users[user_id]:
            found.append((loc, users[user_id]))  # type: ignore[arg-type]

    for i, admin in enumerate(config.admins):
        person(("admins", i), admin)
    for t, team in enumerate(config.teams):
        if team.supervisor_channel not in channels:
            channels[team.supervisor_channel] = _channel_problem(client, team.supervisor_channel)
        if channels[team.supervisor_channel]:
            found.append((("teams", t, "supervisor_channel"), channels[team.supervisor_channel]))  # type: ignore[arg-type]
        for role in ("supervisors", "reps"):
            for i, user_id in enumerate(getattr(team, role)):
                person(("teams", t, role, i), user_id)
    return found


def _user_problem(client: WebClient, user_id: str) -> str | None:
    try:
        user: dict[str, Any] = client.users_info(user=user_id)["user"]
    except SlackApiError as exc:
        if exc.response.get("error") == "user_not_found":
            return f"{user_id} is not a member of this Slack workspace: copy their member id again"
        raise
    name = user.get("real_name") or user.get("name") or user_id
    if user.get("deleted"):
        return f"{user_id} ({name}) is deactivated in Slack: remove them from the file (hand over their customers first)"
    if user.get("is_bot"):
        return f"{user_id} ({name}) is a bot, not a person: put in a member's id"
    return None


def _channel_problem(client: WebClient, channel_id: str) -> str | None:
    try:
        channel: dict[str, Any] = client.conversations_info(channel=channel_id)["channel"]
    except SlackApiError as exc:
        error = exc.response.get("error")
        if error == "channel_not_found":
            return (f"{channel_id} is not a channel the bot can see: check the id; for a private channel, "
                    f"{INVITE} there first")
        if error == "missing_scope":
            return (f"the bot cannot look up {channel_id} (missing scope {exc.response.get('needed')}): "
                    "update the app from manifest.yml and reinstall it")
        raise
    name = f"#{channel['name']}" if channel.get("name") else channel_id
    if channel.get("is_archived"):
        return f"{channel_id} ({name}) is archived: choose a channel in use"
    if not channel.get("is_member"):
        return f"the bot is not in {channel_id} ({name}): {INVITE} there, or approvals and alerts cannot be posted"
    return None
