"""App Home: what is waiting for the user."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import home
from bot.views.home import home_view
from handlers.common import Context, reported


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    @reported
    def publish_home(event: dict[str, Any], body: dict[str, Any], client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        if not home.first_delivery(runtime, event_id=body.get("event_id")):
            return  # a retry of an event we already handled
        ctx = Context(runtime, event["user"])
        summary = home.summary(runtime, ctx.actor)
        client.views_publish(user_id=ctx.user_id, view=home_view(ctx.lang, summary))
        ctx.after_ack()
