"""A local HTTP fake of the Slack Web API for tests.

Point ``slack_sdk.WebClient(base_url=fake.url)`` (or ``SLACK_API_URL``) at a running :class:`FakeSlack`.
It records every request, answers with payloads shaped like real Slack's and rejects what real Slack
rejects: invalid Block Kit, used/expired trigger ids, stale view hashes, and (on demand) rate limits
and server errors.

The server is a ``ThreadingHTTPServer`` on a daemon thread, modelled on slack-bolt's own
``tests/mock_web_api_server``.  All state lives behind one lock that doubles as a
``threading.Condition`` so tests can block in :meth:`FakeSlack.wait_for` without sleeping.
Time-dependent behaviour (trigger id expiry, channel token buckets) uses the injectable ``clock``
so tests can move time forward by hand.

Socket Mode: give the fake an app-level token (``FakeSlack(app_token="xapp-test")``) and a
:class:`~tests.fakeslack.socket_mode.SocketModeServer` (``fake.socket_mode = server``); then
``apps.connections.open`` with that token returns one of the server's WebSocket URLs.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from .blockkit import validate_message_blocks, validate_view

__all__ = ["APP_ID", "BOT_ID", "BOT_USER_ID", "TEAM_ID", "Call", "FakeSlack", "SocketModeEndpoint"]

TEAM_ID = "T0TEST"
BOT_USER_ID = "U0BOT"
BOT_ID = "B0BOT"
APP_ID = "A0TEST"

MAX_MESSAGE_TEXT = 40_000
MAX_VIEW_STACK = 3
_TS_BASE = 1_700_000_000

# Arguments whose values are JSON documents; form-encoded requests carry them as JSON strings.
_JSON_ARGS = ("blocks", "view", "attachments", "metadata")
_CHANNEL_RE = re.compile(r"^[CGD][A-Z0-9]+$")
_USER_RE = re.compile(r"^[UW][A-Z0-9]+$")
_RESPONSE_PATH_RE = re.compile(r"^/response/(\d+)$")
_UPLOAD_PATH_RE = re.compile(r"^/upload/(F[0-9A-Z]+)$")
# Methods that take an app-level token (xapp-...) instead of the bot token.
_APP_LEVEL_METHODS = frozenset({"apps.connections.open"})


class SocketModeEndpoint(Protocol):
    """Where ``apps.connections.open`` gets its URLs (see :mod:`tests.fakeslack.socket_mode`)."""

    def issue_url(self) -> str: ...


@dataclass(frozen=True)
class Call:
    """One request received by the fake.

    ``args`` are the decoded request arguments (JSON-valued form fields already parsed), ``headers``
    the request headers with lower-cased names, ``status`` the HTTP status returned and ``response``
    the JSON body returned (for response_url calls: ``{"ok": true}`` or ``{"ok": false, "error": ...}``).
    """

    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        """True when the call succeeded (HTTP 200 and ``"ok": true``)."""
        return self.status == 200 and self.response.get("ok") is True


class _SlackError(Exception):
    """Raised inside method handlers to answer with an error body (and optionally status/headers)."""

    def __init__(
        self, error: str, *, status: int = 200, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(error)
        self.status = status
        self.headers = headers or {}
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}


def _invalid_arguments(messages: list[str]) -> _SlackError:
    return _SlackError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]}
    )


@dataclass
class _Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    # When set, sent instead of the JSON body (response_url answers are plain text like Slack's).
    text: str | None = None


@dataclass
class _Injection:
    error: _SlackError
    remaining: int


@dataclass
class _Trigger:
    issued_at: float
    view_id: str | None
    used: bool = False


@dataclass
class _Bucket:
    tokens: float
    updated: float


def _truthy(value: Any) -> bool:
    """Interpret a boolean argument the way Slack does (form posts send "1"/"true")."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSlack


