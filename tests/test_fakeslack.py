"""Tests for the fake Slack Web API, driven through the real slack_sdk clients."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.models.blocks import (
    ActionsBlock,
    ButtonElement,
    ChannelSelectElement,
    CheckboxesElement,
    ContextBlock,
    DatePickerElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    NumberInputElement,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    PlainTextObject,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    TimePickerElement,
    UserSelectElement,
)
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

try:  # `tests` is a package when run from the repo root with rootdir on sys.path
    from tests.fakeslack import FakeSlack, validate_message_blocks, validate_view
except ImportError:  # pragma: no cover - rootdir-less layout (tests/ itself on sys.path)
    from fakeslack import FakeSlack, validate_message_blocks, validate_view


class FakeClock:
    """Manually advanced clock injected into FakeSlack (no sleeping in tests)."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def fake(clock: FakeClock) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock) as server:
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token="xoxb-test", base_url=fake.url)


def _section(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def _modal(
    title: str = "Follow-up", blocks: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": title},
        "blocks": blocks if blocks is not None else [_section()],
        **extra,
    }


def _raw_post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers.items()), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers.items()), e.read()


# ------------------------------------------------------------------------------------------------
# Auth and basic recording
# ------------------------------------------------------------------------------------------------


def test_auth_test(fake: FakeSlack, client: WebClient) -> None:
    response = client.auth_test()
    assert response["user_id"] == "U0BOT"
    assert response["bot_id"] == "B0BOT"
    assert response["team_id"] == "T0TEST"
    [call] = fake.wait_for("auth.test")
    assert call.headers["authorization"] == "Bearer xoxb-test"


