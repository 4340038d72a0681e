"""Socket Mode end to end: the bot as `followup-bot socket` builds it, Slack's side played by the fake
Web API plus a local WebSocket endpoint that delivers envelopes and collects the acks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from app.factory import build_app, build_runtime
from bot.runtime import Runtime
from bot.services.directory import sync_directory
from tests.conftest import DEFAULT_NOW, USERS, Clock, TrackingExecutor, make_settings, wipe
from tests.fakeslack import FakeSlack, validate_view
from tests.fakeslack.server import Call
from tests.fakeslack.socket_mode import SocketModeServer
from tests.slackdriver import TEAM, SlackDriver, state_values
from tests.test_lead_e2e import lead_values

BOT_TOKEN, APP_TOKEN = "xoxb-test-token", "xapp-1-A0TEST-1-socket-test"
REP, STRANGER = "U0REP1", "U0STRANGER"
NOT_IN_TEAM = "You are not in any sales team yet: ask an admin to add you to the teams file."


@dataclass
class SocketBot:
    """The bot connected over Socket Mode (``clock`` is what ``lead_values`` reads)."""

    runtime: Runtime
    clock: Clock
    executor: TrackingExecutor
    handler: SocketModeHandler
    connection_open: Call  # the apps.connections.open call the handler made


class SocketSlack:
    """Slack's side: realistic payloads (SlackDriver's builders) delivered as Socket Mode envelopes."""

    def __init__(self, fake: FakeSlack, server: SocketModeServer) -> None:
        self.fake, self.server = fake, server
        self.payloads = SlackDriver(bot_url="(unused: Socket Mode)", fake=fake)

    def slash(self, command: str, text: str = "", *, user: str) -> dict[str, Any]:
        """Type a slash command; returns the app's ack."""
        form = self.payloads.command_form(command, text, user=user)
        return self.server.wait_for_ack(self.server.send_envelope("slash_commands", form))

    def submit(self, view: dict[str, Any], values: dict[str, Any], *, user: str) -> dict[str, Any]:
        """Submit a modal with ``values`` by block id; returns the app's ack."""
        payload = {
            "type": "view_submission", "team": TEAM, "user": {"id": user, "team_id": TEAM["id"]},
            "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token",
            "trigger_id": self.fake.issue_trigger_id(),
            "view": {**view, "state": {"values": state_values(view, values)}},
            "response_urls": [], "is_enterprise_install": False,
        }
        return self.server.wait_for_ack(self.server.send_envelope("interactive", payload))


@pytest.fixture(scope="module")
def socket_fake() -> Iterator[tuple[FakeSlack, SocketModeServer]]:
    with FakeSlack(token=BOT_TOKEN, app_token=APP_TOKEN) as fake, SocketModeServer() as server:
        for user, tz in USERS.items():
            fake.add_user(user, tz=tz)
        fake.socket_mode = server
        yield fake, server


@pytest.fixture(scope="module")
def socket_bot_running(
    socket_fake: tuple[FakeSlack, SocketModeServer], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SocketBot]:
    """What `followup-bot socket` runs, on a database of its own, connected without blocking."""
    fake, server = socket_fake
    database_url = f"sqlite:///{tmp_path_factory.mktemp('socket') / 'followup.db'}"
    settings = make_settings(database_url, fake.url, slack_app_token=APP_TOKEN)
    settings.require("slack_bot_token", "slack_app_token")
    runtime = build_runtime(settings)
    clock = Clock()
    runtime.clock = clock
    executor = TrackingExecutor()
    app = build_app(runtime, signing_secret=None, executor=executor)
    handler = SocketModeHandler(app, settings.secret("slack_app_token"), web_client=runtime.slack)
    try:
        handler.connect()
        server.wait_for_connection()
        [connection_open] = fake.wait_for_any("apps.connections.open")
        yield SocketBot(runtime=runtime, clock=clock, executor=executor, handler=handler,
                        connection_open=connection_open)
    finally:
        executor.wait_idle()
        handler.close()  # about 1 s: the client's message loop polls its queue once a second
        executor.shutdown(wait=True)
        runtime.db.dispose()