class _Handler(BaseHTTPRequestHandler):
    """Parses requests, hands them to the owning FakeSlack and writes its reply."""

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from base class
        pass  # keep test output quiet

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        self._handle()

    def _handle(self) -> None:
        fake = cast(_Server, self.server).fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        if parts.path.startswith("/api/"):
            reply = fake._handle_api(parts.path[len("/api/") :], parts.query, body, headers)
        elif (match := _RESPONSE_PATH_RE.match(parts.path)) and self.command == "POST":
            url = f"{fake.base_http_url}{parts.path}"
            reply = fake._handle_response_url(int(match.group(1)), url, body, headers)
        elif (match := _UPLOAD_PATH_RE.match(parts.path)) and self.command == "POST":
            reply = fake._handle_upload(match.group(1), body)
        else:
            reply = _Reply(404, {"ok": False, "error": "not_found"}, text="not_found")
        self._send(reply)

    def _send(self, reply: _Reply) -> None:
        if reply.text is not None:
            payload, content_type = reply.text.encode(), "text/plain; charset=utf-8"
        else:
            payload, content_type = json.dumps(reply.body).encode(), "application/json; charset=utf-8"
        self.send_response(reply.status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


def _parse_body(body: bytes, content_type_header: str) -> dict[str, Any]:
    """Decode a JSON, urlencoded or multipart body into an args dict (raises _SlackError)."""
    if not body:
        return {}
    content_type = content_type_header.split(";", 1)[0].strip().lower()
    if content_type == "application/json":
        try:
            decoded = json.loads(body)
        except ValueError:
            raise _SlackError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise _SlackError("invalid_json")
        return decoded
    if content_type == "application/x-www-form-urlencoded":
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    if content_type == "multipart/form-data":
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type_header}\r\n\r\n".encode() + body
        )
        args: dict[str, Any] = {}
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            if isinstance(name, str) and isinstance(payload, bytes):
                args[name] = payload if part.get_filename() else payload.decode("utf-8")
        return args
    raise _SlackError("invalid_form_data")


def _decode_json_args(args: dict[str, Any]) -> None:
    """Replace JSON-string values of JSON-valued args by the decoded objects, in place.

    Undecodable strings are left as strings; the method handlers then report a format error.
    """
    for key in _JSON_ARGS:
        value = args.get(key)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                args[key] = json.loads(value)