def test_bad_or_missing_token_is_rejected(fake: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as err:
        WebClient(token="xoxb-wrong", base_url=fake.url).auth_test()
    assert err.value.response["error"] == "invalid_auth"

    status, _, body = _raw_post(f"{fake.url}auth.test", b"", {})
    assert status == 200
    assert json.loads(body) == {"ok": False, "error": "not_authed"}
    # A `token` argument works instead of the header.
    status, _, body = _raw_post(
        f"{fake.url}auth.test", b"token=xoxb-test", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert json.loads(body)["ok"] is True


def test_unknown_method(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.api_call("chat.nope")
    assert err.value.response["error"] == "unknown_method"


# ------------------------------------------------------------------------------------------------
# Messages
# ------------------------------------------------------------------------------------------------


def test_post_message_update_delete(fake: FakeSlack, client: WebClient) -> None:
    blocks = [_section("*Follow up* with ACME", block_id="b1")]
    first = client.chat_postMessage(channel="C123", text="Follow up", blocks=blocks)
    second = client.chat_postMessage(channel="C123", text="again", thread_ts=first["ts"])
    assert first["channel"] == "C123"
    assert first["message"]["blocks"] == blocks
    assert float(second["ts"]) > float(first["ts"])
    assert fake.messages[("C123", first["ts"])]["text"] == "Follow up"
    assert fake.messages[("C123", second["ts"])]["thread_ts"] == first["ts"]

    [call, _] = fake.wait_for("chat.postMessage", count=2)
    assert call.args["blocks"] == blocks and call.status == 200 and call.ok

    updated = client.chat_update(channel="C123", ts=first["ts"], text="Done", blocks=[_section("done")])
    assert updated["message"]["text"] == "Done"
    assert fake.messages[("C123", first["ts"])]["blocks"] == [_section("done")]

    with pytest.raises(SlackApiError) as err:
        client.chat_update(channel="C123", ts="1.000000", text="x")
    assert err.value.response["error"] == "message_not_found"

    client.chat_delete(channel="C123", ts=first["ts"])
    assert ("C123", first["ts"]) not in fake.messages


def test_post_message_to_user_goes_to_stable_dm(fake: FakeSlack, client: WebClient) -> None:
    a = client.chat_postMessage(channel="U777", text="hi")
    b = client.chat_postMessage(channel="U777", text="again")
    opened = client.conversations_open(users="U777")
    assert a["channel"].startswith("D")
    assert a["channel"] == b["channel"] == opened["channel"]["id"] == fake.dm_channel_id("U777")
    assert client.conversations_info(channel="C42")["channel"]["is_member"] is True


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_message_requires_channel_and_content(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1")
    assert err.value.response["error"] == "no_text"
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x" * 40_001)
    assert err.value.response["error"] == "msg_too_long"
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="general", text="x")
    assert err.value.response["error"] == "channel_not_found"


def test_form_encoded_json_args_are_decoded(fake: FakeSlack, client: WebClient) -> None:
    blocks = [_section("form")]
    # `params` makes slack_sdk send application/x-www-form-urlencoded with blocks as a JSON string.
    client.api_call("chat.postMessage", params={"channel": "C1", "blocks": json.dumps(blocks)})
    [call] = fake.wait_for("chat.postMessage")
    assert call.headers["content-type"] == "application/x-www-form-urlencoded"
    assert call.args["blocks"] == blocks


def _select(initial: str) -> dict[str, Any]:
    def option(value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": value}, "value": value}

    return {
        "type": "actions",
        "elements": [
            {
                "type": "static_select",
                "action_id": "pick",
                "options": [option("a"), option("b")],
                "initial_option": option(initial),
            }
        ],
    }


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        pytest.param([{"type": "divider"}] * 51, "blocks: must contain at most 50 blocks", id="too-many"),
        pytest.param([_section("x" * 3001)], "blocks[0].text.text: must be at most 3000", id="text-3000"),
        pytest.param(
            [
                {
                    "type": "input",
                    "label": {"type": "plain_text", "text": "L"},
                    "element": {"type": "plain_text_input"},
                }
            ],
            "blocks[0]: input blocks are not allowed in messages",
            id="input-in-message",
        ),
        pytest.param(
            [_section(block_id="same"), {"type": "divider", "block_id": "same"}],
            "blocks[1].block_id: duplicate block_id 'same'",
            id="duplicate-block-id",
        ),
        pytest.param(
            [
                {
                    "type": "actions",
                    "elements": [{"type": "button", "text": {"type": "mrkdwn", "text": "*Go*"}}],
                }
            ],
            "blocks[0].elements[0].text: must be plain_text",
            id="button-mrkdwn",
        ),
        pytest.param(
            [_select("zzz")], "blocks[0].elements[0].initial_option: must exactly match", id="initial"
        ),
    ],
)
def test_invalid_blocks_are_rejected(
    fake: FakeSlack, client: WebClient, blocks: list[dict[str, Any]], expected: str
) -> None:
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="fallback", blocks=blocks)
    response = err.value.response
    assert response["error"] == "invalid_blocks"
    assert any(e.startswith(expected) for e in response["errors"]), response["errors"]
    assert all(m.startswith("[ERROR] ") for m in response["response_metadata"]["messages"])
    assert fake.messages == {}
    [call] = fake.wait_for_any("chat.postMessage")
    assert not call.ok


def test_post_ephemeral_validates_blocks(client: WebClient) -> None:
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    with pytest.raises(SlackApiError) as err:
        client.chat_postEphemeral(channel="C1", user="U1", text="x", blocks=[{"type": "bogus"}])
    assert err.value.response["error"] == "invalid_blocks"


# ------------------------------------------------------------------------------------------------
# Views
# ------------------------------------------------------------------------------------------------


def test_views_open_validates_view(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=fake.issue_trigger_id(), view=_modal(title="x" * 25))
    assert err.value.response["error"] == "invalid_arguments"
    assert err.value.response["response_metadata"]["messages"] == [
        "[ERROR] title.text: must be at most 24 characters (got 25)"
    ]


def test_trigger_id_single_use_and_expiry(fake: FakeSlack, client: WebClient, clock: FakeClock) -> None:
    trigger = fake.issue_trigger_id()
    opened = client.views_open(trigger_id=trigger, view=_modal(callback_id="cb", private_metadata="{}"))
    view = opened["view"]
    assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
    assert view["previous_view_id"] is None
    assert view["state"] == {"values": {}} and view["hash"]
    assert (view["callback_id"], view["private_metadata"]) == ("cb", "{}")

    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=trigger, view=_modal())
    assert err.value.response["error"] == "expired_trigger_id"

    late = fake.issue_trigger_id()
    clock.advance(3.01)
    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id=late, view=_modal())
    assert err.value.response["error"] == "expired_trigger_id"

    with pytest.raises(SlackApiError) as err:
        client.views_open(trigger_id="123.456.abc", view=_modal())
    assert err.value.response["error"] == "invalid_trigger_id"

    fresh = fake.issue_trigger_id()
    clock.advance(2.9)
    assert client.views_open(trigger_id=fresh, view=_modal())["ok"]


