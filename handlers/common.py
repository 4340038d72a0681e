"""What several listeners share once the pipeline has run: answering privately, replacing a modal,
buttons that open a modal about a customer, and the work that waits until Slack has its answer."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.i18n import Lang
from bot.runtime import Runtime
from bot.services import customers
from bot.services.directory import Requester, refresh_user
from bot.services.outbox import deliver_keys
from bot.services.permissions import require_member
from bot.views.metadata import ButtonValue
from handlers.pipeline import answered, report_unexpected

__all__ = ["TRIGGER_SAFE_WAIT", "after_ack", "after_answer", "customer_button", "reply_privately", "report_unexpected", "update_modal"]


# How long work that may still open a modal waits for other answers: Slack's trigger_id lives 3 s.
TRIGGER_SAFE_WAIT = 1.0


def after_answer(runtime: Runtime, job: Callable[[], object], *, body: dict[str, Any] | None = None,
                 lang: Lang = "en", max_wait: float | None = None) -> None:
    """Hand work that follows the answer to the process's queue (``bot/answers.py``): it runs once
    requests still waiting for their answer have it. Its writes are background writes; an
    unexpected failure is reported to the user where the request came from (``body``). A job that
    may open a modal passes a ``max_wait`` its ``trigger_id`` outlives (``TRIGGER_SAFE_WAIT``)."""

    def run() -> None:
        runtime.db.answered(True)
        try:
            job()
        except Exception as error:
            report_unexpected(error, body or {}, lang)
        finally:
            runtime.db.answered(False)

    runtime.answers.later(run, max_wait=max_wait)


def after_ack(runtime: Runtime, who: Requester, outbox_keys: Iterable[str] = ()) -> None:
    """Work that waits until Slack has its answer: deliver messages, refresh the user's profile."""
    keys = list(outbox_keys)

    def deliver_and_refresh() -> None:
        if keys:
            deliver_keys(runtime, keys)
        refresh_user(runtime, who.user_id, now=runtime.now())

    after_answer(runtime, deliver_and_refresh, lang=who.lang)


def reply_privately(client: Any, *, user_id: str, response_url: str | None, text: str,
                    blocks: list[dict[str, Any]] | None = None) -> None:
    """Answer where the user started (ephemeral, through the command's response_url) or by DM."""
    if response_url:
        WebhookClient(response_url).send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def customer_button(runtime: Runtime, open_modal: Callable[..., None]) -> Callable[..., None]:
    """A button whose value is a customer id and which opens a modal about that customer.

    Whoever clicks must be able to see the customer; ``open_modal(who, client, trigger_id,
    customer, response_url)`` is called with the trigger id straight away.
    """

    @answered
    def clicked(ack: Any, body: dict[str, Any], who: Requester, ref: ButtonValue, client: Any) -> None:
        ack()
        customer = customers.visible(runtime, require_member(who.actor), ref.id)
        open_modal(who, client, body["trigger_id"], customer, body.get("response_url"))

    return clicked


def update_modal(client: Any, *, view_id: str, view: dict[str, Any]) -> bool:
    """Replace an open modal; False when the user already closed it (Slack answers not_found).

    Work finished after the acknowledgement reports back this way; a closed modal is normal, and
    whatever the user must know also reaches them by DM.
    """
    try:
        client.views_update(view_id=view_id, view=view)
    except SlackApiError as error:
        if error.response.get("error") != "not_found":
            raise
        return False
    return True
