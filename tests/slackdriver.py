"""Drive the bot as Slack does: signed HTTP requests built from realistic payloads."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from slack_sdk.signature import SignatureVerifier

from tests.fakeslack import FakeSlack, validate_view

SIGNING_SECRET = "test-signing-secret"
TEAM = {"id": "T0TEST", "domain": "acme-sales"}
MANIFEST = Path(__file__).resolve().parent.parent / "manifest.yml"


def escapes(command: str) -> bool:
    """Whether Slack escapes this command's text (``should_escape`` in manifest.yml)."""
    commands = yaml.safe_load(MANIFEST.read_text())["features"]["slash_commands"]
    return any(c["command"] == command and c.get("should_escape") for c in commands)


_TYPED_MENTION = re.compile(r"(?<!\S)@([UW][A-Z0-9]{2,39})\b")
_TYPED_SPECIAL = re.compile(r"(?<!\S)@(here|channel|everyone)\b")
_TYPED_CHANNEL = re.compile(r"(?<!\S)#(C[A-Z0-9]{2,39})\b")
_TYPED_URL = re.compile(r"(?<!\S)(https?://[^\s<>]+)")


def slack_escaped(typed: str) -> str:
    """The text of a slash command as Slack sends it with ``should_escape: true``: the user's own
    ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;``; a typed ``@U0REP1`` as the mention
    ``<@U0REP1|u0rep1>``, ``@here`` as ``<!here>``, ``#C0EAST`` as ``<#C0EAST|c0east>``, a link
    as ``<http://x>``."""
    text = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _TYPED_MENTION.sub(lambda m: f"<@{m[1]}|{m[1].lower()}>", text)
    text = _TYPED_SPECIAL.sub(lambda m: f"<!{m[1]}>", text)
    text = _TYPED_CHANNEL.sub(lambda m: f"<#{m[1]}|{m[1].lower()}>", text)
    return _TYPED_URL.sub(lambda m: f"<{m[1]}>", text)


@dataclass
class Reply:
    status: int
    body: str

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