def test_views_update_hash_conflict(fake: FakeSlack, client: WebClient) -> None:
    view = client.views_open(trigger_id=fake.issue_trigger_id(), view=_modal(external_id="ext-1"))["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view=_modal(title="Step 2"))["view"]
    assert updated["id"] == view["id"] and updated["hash"] != view["hash"]
    assert fake.views[view["id"]]["title"]["text"] == "Step 2"

    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id=view["id"], hash=view["hash"], view=_modal(title="Stale"))
    assert err.value.response["error"] == "hash_conflict"

    by_external = client.views_update(external_id="ext-1", view=_modal(title="Step 3"))["view"]
    assert by_external["id"] == view["id"]
    with pytest.raises(SlackApiError) as err:
        client.views_update(view_id="V999", view=_modal())
    assert err.value.response["error"] == "not_found"


def test_views_push_limit(fake: FakeSlack, client: WebClient) -> None:
    root = client.views_open(trigger_id=fake.issue_trigger_id(), view=_modal())["view"]
    second = client.views_push(trigger_id=fake.issue_trigger_id(view_id=root["id"]), view=_modal())["view"]
    third = client.views_push(trigger_id=fake.issue_trigger_id(view_id=second["id"]), view=_modal())["view"]
    assert (third["root_view_id"], third["previous_view_id"]) == (root["id"], second["id"])
    with pytest.raises(SlackApiError) as err:
        client.views_push(trigger_id=fake.issue_trigger_id(view_id=third["id"]), view=_modal())
    assert err.value.response["error"] == "push_limit_reached"


def test_views_publish_home(fake: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [_section("Your follow-ups")]}
    client.views_publish(user_id="U1", view=home)
    assert fake.home_views["U1"]["blocks"] == home["blocks"]
    with pytest.raises(SlackApiError) as err:
        client.views_publish(user_id="U1", view=_modal())
    assert err.value.response["error"] == "invalid_arguments"


# ------------------------------------------------------------------------------------------------
# Users
# ------------------------------------------------------------------------------------------------


def test_users_info(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1", tz="America/New_York", locale="fr-FR", real_name="Ada Lovelace")
    user = client.users_info(user="U1")["user"]
    offset = datetime.now(ZoneInfo("America/New_York")).utcoffset()
    assert offset is not None
    assert user["tz"] == "America/New_York" and user["tz_offset"] == int(offset.total_seconds())
    assert user["profile"]["real_name"] == "Ada Lovelace"
    assert "locale" not in user
    assert client.users_info(user="U1", include_locale=True)["user"]["locale"] == "fr-FR"
    with pytest.raises(SlackApiError) as err:
        client.users_info(user="U404")
    assert err.value.response["error"] == "user_not_found"


# ------------------------------------------------------------------------------------------------
# Failure injection and rate limits
# ------------------------------------------------------------------------------------------------


def test_rate_limit_is_retried_by_slack_sdk(
    fake: FakeSlack, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The handler sleeps Retry-After + random(); record the sleep instead of doing it.
    sleeps: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=sleeps.append))
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    fake.rate_limit("chat.postMessage", retry_after=7)

    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    limited, succeeded = fake.calls_to("chat.postMessage")
    assert (limited.status, limited.response["error"]) == (429, "ratelimited")
    assert succeeded.ok
    assert len(sleeps) == 1 and 7 <= sleeps[0] < 8


