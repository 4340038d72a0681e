"""Helpers every handler uses: reading a submitted view, answering errors, knowing the actor."""

from __future__ import annotations

import functools
import json
import logging
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.domain.dates import format_when
from bot.errors import AlreadyDecided, InvalidInput, UserFacingError
from bot.i18n import Lang, t
from bot.runtime import Runtime
from bot.services import customers
from bot.services.directory import Actor, refresh_user, resolve_actor, user_language
from bot.services.outbox import deliver_keys

log = logging.getLogger(__name__)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """What users type, without control characters (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("", text or "")


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """Flatten ``view.state.values`` to ``{block_id: value}`` whatever the element type."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            value = _element_value(element)
            values[block_id] = clean_text(value) if isinstance(value, str) else value
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        selected = element.get("selected_option")
        return selected["value"] if selected else None
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [o["value"] for o in element.get("selected_options") or []]
    if kind == "datetimepicker":
        return element.get("selected_date_time")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "users_select":
        return element.get("selected_user")
    return element.get("value")


def metadata(view: dict[str, Any]) -> dict[str, Any]:
    raw = view.get("private_metadata") or ""
    try:
        data = json.loads(raw) if raw else {}
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def field_errors(error: InvalidInput, lang: Lang) -> dict[str, str]:
    return {field: t(key, lang, **values) for field, (key, values) in error.errors.items()}


def user_message(error: Exception, lang: Lang, tz: str = "UTC") -> str:
    """The sentence a user sees for an expected failure."""
    if isinstance(error, AlreadyDecided):
        return t("already_decided", lang, decision=t(f"decision_{error.state}", lang), user=error.decided_by,
                 when=format_when(error.decided_at, tz=tz, lang=lang) if error.decided_at else "")
    if isinstance(error, UserFacingError):
        return t(error.key, lang, **error.values)
    raise error


def ephemeral(respond: Callable[..., Any], text: str) -> None:
    respond(text=text, response_type="ephemeral", replace_original=False)


class Context:
    """What a listener knows about the person acting: resolved once per request."""

    def __init__(self, runtime: Runtime, user_id: str) -> None:
        self.runtime = runtime
        self.user_id = user_id
        self.actor: Actor | None = resolve_actor(runtime.config, user_id)
        self.lang: Lang = user_language(runtime, user_id, self.actor.team if self.actor else None)

    def t(self, key: str, **values: Any) -> str:
        return t(key, self.lang, **values)

    def after_ack(self, outbox_keys: Iterable[str] = ()) -> None:
        """Work that waits until Slack has its answer: deliver messages, refresh the user's profile."""
        keys = list(outbox_keys)
        if keys:
            deliver_keys(self.runtime, keys)
        refresh_user(self.runtime, self.user_id, now=self.runtime.now())


def report_unexpected(error: Exception, body: dict[str, Any], lang: Lang) -> None:
    """Log an unexpected failure under an id, and tell the user that id when Slack lets us."""
    ident = uuid.uuid4().hex[:8]
    log.error("error %s handling %s", ident, body.get("type") or body.get("command"), exc_info=error)
    url = body.get("response_url") or next((r.get("response_url") for r in body.get("response_urls") or []), None)
    if url:
        WebhookClient(url).send(text=t("internal_error", lang, error_id=ident), response_type="ephemeral",
                                replace_original=False)


def reported(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Report a failure that happens after ``ack()`` ourselves.

    Bolt resets an already-sent acknowledgement to "none" when the listener raises afterwards,
    so a quick failure can turn Slack's 200 into a 404. Failures before the ack still raise, and
    Bolt answers 500 as it should.
    """

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return listener(**kwargs)
        except Exception as error:
            ack = kwargs.get("ack")
            if ack is None or ack.response is None:
                raise
            body = kwargs.get("body") or kwargs.get("command") or {}
            report_unexpected(error, body, "en")
            return None

    return wrapper


def reply_privately(client: Any, *, user_id: str, response_url: str | None, text: str,
                    blocks: list[dict[str, Any]] | None = None) -> None:
    """Answer where the user started (ephemeral, through the command's response_url) or by DM."""
    if response_url:
        WebhookClient(response_url).send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
    else:
        client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def customer_button(runtime: Runtime, open_modal: Callable[..., None]) -> Callable[..., None]:
    """A button whose value is a customer id and which opens a modal about that customer.

    Whoever clicks must be able to see the customer; ``open_modal(ctx, client, trigger_id,
    customer, response_url)`` is called with the trigger id straight away.
    """

    @reported
    def clicked(ack: Any, body: dict[str, Any], action: dict[str, Any], client: Any, respond: Any) -> None:
        ack()
        ctx = Context(runtime, body["user"]["id"])
        try:
            if ctx.actor is None:
                raise UserFacingError("not_in_team")
            customer = customers.visible(runtime, ctx.actor, int(action["value"]))
        except UserFacingError as error:
            ephemeral(respond, user_message(error, ctx.lang))
            return
        open_modal(ctx, client, body["trigger_id"], customer, body.get("response_url"))

    return clicked


def submit_and_close(ack: Any, ctx: Context, action: Callable[[], Iterable[str]], *, error_field: str,
                     tz: str = "UTC") -> None:
    """The usual end of a modal: run the service; answer bad input at its fields and a refusal at
    ``error_field`` (modal errors must sit on an input block); else close the modal and deliver."""
    try:
        keys = action()
    except InvalidInput as error:
        ack(response_action="errors", errors=field_errors(error, ctx.lang))
        return
    except (UserFacingError, AlreadyDecided) as error:
        ack(response_action="errors", errors={error_field: user_message(error, ctx.lang, tz)})
        return
    ack()
    ctx.after_ack(keys)


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