def sign(body: str, *, secret: str = SIGNING_SECRET, timestamp: int | str | None = None) -> dict[str, str]:
    """Slack's request headers for ``body``, signed with slack_sdk's own code (any timestamp text)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {"X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)}


class SlackDriver:
    """One workspace's worth of users clicking and typing at the bot."""

    def __init__(self, *, bot_url: str, fake: FakeSlack) -> None:
        self.bot_url = bot_url
        self.fake = fake

    # Transport ---------------------------------------------------------------------------------

    def post(self, body: str, content_type: str, *, headers: dict[str, str] | None = None,
             signed: bool = True) -> Reply:
        all_headers = {"Content-Type": content_type, **(sign(body) if signed else {}), **(headers or {})}
        request = urllib.request.Request(self.bot_url, data=body.encode(), headers=all_headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode())
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read().decode())

    def post_form(self, form: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urllib.parse.urlencode(form), "application/x-www-form-urlencoded", **kwargs)

    def post_payload(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.post_form({"payload": json.dumps(payload)}, **kwargs)

    # Slash commands ----------------------------------------------------------------------------

    def command_form(self, command: str, text: str, *, user: str, channel: str = "C0GENERAL",
                     escape: bool | None = None) -> dict[str, str]:
        """``text`` is what the user typed; it is sent escaped as Slack does when the command has
        ``should_escape: true`` in the manifest (or when ``escape`` says so)."""
        if escape if escape is not None else escapes(command):
            text = slack_escaped(text)
        return {
            "token": "legacy-verification-token", "team_id": TEAM["id"], "team_domain": TEAM["domain"],
            "channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user.lower(),
            "command": command, "text": text, "api_app_id": "A0FOLLOWUP", "is_enterprise_install": "false",
            "response_url": self.fake.new_response_url(), "trigger_id": self.fake.issue_trigger_id(),
        }

    def slash(self, command: str, text: str = "", *, user: str, escape: bool | None = None, **kwargs: Any) -> Reply:
        return self.post_form(self.command_form(command, text, user=user, escape=escape), **kwargs)

    def open_modal(self, command: str, text: str = "", *, user: str) -> dict[str, Any]:
        """Type a command that opens a modal; returns the modal as Slack stored it."""
        before = len(self.fake.calls_to("views.open"))
        reply = self.slash(command, text, user=user)
        assert reply.status == 200, reply
        return self.opened_view(before + 1)

    def opened_view(self, count: int) -> dict[str, Any]:
        """The modal opened by the ``count``-th views.open call, waiting for it if need be."""
        call = self.fake.wait_for("views.open", count=count)[count - 1]
        return self.fake.views[call.response["view"]["id"]]

    def updated_view(self, view_id: str, *, containing: str = "") -> dict[str, Any]:
        """The view the bot last put in place of ``view_id`` with views.update (waiting for it)."""
        calls = self.fake.wait_for("views.update", predicate=lambda a: a.get("view_id") == view_id
                                   and containing in str(a["view"]))
        return calls[-1].args["view"]

    # Views -------------------------------------------------------------------------------------

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str, **kwargs: Any) -> Reply:
        """Submit a modal with ``values`` by block id (typed as the elements want them)."""
        payload = {
            "type": "view_submission", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
            "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token", "trigger_id": self.fake.issue_trigger_id(),
            "view": {**view, "state": {"values": state_values(view, values)}},
            "response_urls": [], "is_enterprise_install": False,
        }
        reply = self.post_payload(payload, **kwargs)
        if reply.status == 200 and reply.body and reply.json.get("response_action") in ("update", "push"):
            problems = validate_view(reply.json["view"])
            assert not problems, f"Slack would reject this view: {problems}"
        return reply

    # Buttons -----------------------------------------------------------------------------------

    def click(self, blocks: list[dict[str, Any]], action_id: str, *, user: str, channel: str = "C0EAST",
              message_ts: str = "1700000000.000100", **kwargs: Any) -> Reply:
        block, element = find_action(blocks, action_id)
        payload = {
            "type": "block_actions", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
            "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": message_ts, "channel_id": channel, "is_ephemeral": False},
            "trigger_id": self.fake.issue_trigger_id(), "channel": {"id": channel},
            "message": {"type": "message", "ts": message_ts, "blocks": blocks},
            "response_url": self.fake.new_response_url(),
            "actions": [{"type": element["type"], "action_id": action_id, "block_id": block["block_id"],
                         "value": element.get("value"), "action_ts": str(time.time())}],
        }
        return self.post_payload(payload, **kwargs)

    def click_to_open(self, blocks: list[dict[str, Any]], action_id: str, *, user: str, **kwargs: Any) -> dict[str, Any]:
        """Click a button that opens a modal; returns that modal once the bot has opened it."""
        before = len(self.fake.calls_to("views.open"))
        reply = self.click(blocks, action_id, user=user, **kwargs)
        assert reply.status == 200, reply
        return self.opened_view(before + 1)

    def suggest(self, view: dict[str, Any], action_id: str, block_id: str, query: str, *, user: str) -> Reply:
        """Type into an external select: Slack asks the app for options."""
        payload = {
            "type": "block_suggestion", "user": {"id": user, "team_id": TEAM["id"]}, "team": TEAM,
            "container": {"type": "view", "view_id": view["id"]}, "api_app_id": "A0FOLLOWUP",
            "token": "legacy-verification-token", "action_id": action_id, "block_id": block_id, "value": query,
            "view": view,
        }
        return self.post_payload(payload)

    def act_in_view(self, view: dict[str, Any], block_id: str, values: dict[str, Any], *, user: str) -> Reply:
        """Change an input that dispatches actions (a select, or typing in a text field)."""
        state = state_values(view, values)
        action_id, entry = next(iter(state[block_id].items()))
        action: dict[str, Any] = {"action_id": action_id, "block_id": block_id, "type": entry["type"],
                                  "action_ts": str(time.time())}
        if "selected_option" in entry:
            action["selected_option"] = entry["selected_option"]
        else:
            action["value"] = entry.get("value")
        payload = {
            "type": "block_actions", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
            "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": view["id"]}, "trigger_id": self.fake.issue_trigger_id(),
            "view": {**view, "state": {"values": state}}, "actions": [action],
        }
        return self.post_payload(payload)

    def event(self, event: dict[str, Any], *, event_id: str = "Ev0001", **kwargs: Any) -> Reply:
        body = {"token": "legacy-verification-token", "team_id": TEAM["id"], "api_app_id": "A0FOLLOWUP",
                "event": event, "type": "event_callback", "event_id": event_id, "event_time": int(time.time())}
        return self.post(json.dumps(body), "application/json", **kwargs)


def find_action(blocks: list[dict[str, Any]], action_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return block, element
        accessory = block.get("accessory")
        if accessory and accessory.get("action_id") == action_id:
            return block, accessory
    raise AssertionError(f"no {action_id} in {json.dumps(blocks)[:500]}")


def state_values(view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """Build ``view.state.values`` as Slack sends it for the given inputs."""
    state: dict[str, Any] = {}
    for block in view.get("blocks", []):
        if block.get("type") != "input":
            continue
        element = block["element"]
        kind, action_id = element["type"], element["action_id"]
        value = values.get(block["block_id"])
        entry: dict[str, Any] = {"type": kind}
        if kind in ("plain_text_input", "email_text_input", "number_input", "url_text_input"):
            entry["value"] = value
        elif kind in ("static_select", "radio_buttons", "external_select"):
            entry["selected_option"] = _option(element, value) if value is not None else None
        elif kind in ("checkboxes", "multi_static_select"):
            entry["selected_options"] = [_option(element, v) for v in value or []]
        elif kind == "datetimepicker":
            entry["selected_date_time"] = value
        elif kind == "datepicker":
            entry["selected_date"] = value
        elif kind == "users_select":
            entry["selected_user"] = value
        state[block["block_id"]] = {action_id: entry}
    return state


def _option(element: dict[str, Any], value: str) -> dict[str, Any]:
    for candidate in element.get("options", []):
        if candidate["value"] == value:
            return candidate
    return {"text": {"type": "plain_text", "text": str(value)}, "value": value}