@pytest.fixture
def socket_bot(socket_bot_running: SocketBot, socket_fake: tuple[FakeSlack, SocketModeServer]) -> Iterator[SocketBot]:
    """The connected bot with an empty database, a quiet fake and the clock at DEFAULT_NOW."""
    bot = socket_bot_running
    bot.executor.wait_idle()
    wipe(bot.runtime.db)
    sync_directory(bot.runtime)
    socket_fake[0].reset()
    bot.clock.set(DEFAULT_NOW)
    yield bot
    bot.executor.wait_idle()


@pytest.fixture
def slack(socket_bot: SocketBot, socket_fake: tuple[FakeSlack, SocketModeServer]) -> SocketSlack:
    return SocketSlack(*socket_fake)


def test_the_bot_connects_with_the_app_token(socket_bot_running: SocketBot,
                                             socket_fake: tuple[FakeSlack, SocketModeServer]) -> None:
    _, server = socket_fake
    call = socket_bot_running.connection_open
    assert call.ok and call.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert call.response["url"].startswith(f"ws://127.0.0.1:{server.port}/link/?ticket=")
    assert socket_bot_running.handler.client.is_connected()
    # The client pings on connecting (websockets answers with a pong) and answers Slack's pings.
    server.wait_for_pings(1)
    server.ping()


def test_lead_from_slash_command_to_review_message(slack: SocketSlack, socket_bot: SocketBot) -> None:
    ack = slack.slash("/lead", "Acme Ltd", user=REP)
    assert ack == {"envelope_id": ack["envelope_id"]}  # a bare ack: the modal opens through views.open

    [opened] = slack.fake.wait_for("views.open")
    view = slack.fake.views[opened.response["view"]["id"]]
    assert view["title"]["text"] == "New lead"
    assert next(b for b in view["blocks"] if b["block_id"] == "company")["element"]["initial_value"] == "Acme Ltd"

    ack = slack.submit(view, lead_values(socket_bot), user=REP)  # type: ignore[arg-type]
    answer = ack["payload"]
    assert answer["response_action"] == "update"
    assert not validate_view(answer["view"]), "Slack would reject this view"
    [updated] = slack.fake.wait_for("views.update", predicate=lambda a: a.get("view_id") == view["id"])
    confirmation = updated.args["view"]["blocks"][0]["text"]["text"]
    assert "CL2026001" in confirmation and "Acme Ltd" in confirmation

    [review] = slack.fake.wait_for("chat.postMessage", predicate=lambda a: a["channel"] == "C0EAST")
    text = str(review.args["blocks"])
    for shown in ("CL2026001", "Acme Ltd", "Replace the ERP", REP):
        assert shown in text
    buttons = [e["text"]["text"] for b in review.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert buttons == ["Approve", "Needs info", "Reject"]


def test_someone_in_no_team_is_told_in_the_ack(slack: SocketSlack, socket_bot: SocketBot) -> None:
    ack = slack.slash("/lead", "Acme", user=STRANGER)
    assert ack["payload"] == {"text": NOT_IN_TEAM, "response_type": "ephemeral"}
    socket_bot.executor.wait_idle()
    assert not slack.fake.calls_to("views.open")


def test_app_level_and_bot_tokens_are_not_interchangeable(socket_fake: tuple[FakeSlack, SocketModeServer]) -> None:
    fake, _ = socket_fake
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=BOT_TOKEN, base_url=fake.url).apps_connections_open(app_token=BOT_TOKEN)
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as refused:
        WebClient(token=APP_TOKEN, base_url=fake.url).chat_postMessage(channel="C0EAST", text="hi")
    assert refused.value.response["error"] == "not_allowed_token_type"
    with pytest.raises(SlackApiError) as refused:
        WebClient(base_url=fake.url).apps_connections_open(app_token="xapp-someone-else")
    assert refused.value.response["error"] == "invalid_auth"


def test_a_connection_url_works_once(socket_fake: tuple[FakeSlack, SocketModeServer]) -> None:
    _, server = socket_fake
    url = server.issue_url()
    with connect(url, open_timeout=5) as first:
        assert json.loads(first.recv(timeout=5))["type"] == "hello"
    with pytest.raises(InvalidStatus) as refused:
        connect(url, open_timeout=5)
    assert refused.value.response.status_code == 401