def test_rate_limit_raw_http(fake: FakeSlack, client: WebClient) -> None:
    fake.rate_limit("chat.postMessage", retry_after=3, times=2)
    headers = {"Authorization": "Bearer xoxb-test", "Content-Type": "application/json"}
    body = json.dumps({"channel": "C1", "text": "x"}).encode()
    for _ in range(2):
        status, response_headers, payload = _raw_post(f"{fake.url}chat.postMessage", body, headers)
        assert (status, response_headers["Retry-After"]) == (429, "3")
        assert json.loads(payload) == {"ok": False, "error": "ratelimited"}
    # Without a retry handler slack_sdk surfaces nothing special: the injection is used up.
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_fail_and_fail_with(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage")
    fake.fail_with("chat.postMessage", "channel_is_archived")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 500
    assert err.value.response["error"] == "internal_error"
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert (err.value.response.status_code, err.value.response["error"]) == (200, "channel_is_archived")
    assert client.chat_postMessage(channel="C1", text="x")["ok"]


def test_enforce_post_rate(fake: FakeSlack, client: WebClient, clock: FakeClock) -> None:
    fake.enforce_post_rate(per_second=0.5, burst=2)
    for _ in range(2):
        client.chat_postMessage(channel="C1", text="x")
    with pytest.raises(SlackApiError) as err:
        client.chat_postMessage(channel="C1", text="x")
    assert err.value.response.status_code == 429
    assert err.value.response.headers["Retry-After"] == "2"
    assert client.chat_postMessage(channel="C2", text="other channel has its own bucket")["ok"]
    clock.advance(2.0)
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    fake.enforce_post_rate(None)
    for _ in range(5):
        client.chat_postMessage(channel="C1", text="x")


def test_reset_keeps_users(fake: FakeSlack, client: WebClient) -> None:
    fake.add_user("U1")
    fake.fail("auth.test")
    client.chat_postMessage(channel="C1", text="x")
    fake.reset()
    assert fake.calls == [] and fake.messages == {}
    assert client.auth_test()["ok"]
    assert client.users_info(user="U1")["ok"]


# ------------------------------------------------------------------------------------------------
# response_url and waiting
# ------------------------------------------------------------------------------------------------


def test_response_url_recording(fake: FakeSlack) -> None:
    url = fake.new_response_url()
    webhook = WebhookClient(url)
    response = webhook.send(text="Saved!", replace_original=True, blocks=[_section("Saved")])
    assert (response.status_code, response.body) == (200, "ok")
    [call] = fake.wait_for("response_url")
    assert call.args["_url"] == url
    assert call.args["replace_original"] is True
    assert call.args["blocks"] == [_section("Saved")]

    bad = webhook.send(blocks=[{"type": "input"}])
    assert (bad.status_code, bad.body) == (400, "invalid_blocks")
    assert len(fake.wait_for_any("response_url", count=2)) == 2


def test_wait_for_blocks_until_call_arrives(fake: FakeSlack, client: WebClient) -> None:
    thread = threading.Thread(target=lambda: client.chat_postMessage(channel="C9", text="later"))
    thread.start()
    [call] = fake.wait_for("chat.postMessage", predicate=lambda args: args["channel"] == "C9", timeout=5)
    thread.join()
    assert call.args["text"] == "later"


def test_wait_for_times_out(fake: FakeSlack, client: WebClient) -> None:
    client.auth_test()
    with pytest.raises(AssertionError, match=r"chat\.postMessage.*auth\.test:ok"):
        fake.wait_for("chat.postMessage", timeout=0.05)
    # A failed call satisfies wait_for_any but not wait_for.
    fake.fail_with("chat.postMessage", "not_in_channel")
    with pytest.raises(SlackApiError):
        client.chat_postMessage(channel="C1", text="x")
    assert fake.wait_for_any("chat.postMessage", timeout=0.05)
    with pytest.raises(AssertionError):
        fake.wait_for("chat.postMessage", timeout=0.05)


# ------------------------------------------------------------------------------------------------
# Validators (pure)
# ------------------------------------------------------------------------------------------------


def test_blocks_built_with_slack_sdk_models_are_valid() -> None:
    opts = [Option(value=v, text=v.title()) for v in ("low", "high")]
    view = View(
        type="modal",
        callback_id="followup",
        title=PlainTextObject(text="New follow-up"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=json.dumps({"channel": "C1"}),
        blocks=[
            HeaderBlock(text="Follow-up"),
            SectionBlock(
                block_id="intro",
                text=MarkdownTextObject(text="*Who?*"),
                accessory=OverflowMenuElement(action_id="more", options=opts),
            ),
            InputBlock(block_id="who", label="Owner", element=UserSelectElement(action_id="owner")),
            InputBlock(
                block_id="what", label="Note", element=PlainTextInputElement(multiline=True, max_length=500)
            ),
            InputBlock(block_id="when", label="Date", element=DatePickerElement(initial_date="2024-02-29")),
            InputBlock(block_id="at", label="Time", element=TimePickerElement(initial_time="09:30")),
            InputBlock(block_id="n", label="Count", element=NumberInputElement(is_decimal_allowed=False)),
            InputBlock(
                block_id="prio",
                label="Priority",
                element=RadioButtonsElement(options=opts, initial_option=opts[1]),
            ),
            InputBlock(
                block_id="flags",
                label="Flags",
                element=CheckboxesElement(options=opts, initial_options=opts[:1]),
                optional=True,
            ),
            InputBlock(block_id="ch", label="Channel", element=ChannelSelectElement(action_id="ch")),
            ActionsBlock(
                elements=[
                    ButtonElement(text="Go", action_id="go", style="primary", value="1"),
                    StaticSelectElement(action_id="level", options=opts, initial_option=opts[0]),
                ]
            ),
            ContextBlock(elements=[MarkdownTextObject(text="_hint_")]),
            DividerBlock(),
        ],
    ).to_dict()
    assert validate_view(view) == []
    message_blocks = [b for b in view["blocks"] if b["type"] != "input"]
    assert validate_message_blocks(message_blocks) == []


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        (
            _modal(
                blocks=[
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "x"},
                        "element": {"type": "plain_text_input"},
                    }
                ]
            ),
            "submit: is required",
        ),
        (_modal(private_metadata="x" * 3001), "private_metadata: must be at most 3000"),
        (_modal(blocks=[{"type": "divider"}] * 101), "blocks: must contain at most 100"),
        (
            _modal(
                blocks=[
                    {
                        "type": "input",
                        "label": {"type": "plain_text", "text": "x"},
                        "element": {"type": "button", "text": {"type": "plain_text", "text": "b"}},
                    }
                ],
                submit={"type": "plain_text", "text": "OK"},
            ),
            "blocks[0].element: element type 'button' is not allowed in input blocks",
        ),
        (
            _modal(blocks=[{"type": "actions", "elements": [{"type": "plain_text_input"}]}]),
            "blocks[0].elements[0]: element type 'plain_text_input' is not allowed",
        ),
        (
            _modal(blocks=[{"type": "actions", "elements": [{"type": "fancy"}]}]),
            "blocks[0].elements[0].type: unknown element type 'fancy'",
        ),
        ({"type": "dialog", "blocks": []}, "type: must be modal or home"),
    ],
)
def test_validate_view_errors(view: dict[str, Any], expected: str) -> None:
    errors = validate_view(view)
    assert any(e.startswith(expected) for e in errors), errors


def test_action_ids_only_unique_within_a_block() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "b"}, "action_id": "a"}
    assert validate_message_blocks([{"type": "actions", "elements": [button]}] * 2) == []
    errors = validate_message_blocks([{"type": "actions", "elements": [button, button]}])
    assert errors == ["blocks[0].elements[1].action_id: duplicate action_id 'a' within the block"]


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=1, max_value=3100))
def test_section_text_limit_property(length: int) -> None:
    errors = validate_message_blocks([_section("x" * length)])
    assert bool(errors) == (length > 3000)
