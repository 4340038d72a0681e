"""Small Block Kit helpers shared by the builders (pure: data in, dicts out)."""

from __future__ import annotations

from typing import Any

Block = dict[str, Any]
TEXT_LIMIT = 3000


def plain(text: str, limit: int | None = None) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text, limit) if limit else text, "emoji": True}


def escape(text: str) -> str:
    """User text made inert in mrkdwn: Slack's three control characters as entities, so a lead named
    ``<!channel> <http://evil.example|click>`` is shown as typed, pinging nobody and linking nowhere.

    Every piece of user text put into mrkdwn (section and context text, fields, a message's ``text``
    fallback) goes through here, once. Plain-text objects are not parsed by Slack: they take the text
    as it is. Mentions the bot builds itself (``<@{user}>`` in the catalog) stay markup.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text, TEXT_LIMIT)}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def section(text: str, block_id: str | None = None, **extra: Any) -> Block:
    block: Block = {"type": "section", "text": mrkdwn(text), **extra}
    if block_id:
        block["block_id"] = block_id
    return block


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, 150)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts[:10]]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "text": plain(text, 75), "action_id": action_id, "value": value}
    if style:
        element["style"] = style
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text, 75), "value": value}


def text_input(
    block_id: str, label: str, *, optional: bool = False, multiline: bool = False, max_length: int = 3000,
    initial: str | None = None, hint: str | None = None, placeholder: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input", "action_id": block_id, "multiline": multiline, "max_length": max_length,
    }
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder, 150)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def input_block(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str | None = None,
    dispatch_action: bool = False,
) -> Block:
    block: Block = {"type": "input", "block_id": block_id, "label": plain(label, 2000), "element": element,
                    "optional": optional}
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch_action:
        block["dispatch_action"] = True
    return block


def modal(callback_id: str, title: str, blocks: list[Block], *, submit: str | None, close: str,
          private_metadata: str = "", external_id: str | None = None) -> dict[str, Any]:
    view: dict[str, Any] = {
        "type": "modal", "callback_id": callback_id, "title": plain(title, 24), "close": plain(close, 24),
        "blocks": blocks, "private_metadata": private_metadata,
    }
    if submit:
        view["submit"] = plain(submit, 24)
    if external_id:
        view["external_id"] = external_id
    return view
