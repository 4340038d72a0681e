"""`/followup` and its subcommands."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot import commands
from bot.runtime import Runtime
from handlers.common import Context, reported

SUBCOMMANDS = ("help",)


def register(app: App, runtime: Runtime) -> None:
    @app.command(commands.FOLLOWUP)
    @reported
    def followup(ack: Ack, command: dict[str, Any]) -> None:
        ctx = Context(runtime, command["user_id"])
        if ctx.actor is None:
            ack(text=ctx.t("not_in_team"), response_type="ephemeral")
            return
        words = (command.get("text") or "").split()
        word = words[0].lower() if words else "help"
        if word == "help":
            ack(text=ctx.t("help"), response_type="ephemeral")
            return
        ack(text=ctx.t("unknown_subcommand", command=commands.FOLLOWUP, word=word[:50]), response_type="ephemeral")
