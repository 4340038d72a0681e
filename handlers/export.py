"""`/followup export`: an .xlsx of the customers the user may see, sent to them by DM.

The command is answered at once (``started``); the file is built after the ack (``deliver``),
streamed by rust_xlsxwriter's constant-memory mode to a temporary file, and uploaded with
``files_upload_v2`` into the user's DM — never into the channel the command was typed in.
What the file contains is decided by the same scope as every other surface
(``bot.services.permissions.scope_of``).
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime
from bot.services import spreadsheets
from bot.services.directory import Requester
from bot.services.permissions import require_member, scope_of

log = logging.getLogger(__name__)
SUBCOMMAND = "export"


def started(who: Requester) -> str:
    """The ephemeral answer to `/followup export` (the file follows by DM); refuses non-members."""
    require_member(who.actor)
    return who.t("export_started")


def deliver(runtime: Runtime, client: WebClient, who: Requester) -> str | None:
    """Build the user's export and upload it into their DM; returns the file id (None: nothing sent)."""
    actor = require_member(who.actor)
    user_id, lang = who.user_id, who.lang
    scope = scope_of(runtime, actor)
    stamp = runtime.now().astimezone(actor.team.zone if actor.team else None).strftime("%Y-%m-%d")
    name = f"customers-{stamp}.xlsx"
    with tempfile.TemporaryDirectory(prefix="followup-export-") as folder:
        path = Path(folder) / name
        count = spreadsheets.export_file(runtime, path, fmt="xlsx", lang=lang, scope=scope)
        try:
            channel = client.conversations_open(users=user_id)["channel"]["id"]
            response = client.files_upload_v2(file=str(path), filename=name, title=name, channel=channel,
                                              initial_comment=who.t("export_ready", count=count, file=name))
        except SlackApiError as error:
            reason = error.response.get("error") or "error"
            log.warning("export for %s not delivered: %s", user_id, reason)
            try:
                client.chat_postMessage(channel=user_id, text=who.t("export_failed", error=reason))
            except SlackApiError:
                log.warning("could not tell %s that the export failed", user_id)
            return None
    return str(response["file"]["id"])