class FakeSlack:
    """Fake Slack Web API server; see the module docstring.

    Usage::

        with FakeSlack() as fake:
            client = WebClient(token="xoxb-test", base_url=fake.url)
            client.chat_postMessage(channel="C123", text="hi")
            [call] = fake.wait_for("chat.postMessage")
    """

    def __init__(
        self,
        token: str = "xoxb-test",
        clock: Callable[[], float] = time.monotonic,
        *,
        app_token: str | None = None,
    ) -> None:
        self.token = token
        #: The app-level token ``apps.connections.open`` accepts; None: the app has none.
        self.app_token = app_token
        #: The Socket Mode endpoint whose URLs ``apps.connections.open`` hands out; None: Socket
        #: Mode is off and the method fails.
        self.socket_mode: SocketModeEndpoint | None = None
        self.clock = clock
        #: Seconds after issue after which a trigger id is rejected (Slack: 3 s).
        self.trigger_ttl = 3.0
        #: Users served by users.info, by id; fill with :meth:`add_user` or directly.
        self.users: dict[str, dict[str, Any]] = {}
        #: conversations.info fields by channel id (``is_member``, ``is_archived``, ``name`` ...),
        #: over the default of a public channel the bot is in.
        self.channels: dict[str, dict[str, Any]] = {}

        self._cond = threading.Condition(threading.RLock())
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        # Counters only ever grow (not even reset()) so ids/ts stay unique for the fake's lifetime.
        self._ts_counter = 0
        self._view_counter = 0
        self._hash_counter = 0
        self._trigger_counter = 0
        self._response_counter = 0
        self._methods: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.delete": self._chat_delete,
            "views.open": self._views_open,
            "views.update": self._views_update,
            "views.push": self._views_push,
            "views.publish": self._views_publish,
            "users.info": self._users_info,
            "conversations.open": self._conversations_open,
            "conversations.info": self._conversations_info,
            "apps.connections.open": self._apps_connections_open,
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }
        self._file_counter = 0
        self._init_state()

    def _init_state(self) -> None:
        self._calls: list[Call] = []
        self._messages: dict[tuple[str, str], dict[str, Any]] = {}
        self._views: dict[str, dict[str, Any]] = {}
        self._stacks: dict[str, list[str]] = {}  # root view id -> view ids, bottom first
        self._last_root: str | None = None
        self._home_views: dict[str, dict[str, Any]] = {}
        self._triggers: dict[str, _Trigger] = {}
        self._response_urls: set[int] = set()
        self._injections: dict[str, list[_Injection]] = {}
        self._post_rate: tuple[float, int] | None = None
        self._buckets: dict[str, _Bucket] = {}
        # files_upload_v2: upload URLs handed out (file id → declared name/length and the bytes
        # received), and the files shared by files.completeUploadExternal.
        self._uploads: dict[str, dict[str, Any]] = {}
        self._files: list[dict[str, Any]] = []

    # ------------------------------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        """Bind 127.0.0.1 on a free port and serve on a daemon thread."""
        if self._server is not None:
            raise RuntimeError("FakeSlack already started")
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        # A short poll interval keeps stop() fast (shutdown waits for the next poll).
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="FakeSlack", daemon=True
        )
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Shut the server down; safe to call twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_http_url(self) -> str:
        """``http://127.0.0.1:<port>`` (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """Web API base URL with trailing slash, as ``WebClient(base_url=...)`` expects."""
        return f"{self.base_http_url}/api/"

    def reset(self) -> None:
        """Forget calls, messages, views, trigger/response urls, injected failures and rate enforcement.

        Users, the tokens, the Socket Mode endpoint, the clock and ``trigger_ttl`` are kept.
        """
        with self._cond:
            self._init_state()
            self._cond.notify_all()

    # ------------------------------------------------------------------------------------------
    # Inspection
    # ------------------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """All recorded calls in arrival order (a copy)."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        """Recorded calls of one method (successful or not)."""
        with self._cond:
            return [c for c in self._calls if c.method == method]

    @property
    def messages(self) -> dict[tuple[str, str], dict[str, Any]]:
        """Current messages keyed by ``(channel, ts)`` (a deep copy)."""
        with self._cond:
            return copy.deepcopy(self._messages)

    @property
    def views(self) -> dict[str, dict[str, Any]]:
        """Open modal views by view id (a deep copy)."""
        with self._cond:
            return copy.deepcopy(self._views)

    @property
    def files(self) -> list[dict[str, Any]]:
        """Files completed with files.completeUploadExternal, in order: ``id``, ``name``, ``title``,
        ``channel`` (None: not shared), ``initial_comment`` and ``content`` (bytes) (a deep copy)."""
        with self._cond:
            return copy.deepcopy(self._files)

    @property
    def home_views(self) -> dict[str, dict[str, Any]]:
        """Published home tabs by user id (a deep copy)."""
        with self._cond:
            return copy.deepcopy(self._home_views)

    def wait_for(
        self,
        method: str,
        *,
        count: int = 1,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Block until ``count`` successful calls of ``method`` matching ``predicate(args)`` exist.

        Returns all matching calls.  A predicate raising KeyError counts as no match.  Raises
        AssertionError listing the recorded calls when ``timeout`` (real seconds) passes first.
        """
        return self._wait(method, count, predicate, timeout, only_ok=True)

    def wait_for_any(
        self,
        method: str,
        *,
        count: int = 1,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Like :meth:`wait_for` but failed calls count too."""
        return self._wait(method, count, predicate, timeout, only_ok=False)

    def _wait(
        self,
        method: str,
        count: int,
        predicate: Callable[[dict[str, Any]], bool] | None,
        timeout: float,
        *,
        only_ok: bool,
    ) -> list[Call]:
        def matches(call: Call) -> bool:
            if call.method != method or (only_ok and not call.ok):
                return False
            if predicate is None:
                return True
            try:
                return bool(predicate(call.args))
            except KeyError:
                return False

        found: list[Call] = []

        def ready() -> bool:
            nonlocal found
            found = [c for c in self._calls if matches(c)]
            return len(found) >= count

        with self._cond:
            if self._cond.wait_for(ready, timeout=timeout):
                return found
            recorded = [
                f"{c.method}:{'ok' if c.ok else c.response.get('error', c.status)}" for c in self._calls
            ]
        kind = "successful " if only_ok else ""
        raise AssertionError(
            f"timed out after {timeout}s waiting for {count} {kind}call(s) to {method!r} "
            f"(matched {len(found)}); recorded calls: {recorded}"
        )

    # ------------------------------------------------------------------------------------------
    # Test helpers
    # ------------------------------------------------------------------------------------------

    def issue_trigger_id(self, *, view_id: str | None = None) -> str:
        """Issue a trigger id as Slack does with an interaction payload.

        ``view_id`` is the modal the interaction happened in; views.push then pushes onto its stack.
        """
        with self._cond:
            self._trigger_counter += 1
            n = self._trigger_counter
            trigger_id = f"{_TS_BASE + n}.{n:09d}.{hashlib.sha1(str(n).encode()).hexdigest()[:20]}"
            self._triggers[trigger_id] = _Trigger(issued_at=self.clock(), view_id=view_id)
            return trigger_id

    def new_response_url(self) -> str:
        """A fresh ``response_url``; POSTs to it are recorded as ``response_url`` calls."""
        with self._cond:
            self._response_counter += 1
            self._response_urls.add(self._response_counter)
            return f"{self.base_http_url}/response/{self._response_counter}"

    def dm_channel_id(self, user_id: str) -> str:
        """The stable IM channel id the fake uses for a user."""
        return f"D{user_id}"

    def add_user(
        self,
        user_id: str,
        *,
        tz: str = "Asia/Shanghai",
        locale: str = "en-US",
        deleted: bool = False,
        real_name: str | None = None,
        is_bot: bool = False,
    ) -> dict[str, Any]:
        """Register a realistic users.info user object (tz_offset from ``tz`` at the current time)."""
        now = datetime.now(ZoneInfo(tz))
        offset = now.utcoffset()
        real_name = real_name or f"User {user_id}"
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": real_name.lower().replace(" ", "."),
            "deleted": deleted,
            "color": "9f69e7",
            "real_name": real_name,
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
            "locale": locale,
            "profile": {
                "real_name": real_name,
                "display_name": real_name,
                "real_name_normalized": real_name,
                "display_name_normalized": real_name,
                "team": TEAM_ID,
            },
        }
        with self._cond:
            self.users[user_id] = user
        return user

    def close_view(self, view_id: str) -> None:
        """Simulate the user closing a modal: drop it and every view pushed above it."""
        with self._cond:
            for root, stack in list(self._stacks.items()):
                if view_id in stack:
                    for closed in stack[stack.index(view_id) :]:
                        self._views.pop(closed, None)
                    del stack[stack.index(view_id) :]
                    if not stack:
                        del self._stacks[root]
                        if self._last_root == root:
                            self._last_root = None

    # ------------------------------------------------------------------------------------------
    # Failure injection
    # ------------------------------------------------------------------------------------------

    def rate_limit(self, method: str, *, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 429 and ``Retry-After``."""
        error = _SlackError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})
        self._inject(method, error, times)

    def fail(self, method: str, *, status: int = 500, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP ``status`` (body error internal_error)."""
        self._inject(method, _SlackError("internal_error", status=status), times)

    def fail_with(self, method: str, error: str, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``method`` with HTTP 200 ``{"ok": false, "error": error}``."""
        self._inject(method, _SlackError(error), times)

    def _inject(self, method: str, error: _SlackError, times: int) -> None:
        if times < 1:
            raise ValueError("times must be >= 1")
        with self._cond:
            self._injections.setdefault(method, []).append(_Injection(error, times))

    def enforce_post_rate(self, per_second: float | None = 1.0, burst: int = 5) -> None:
        """Rate-limit chat.postMessage per channel with a token bucket on the fake's clock.

        Each channel starts with ``burst`` tokens refilled at ``per_second``; a post without a token
        gets HTTP 429 with Retry-After = whole seconds until the next token (at least 1).
        ``None`` turns enforcement off.
        """
        if per_second is not None and (per_second <= 0 or burst < 1):
            raise ValueError("per_second must be > 0 and burst >= 1")
        with self._cond:
            self._post_rate = None if per_second is None else (per_second, burst)
            self._buckets.clear()

    # ------------------------------------------------------------------------------------------
    # Request handling (called from server threads)
    # ------------------------------------------------------------------------------------------

    def _record(self, call: Call) -> None:
        self._calls.append(call)
        self._cond.notify_all()

    def _take_injection(self, method: str) -> _SlackError | None:
        queue = self._injections.get(method)
        if not queue:
            return None
        injection = queue[0]
        injection.remaining -= 1
        if injection.remaining <= 0:
            queue.pop(0)
        return injection.error

    def _handle_api(self, method: str, query: str, body: bytes, headers: dict[str, str]) -> _Reply:
        args: dict[str, Any] = dict(parse_qsl(query, keep_blank_values=True))
        with self._cond:
            try:
                try:
                    args.update(_parse_body(body, headers.get("content-type", "")))
                finally:
                    _decode_json_args(args)
                injected = self._take_injection(method)
                if injected is not None:
                    raise injected
                self._check_auth(method, args, headers)
                handler = self._methods.get(method)
                if handler is None:
                    raise _SlackError("unknown_method")
                reply = _Reply(200, handler(args))
            except _SlackError as e:
                reply = _Reply(e.status, dict(e.body), dict(e.headers))
            self._record(Call(method, args, headers, reply.status, copy.deepcopy(reply.body)))
            return reply

    def _handle_response_url(self, n: int, url: str, body: bytes, headers: dict[str, str]) -> _Reply:
        args: dict[str, Any] = {}
        with self._cond:
            try:
                if n not in self._response_urls:
                    raise _SlackError("no_service", status=404)
                try:
                    args = json.loads(body) if body else {}
                except ValueError:
                    raise _SlackError("invalid_payload", status=400) from None
                if not isinstance(args, dict):
                    args = {}
                    raise _SlackError("invalid_payload", status=400)
                _decode_json_args(args)
                injected = self._take_injection("response_url")
                if injected is not None:
                    raise injected
                if not _truthy(args.get("delete_original", False)):
                    if not args.get("text") and not args.get("blocks") and not args.get("attachments"):
                        raise _SlackError("no_text", status=400)
                    if "blocks" in args:
                        errors = validate_message_blocks(args["blocks"])
                        if errors:
                            raise _SlackError("invalid_blocks", status=400, errors=errors)
                reply = _Reply(200, {"ok": True}, text="ok")
            except _SlackError as e:
                reply = _Reply(e.status, dict(e.body), dict(e.headers), text=str(e.body["error"]))
            args = {**args, "_url": url}
            self._record(Call("response_url", args, headers, reply.status, copy.deepcopy(reply.body)))
            return reply

    def _handle_upload(self, file_id: str, body: bytes) -> _Reply:
        """The upload URL of files.getUploadURLExternal: takes the bytes once, exactly as long as declared."""
        with self._cond:
            upload = self._uploads.get(file_id)
            if upload is None or upload["content"] is not None:
                reply = _Reply(404, {"ok": False, "error": "not_found"}, text="not_found")
            elif len(body) != upload["length"]:
                reply = _Reply(400, {"ok": False, "error": "length_mismatch"}, text="length_mismatch")
            else:
                upload["content"] = body
                reply = _Reply(200, {"ok": True}, text=f"OK - {len(body)}")
            self._record(Call("files.upload", {"file_id": file_id, "length": len(body)}, {}, reply.status,
                              copy.deepcopy(reply.body)))
            return reply

    def _check_auth(self, method: str, args: dict[str, Any], headers: dict[str, str]) -> None:
        """Bot token for Web API methods, app-level token for app-level ones; the wrong kind of a
        known token gets ``not_allowed_token_type`` like real Slack."""
        token = args.get("token")
        if not token:
            auth = headers.get("authorization", "")
            if auth.lower().startswith("bearer "):
                token = auth[len("bearer ") :].strip()
        if not token:
            raise _SlackError("not_authed")
        wanted, other = self.token, self.app_token
        if method in _APP_LEVEL_METHODS:
            wanted, other = other, wanted
        if token == wanted:
            return
        if token == other:
            raise _SlackError("not_allowed_token_type")
        raise _SlackError("invalid_auth")

    # ------------------------------------------------------------------------------------------
    # Shared helpers for method handlers (lock held)
    # ------------------------------------------------------------------------------------------

    def _next_ts(self) -> str:
        self._ts_counter += 1
        n = self._ts_counter
        return f"{_TS_BASE + n // 10_000}.{(n % 10_000) * 100:06d}"

    def _resolve_channel(self, channel: Any) -> str:
        """Channel id to post in: C/G/D ids as-is, user ids map to their IM channel."""
        if isinstance(channel, str):
            if _CHANNEL_RE.match(channel):
                return channel
            if _USER_RE.match(channel):
                return self.dm_channel_id(channel)
        raise _SlackError("channel_not_found")

    def _message_content(self, args: dict[str, Any], *, required: bool = True) -> None:
        """Check text/blocks limits and Block Kit validity of a message-like call."""
        text = args.get("text")
        blocks = args.get("blocks")
        if required and not text and not blocks and not args.get("attachments"):
            raise _SlackError("no_text")
        if text is not None and len(str(text)) > MAX_MESSAGE_TEXT:
            raise _SlackError("msg_too_long")
        if blocks is None:
            return
        if isinstance(blocks, str):  # a JSON string we could not decode
            raise _SlackError("invalid_blocks_format")
        errors = validate_message_blocks(blocks)
        if errors:
            raise _SlackError(
                "invalid_blocks",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )

    def _require(self, args: dict[str, Any], *names: str) -> None:
        missing = [n for n in names if args.get(n) in (None, "")]
        if missing:
            raise _invalid_arguments([f"missing required field: {n}" for n in missing])

    def _take_post_token(self, channel: str) -> None:
        if self._post_rate is None:
            return
        per_second, burst = self._post_rate
        now = self.clock()
        bucket = self._buckets.get(channel)
        if bucket is None:
            bucket = self._buckets[channel] = _Bucket(tokens=float(burst), updated=now)
        else:
            bucket.tokens = min(float(burst), bucket.tokens + max(0.0, now - bucket.updated) * per_second)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return
        retry_after = max(1, math.ceil((1.0 - bucket.tokens) / per_second))
        raise _SlackError("ratelimited", status=429, headers={"Retry-After": str(retry_after)})

    def _use_trigger(self, args: dict[str, Any], *, consume: bool) -> _Trigger:
        """Check (and optionally consume) the request's trigger_id."""
        self._require(args, "trigger_id")
        trigger = self._triggers.get(str(args["trigger_id"]))
        if trigger is None:
            raise _SlackError("invalid_trigger_id")
        if trigger.used or self.clock() - trigger.issued_at >= self.trigger_ttl:
            raise _SlackError("expired_trigger_id")
        if consume:
            trigger.used = True
        return trigger

    def _parse_view(self, args: dict[str, Any], *, expected_type: str | None) -> dict[str, Any]:
        self._require(args, "view")
        view = args["view"]
        if not isinstance(view, dict):
            raise _invalid_arguments(["failed to parse view: must be a JSON object"])
        errors = validate_view(view)
        if not errors and expected_type is not None and view.get("type") != expected_type:
            errors = [f"type: must be {expected_type}"]
        if errors:
            raise _invalid_arguments(errors)
        return view

    def _new_hash(self) -> str:
        self._hash_counter += 1
        n = self._hash_counter
        return f"{_TS_BASE + n}.{hashlib.sha1(f'hash{n}'.encode()).hexdigest()[:8]}"

    def _check_external_id(self, view: dict[str, Any], own_id: str | None) -> None:
        external_id = view.get("external_id")
        if not external_id:
            return
        for view_id, stored in self._views.items():
            if view_id != own_id and stored.get("external_id") == external_id:
                raise _SlackError("duplicate_external_id")

    def _build_view(
        self,
        view: dict[str, Any],
        *,
        view_id: str | None,
        root_view_id: str | None,
        previous_view_id: str | None,
        state: dict[str, Any] | None = None,
        external_id: str = "",
    ) -> dict[str, Any]:
        if view_id is None:
            self._view_counter += 1
            view_id = f"V{self._view_counter:08d}"
        record: dict[str, Any] = {
            "id": view_id,
            "team_id": TEAM_ID,
            "type": view["type"],
            "blocks": copy.deepcopy(view.get("blocks", [])),
            "private_metadata": view.get("private_metadata") or "",
            "callback_id": view.get("callback_id") or "",
            "external_id": view.get("external_id") or external_id,
            "state": state if state is not None else {"values": {}},
            "hash": self._new_hash(),
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "root_view_id": root_view_id or view_id,
            "previous_view_id": previous_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }
        for key in ("title", "submit", "close"):
            record[key] = copy.deepcopy(view.get(key))
        return record

    # ------------------------------------------------------------------------------------------
    # Web API methods (lock held; return the ok body or raise _SlackError)
    # ------------------------------------------------------------------------------------------

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake-team.slack.com/",
            "team": "Fake Team",
            "user": "fakebot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _chat_post_message(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = self._resolve_channel(args.get("channel"))
        self._take_post_token(channel)
        self._message_content(args)
        ts = self._next_ts()
        message: dict[str, Any] = {
            "type": "message",
            "text": str(args.get("text") or ""),
            "user": BOT_USER_ID,
            "bot_id": BOT_ID,
            "app_id": APP_ID,
            "team": TEAM_ID,
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in args:
                message[key] = copy.deepcopy(args[key])
        self._messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel", "ts")
        channel, ts = str(args["channel"]), str(args["ts"])
        message = self._messages.get((channel, ts))
        if message is None:
            raise _SlackError("message_not_found")
        self._message_content(args)
        # Like Slack, fields that are not passed keep their previous value.
        if "text" in args:
            message["text"] = str(args["text"] or "")
        for key in ("blocks", "attachments", "metadata"):
            if key in args:
                message[key] = copy.deepcopy(args[key])
        message["edited"] = {"user": BOT_USER_ID, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message["text"],
            "message": copy.deepcopy(message),
        }

    def _chat_post_ephemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        self._resolve_channel(args.get("channel"))
        if not args.get("user"):
            raise _SlackError("user_not_found")
        self._message_content(args)
        return {"ok": True, "message_ts": self._next_ts()}

    def _chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "channel", "ts")
        channel, ts = str(args["channel"]), str(args["ts"])
        if self._messages.pop((channel, ts), None) is None:
            raise _SlackError("message_not_found")
        return {"ok": True, "channel": channel, "ts": ts}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        self._use_trigger(args, consume=False)
        view = self._parse_view(args, expected_type="modal")
        self._check_external_id(view, None)
        self._use_trigger(args, consume=True)
        record = self._build_view(view, view_id=None, root_view_id=None, previous_view_id=None)
        self._views[record["id"]] = record
        self._stacks[record["id"]] = [record["id"]]
        self._last_root = record["id"]
        return {"ok": True, "view": copy.deepcopy(record)}

    def _views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        trigger = self._use_trigger(args, consume=False)
        view = self._parse_view(args, expected_type="modal")
        self._check_external_id(view, None)
        # Push onto the stack the interaction came from, else the most recently opened one.
        root: str | None = None
        if trigger.view_id is not None:
            root = next((r for r, s in self._stacks.items() if trigger.view_id in s), None)
        elif self._last_root in self._stacks:
            root = self._last_root
        stack = self._stacks.get(root, []) if root is not None else []
        if len(stack) >= MAX_VIEW_STACK:
            raise _SlackError("push_limit_reached")
        self._use_trigger(args, consume=True)
        record = self._build_view(
            view,
            view_id=None,
            root_view_id=stack[0] if stack else None,
            previous_view_id=stack[-1] if stack else None,
        )
        self._views[record["id"]] = record
        if stack:
            stack.append(record["id"])
        else:
            self._stacks[record["id"]] = [record["id"]]
            self._last_root = record["id"]
        return {"ok": True, "view": copy.deepcopy(record)}

    def _views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id, external_id = args.get("view_id"), args.get("external_id")
        if not view_id and not external_id:
            raise _invalid_arguments(["missing required field: view_id or external_id"])
        current: dict[str, Any] | None
        if view_id:
            current = self._views.get(str(view_id)) or next(
                (v for v in self._home_views.values() if v["id"] == view_id), None
            )
        else:
            current = next((v for v in self._views.values() if v["external_id"] == external_id), None)
        if current is None:
            raise _SlackError("not_found")
        if args.get("hash") and args["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        view = self._parse_view(args, expected_type=current["type"])
        self._check_external_id(view, current["id"])
        # Keep input state only for blocks that survive the update.
        block_ids = {b.get("block_id") for b in view.get("blocks", [])}
        values = {k: v for k, v in current["state"].get("values", {}).items() if k in block_ids}
        record = self._build_view(
            view,
            view_id=current["id"],
            root_view_id=current["root_view_id"],
            previous_view_id=current["previous_view_id"],
            state={"values": values},
            external_id=current["external_id"],
        )
        if current["type"] == "home":
            user_id = next(u for u, v in self._home_views.items() if v["id"] == current["id"])
            self._home_views[user_id] = record
        else:
            self._views[current["id"]] = record
        return {"ok": True, "view": copy.deepcopy(record)}

    def _views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "user_id")
        user_id = str(args["user_id"])
        current = self._home_views.get(user_id)
        if args.get("hash") and (current is None or args["hash"] != current["hash"]):
            raise _SlackError("hash_conflict")
        view = self._parse_view(args, expected_type="home")
        record = self._build_view(
            view,
            view_id=current["id"] if current else None,
            root_view_id=None,
            previous_view_id=None,
        )
        self._home_views[user_id] = record
        return {"ok": True, "view": copy.deepcopy(record)}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("user", "")))
        if user is None:
            raise _SlackError("user_not_found")
        user = copy.deepcopy(user)
        if not _truthy(args.get("include_locale", False)):
            user.pop("locale", None)
        return {"ok": True, "user": user}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        raw = args.get("users")
        users = raw if isinstance(raw, list) else [u.strip() for u in str(raw or "").split(",") if u.strip()]
        if not users:
            if args.get("channel"):
                return {"ok": True, "channel": {"id": self._resolve_channel(args["channel"])}}
            raise _SlackError("users_list_not_supplied")
        if not all(isinstance(u, str) and _USER_RE.match(u) for u in users):
            raise _SlackError("user_not_found")
        if len(users) == 1:
            return {
                "ok": True,
                "channel": {"id": self.dm_channel_id(users[0]), "is_im": True, "user": users[0]},
            }
        if len(users) > 8:
            raise _SlackError("too_many_users")
        digest = hashlib.sha1(",".join(sorted(users)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "channel": {"id": f"G{digest}", "is_mpim": True}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not isinstance(channel, str) or not _CHANNEL_RE.match(channel):
            raise _SlackError("channel_not_found")
        info: dict[str, Any] = {"id": channel, "is_member": True}
        if channel.startswith("D"):
            info.update(is_im=True, user=channel[1:])
        else:
            info.update(
                name=f"channel-{channel.lower()}",
                is_channel=channel.startswith("C"),
                is_private=channel.startswith("G"),
            )
        info.update(self.channels.get(channel, {}))
        return {"ok": True, "channel": info}

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "filename", "length")
        try:
            length = int(args["length"])
        except (TypeError, ValueError):
            raise _invalid_arguments(["length must be an integer"]) from None
        if length < 1:
            raise _SlackError("invalid_length")
        self._file_counter += 1
        file_id = f"F{self._file_counter:08d}"
        self._uploads[file_id] = {"filename": str(args["filename"]), "length": length, "content": None}
        return {"ok": True, "upload_url": f"{self.base_http_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        self._require(args, "files")
        try:
            files = json.loads(args["files"]) if isinstance(args["files"], str) else args["files"]
        except ValueError:
            raise _invalid_arguments(["files must be a JSON array"]) from None
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
            raise _invalid_arguments(["files must be a JSON array of objects with an id"])
        channel = args.get("channel_id") or None
        if args.get("channels"):
            raise _invalid_arguments(["channels is not supported by the fake: use channel_id"])
        if channel is not None and not (isinstance(channel, str) and _CHANNEL_RE.match(channel)):
            raise _SlackError("invalid_channel")  # a user id is not a channel: open the DM first
        uploads = []
        for item in files:
            upload = self._uploads.get(str(item["id"]))
            if upload is None:
                raise _SlackError("file_not_found")
            if upload["content"] is None:
                raise _SlackError("file_upload_not_complete")
            uploads.append((str(item["id"]), item, upload))
        shared = []
        for file_id, item, upload in uploads:
            del self._uploads[file_id]
            record = {"id": file_id, "name": upload["filename"], "title": item.get("title") or upload["filename"],
                      "channel": channel, "initial_comment": args.get("initial_comment") or None,
                      "content": upload["content"]}
            self._files.append(record)
            shared.append({"id": file_id, "name": record["name"], "title": record["title"],
                           "size": len(upload["content"])})
        return {"ok": True, "files": shared}

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode is None:
            # The fake's own error: real Slack has no Socket Mode app without an endpoint.
            raise _SlackError("socket_mode_not_enabled")
        return {"ok": True, "url": self.socket_mode.issue_url()}
