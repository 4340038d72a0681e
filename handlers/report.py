"""`/followup report [YYYY-MM]`: the monthly report, sent to the user by DM.

The month is checked before the answer (not a month, still to come, or before the team had any
customer: one sentence, nothing else happens); then the command is answered at once
(``started``) and the report is built after the ack (``deliver``): the summary posted in the
user's DM, the charts uploaded there with ``files_upload_v2`` — never into the channel the
command was typed in. What it covers follows ``bot.services.permissions``: a rep their own
figures, a supervisor their teams, an admin every team.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.reports import Month
from bot.runtime import Runtime
from bot.services import reports
from bot.services.directory import Requester
from bot.services.permissions import require_member

log = logging.getLogger(__name__)
SUBCOMMAND = "report"


def started(runtime: Runtime, who: Requester, text: str) -> tuple[str, Month, list[reports.Section]]:
    """The ephemeral answer to `/followup report …` and what to build; refuses a bad month."""
    actor = require_member(who.actor)
    month, sections = reports.choose_month(runtime, actor, text)
    return who.t("report_started", month=str(month)), month, sections


def deliver(runtime: Runtime, client: WebClient, who: Requester, month: Month,
            sections: list[reports.Section]) -> list[str]:
    """Build the report and send it into the user's DM; returns the ids of the uploaded charts."""
    actor = require_member(who.actor)
    built = reports.build(runtime, actor, month, sections, who.lang)
    try:
        channel = client.conversations_open(users=who.user_id)["channel"]["id"]
        for text, blocks in built.messages:
            client.chat_postMessage(channel=channel, text=text, blocks=blocks, unfurl_links=False)
        if not built.charts:
            return []
        response = client.files_upload_v2(
            channel=channel, initial_comment=who.t("report_charts_comment", month=str(month)),
            file_uploads=[{"content": c.png, "filename": c.filename, "title": c.title} for c in built.charts])
    except SlackApiError as error:
        reason = error.response.get("error") or "error"
        log.warning("report for %s not delivered: %s", who.user_id, reason)
        try:
            client.chat_postMessage(channel=who.user_id, text=who.t("report_failed", error=reason))
        except SlackApiError:
            log.warning("could not tell %s that the report failed", who.user_id)
        return []
    return [str(f["id"]) for f in response.get("files") or []]
