"""App Home: what is waiting for the user."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import home
from bot.services.directory import Requester
from bot.views.home import home_view
from handlers.common import after_ack
from handlers.pipeline import answered


def register(app: App, runtime: Runtime) -> None:
    @app.event("app_home_opened")
    @answered
    def publish_home(event: dict[str, Any], body: dict[str, Any], who: Requester, client: WebClient) -> None:
        if event.get("tab", "home") != "home":
            return
        if not home.first_delivery(runtime, event_id=body.get("event_id")):
            return  # a retry of an event we already handled
        summary = home.summary(runtime, who.actor)
        client.views_publish(user_id=who.user_id, view=home_view(who.lang, summary))
        after_ack(runtime, who)
