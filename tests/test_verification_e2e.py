"""Nothing of a request is used before its signature is verified.

An unsigned, wrongly signed, stale or malformed request (whatever its ``X-Slack-Request-Timestamp``
and ``X-Slack-Signature`` hold, or lack) gets 401 and nothing else: no listener, no error handler,
no delivery claim, no row, no call to Slack, and above all no request to the ``response_url`` its
unverified body names (which would let anyone make the bot send requests to an address of their
choosing). The bodies below point their ``response_url`` at a listener of the test's own.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.views import ids
from storage.models import Base, ProcessedRequest
from tests.conftest import Bot
from tests.slackdriver import TEAM, SlackDriver, sign

REP, SUPERVISOR = "U0REP1", "U0SUPEAST"


class Listener:
    """A tiny HTTP server on 127.0.0.1 recording every request that reaches it."""

    def __init__(self) -> None:
        self.hits: list[tuple[str, str, bytes]] = []
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from base class
                pass

            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                hits.append((self.command, self.path, self.rfile.read(length)))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_GET = do_POST = do_PUT = _record  # noqa: N815 - http.server naming

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="response-url-listener", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T0TEST/B0RESPOND/secret"


@pytest.fixture
def listener() -> Iterator[Listener]:
    listening = Listener()
    listening.thread.start()
    yield listening
    listening.server.shutdown()
    listening.server.server_close()


# Realistic bodies, each naming the listener as where to answer -----------------------------------

def slash_command(response_url: str) -> tuple[str, str]:
    form = {
        "token": "legacy-verification-token", "team_id": TEAM["id"], "team_domain": TEAM["domain"],
        "channel_id": "C0GENERAL", "channel_name": "general", "user_id": REP, "user_name": "u0rep1",
        "command": "/lead", "text": "Acme Ltd", "api_app_id": "A0FOLLOWUP", "is_enterprise_install": "false",
        "response_url": response_url, "trigger_id": "1337.42.forged-trigger",
    }
    return urllib.parse.urlencode(form), "application/x-www-form-urlencoded"


def block_action(response_url: str) -> tuple[str, str]:
    payload = {
        "type": "block_actions", "team": TEAM, "user": {"id": SUPERVISOR, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token",
        "container": {"type": "message", "message_ts": "1700000000.000100", "channel_id": "C0EAST",
                      "is_ephemeral": False},
        "trigger_id": "1337.43.forged-trigger", "channel": {"id": "C0EAST"},
        "message": {"type": "message", "ts": "1700000000.000100", "blocks": []},
        "response_url": response_url,
        "actions": [{"type": "button", "action_id": ids.APPROVE, "block_id": "decision",
                     "value": "not-a-number", "action_ts": "1700000001.000200"}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


def view_submission(response_url: str) -> tuple[str, str]:
    values = {"company": "Acme Ltd", "industry": "Manufacturing", "contact_name": "Wang Wei",
              "phone": "+86 138 0013 8000", "need": "ERP"}
    view = {
        "id": "V0FORGED", "team_id": TEAM["id"], "type": "modal", "callback_id": ids.LEAD_VIEW,
        "private_metadata": "{not json", "title": {"type": "plain_text", "text": "New lead"},
        "blocks": [], "hash": "1700000000.abcdef",
        "state": {"values": {field: {field: {"type": "plain_text_input", "value": value}}
                             for field, value in values.items()}},
    }
    payload = {
        "type": "view_submission", "team": TEAM, "user": {"id": REP, "team_id": TEAM["id"]},
        "api_app_id": "A0FOLLOWUP", "token": "legacy-verification-token", "trigger_id": "1337.44.forged-trigger",
        "view": view, "is_enterprise_install": False,
        "response_urls": [{"block_id": "company", "action_id": "company", "channel_id": "C0GENERAL",
                           "response_url": response_url}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"


BODIES = [pytest.param(slash_command, id="slash-command"), pytest.param(block_action, id="block-action"),
          pytest.param(view_submission, id="view-submission")]


def _signed_with(timestamp: str) -> Callable[[str], dict[str, str]]:
    """Headers signed with our own secret over ``timestamp`` as given (so only the timestamp is wrong)."""

    def headers(body: str) -> dict[str, str]:
        return sign(body, timestamp=timestamp)

    return headers


def _without(name: str) -> Callable[[str], dict[str, str]]:
    def headers(body: str) -> dict[str, str]:
        return {key: value for key, value in sign(body).items() if key != name}

    return headers


HEADERS = [
    pytest.param(lambda body: {}, id="unsigned"),
    pytest.param(lambda body: sign(body, secret="not-our-secret"), id="wrong-secret"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Signature": "v0=" + "0" * 64}, id="wrong-signature"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Signature": "garbage"}, id="malformed-signature"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Signature": ""}, id="empty-signature"),
    pytest.param(lambda body: sign(body, timestamp=int(time.time()) - 600), id="stale"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": "abc"}, id="timestamp-abc"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": ""}, id="timestamp-empty"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": "1e9"}, id="timestamp-1e9"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": "-1"}, id="timestamp-minus-1"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": "1" + "0" * 30}, id="timestamp-huge"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": "9" * 5000}, id="timestamp-5000-digits"),
    pytest.param(lambda body: {**sign(body), "X-Slack-Request-Timestamp": f"{time.time():.3f}"},
                 id="timestamp-fractional"),
    pytest.param(_signed_with("abc"), id="signed-over-abc"),
    pytest.param(_signed_with(""), id="signed-over-empty"),
    pytest.param(_signed_with("1e9"), id="signed-over-1e9"),
    pytest.param(_signed_with("-1"), id="signed-over-minus-1"),
    pytest.param(_signed_with("9" * 5000), id="signed-over-5000-digits"),
    pytest.param(_without("X-Slack-Request-Timestamp"), id="no-timestamp"),
    pytest.param(_without("X-Slack-Signature"), id="no-signature"),
]


def row_counts(bot: Bot) -> dict[str, int]:
    with bot.db.read() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


@pytest.mark.parametrize("headers", HEADERS)
@pytest.mark.parametrize("make_body", BODIES)
def test_an_unverifiable_request_gets_401_and_nothing_else(
    slack: SlackDriver, bot: Bot, listener: Listener, make_body: Callable[[str], tuple[str, str]],
    headers: Callable[[str], dict[str, str]],
) -> None:
    before = row_counts(bot)
    assert before["processed_requests"] == 0
    body, content_type = make_body(listener.url)

    reply = slack.post(body, content_type, headers=headers(body), signed=False)

    assert reply.status == 401, reply
    bot.executor.wait_idle()
    time.sleep(0.05)  # anything the bot might still send on its own has had its chance
    assert listener.hits == []
    assert slack.fake.calls == []
    assert row_counts(bot) == before


@pytest.mark.parametrize("make_body", BODIES)
def test_the_same_bodies_signed_are_handled(
    slack: SlackDriver, bot: Bot, listener: Listener, make_body: Callable[[str], tuple[str, str]],
) -> None:
    """The control: signed, the very same bytes reach the bot and claim their delivery (so a 401 above
    is the signature's doing, not the body's)."""
    body, content_type = make_body(listener.url)

    reply = slack.post(body, content_type)

    assert reply.status != 401, reply
    bot.executor.wait_idle()
    with bot.db.read() as session:
        assert session.scalar(select(func.count()).select_from(ProcessedRequest)) == 1
