"""App Home: what is waiting for the user, and the pagers of its long lists."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.runtime import Runtime
from bot.services import home
from bot.services.directory import Requester
from bot.views import ids
from bot.views.home import home_view
from bot.views.metadata import HomePages, read_value
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
        summary = home.summary(runtime, who.actor, lang=who.lang)
        client.views_publish(user_id=who.user_id, view=home_view(who.lang, summary))
        after_ack(runtime, who)

    @answered
    def turn_page(ack: Ack, body: dict[str, Any], who: Requester, client: WebClient) -> None:
        """Previous / Next of a Home list: the Home again, that list at the page the button names.

        What the lists hold is decided from who clicked (their own due list; their teams' lists for
        supervisors and admins), so a forged value shows nobody anything more than their own Home.
        """
        wanted = read_value(HomePages, (body.get("actions") or [{}])[0].get("value"))
        ack()
        summary = home.summary(runtime, who.actor, pages=wanted.pages, lang=who.lang)
        client.views_publish(user_id=who.user_id, view=home_view(who.lang, summary))

    app.action(ids.HOME_PREVIOUS)(turn_page)
    app.action(ids.HOME_NEXT)(turn_page)
