"""A local fake of Slack's side of Socket Mode for tests.

Slack hands a Socket Mode app a one-time WebSocket URL from ``apps.connections.open``; the app
connects there, Slack greets it with a ``hello`` message and then delivers every slash command,
interaction and event as an *envelope*::

    {"envelope_id": "...", "type": "slash_commands", "payload": {...}, "accepts_response_payload": true}

which the app acknowledges on the same socket with ``{"envelope_id": "...", "payload": {...}}``.

:class:`SocketModeServer` plays that part on 127.0.0.1 with the ``websockets`` library's threaded
server.  Attach it to a :class:`~tests.fakeslack.server.FakeSlack` (``fake.socket_mode = server``) so
that ``apps.connections.open`` returns one of its URLs (``ws://``: slack_sdk's built-in client speaks
plain WebSocket to any port but 443).  Tests push envelopes with :meth:`SocketModeServer.send_envelope`
and block on the acknowledgement with :meth:`SocketModeServer.wait_for_ack`; waiting uses a
``threading.Condition``, never sleeps.  Pings from the app are answered with pongs by ``websockets``
itself (and counted); :meth:`SocketModeServer.ping` checks that the app answers Slack's pings.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from http import HTTPStatus
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qsl, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from .server import APP_ID

__all__ = ["SocketModeServer"]

_LINK_PATH = "/link/"


class _Connection(ServerConnection):
    """A server connection that reports the pings it receives (websockets answers them itself)."""

    on_ping: ClassVar[Callable[[], None]]

    def process_event(self, event: Any) -> None:
        super().process_event(event)
        if isinstance(event, Frame) and event.opcode is Opcode.PING:
            type(self).on_ping()


class SocketModeServer:
    """Slack's Socket Mode endpoint on 127.0.0.1; see the module docstring.

    Usage::

        with SocketModeServer() as server:
            fake.socket_mode = server
            handler = SocketModeHandler(app, "xapp-test", web_client=client)
            handler.connect()
            envelope_id = server.send_envelope("slash_commands", form)
            ack = server.wait_for_ack(envelope_id)
            handler.close()
    """

    def __init__(self, *, app_id: str = APP_ID, ping_interval: float | None = 0.1) -> None:
        self.app_id = app_id
        #: Seconds between the server's keepalive pings (None: none).  Slack pings every few
        #: seconds; the fake pings often because each ping also wakes slack_sdk's built-in client
        #: from its blocking read (3 s socket timeout), which ``SocketModeHandler.close()`` would
        #: otherwise wait out.
        self.ping_interval = ping_interval
        self._cond = threading.Condition()
        self._server: Server | None = None
        self._thread: threading.Thread | None = None
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._connected = 0
        self._received: list[dict[str, Any]] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._pings = 0

    # ------------------------------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------------------------------

    def start(self) -> SocketModeServer:
        """Bind 127.0.0.1 on a free port and serve on a daemon thread."""
        if self._server is not None:
            raise RuntimeError("SocketModeServer already started")
        connection_class = type("_OwnedConnection", (_Connection,), {"on_ping": staticmethod(self._count_ping)})
        server = serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            create_connection=connection_class,
            compression=None,
            ping_interval=self.ping_interval,
            ping_timeout=5,
            close_timeout=1,
        )
        thread = threading.Thread(target=server.serve_forever, name="FakeSlackSocketMode", daemon=True)
        thread.start()
        self._server, self._thread = server, thread
        return self

    def stop(self) -> None:
        """Close open connections (code 1001, as Slack does when it goes away) and stop; safe twice."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> SocketModeServer:
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
            raise RuntimeError("SocketModeServer is not started")
        return int(self._server.socket.getsockname()[1])

    def issue_url(self) -> str:
        """A fresh one-time connection URL, as ``apps.connections.open`` returns.

        The ticket in it is good for a single connection; any other is refused with HTTP 401.
        """
        ticket = str(uuid.uuid4())
        with self._cond:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}{_LINK_PATH}?ticket={ticket}&app_id={self.app_id}"

    # ------------------------------------------------------------------------------------------
    # Driving the app
    # ------------------------------------------------------------------------------------------

    def send_envelope(
        self,
        type: str,  # noqa: A002 - Slack's field name
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5.0,
    ) -> str:
        """Deliver ``payload`` as an envelope of ``type`` to the newest connection; returns its id.

        ``type`` is ``slash_commands``, ``interactive`` or ``events_api``.  ``accepts_response_payload``
        defaults to true except for ``events_api``, whose envelopes also carry the retry fields.
        Waits up to ``timeout`` seconds for a connection to be open.
        """
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": type, "payload": payload}
        if accepts_response_payload is None:
            accepts_response_payload = type != "events_api"
        envelope["accepts_response_payload"] = accepts_response_payload
        if type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        self._current_connection(timeout).send(json.dumps(envelope))
        return envelope_id

    def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> dict[str, Any]:
        """Block until the app acknowledges ``envelope_id``; returns the ack (``envelope_id``, ``payload``?).

        Raises AssertionError listing what the app did send when ``timeout`` seconds pass first.
        """
        with self._cond:
            if self._cond.wait_for(lambda: envelope_id in self._acks, timeout=timeout):
                return dict(self._acks[envelope_id])
            received = list(self._received)
        raise AssertionError(f"no ack for envelope {envelope_id} within {timeout}s; the app sent: {received}")

    def wait_for_connection(self, timeout: float = 5.0) -> None:
        """Block until an app connection is open (``hello`` already sent)."""
        self._current_connection(timeout)

    def ping(self, timeout: float = 5.0) -> None:
        """Ping the app like Slack does and wait for its pong (AssertionError when none comes)."""
        if not self._current_connection(timeout).ping().wait(timeout):
            raise AssertionError(f"the app did not answer a ping within {timeout}s")

    def wait_for_pings(self, count: int = 1, timeout: float = 5.0) -> None:
        """Block until the app has sent ``count`` pings (each answered with a pong)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._pings >= count, timeout=timeout):
                raise AssertionError(f"the app sent {self._pings} ping(s) within {timeout}s, expected {count}")

    # ------------------------------------------------------------------------------------------
    # Inspection
    # ------------------------------------------------------------------------------------------

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every JSON message the app sent, in arrival order (a copy)."""
        with self._cond:
            return list(self._received)

    @property
    def connection_count(self) -> int:
        """Connections opened so far (including closed ones)."""
        with self._cond:
            return self._connected

    @property
    def open_connections(self) -> int:
        with self._cond:
            return len(self._connections)

    # ------------------------------------------------------------------------------------------
    # Server side (websockets threads)
    # ------------------------------------------------------------------------------------------

    def _current_connection(self, timeout: float) -> ServerConnection:
        with self._cond:
            if not self._cond.wait_for(lambda: bool(self._connections), timeout=timeout):
                raise AssertionError(f"no Socket Mode connection open within {timeout}s")
            return self._connections[-1]

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        parts = urlsplit(request.path)
        ticket = dict(parse_qsl(parts.query)).get("ticket", "")
        with self._cond:
            if parts.path == _LINK_PATH and ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid_ticket\n")

    def _serve(self, connection: ServerConnection) -> None:
        try:
            with self._cond:
                self._connected += 1
                count, open_now = self._connected, len(self._connections) + 1
            connection.send(json.dumps({
                "type": "hello",
                "num_connections": open_now,
                "debug_info": {"host": f"applink-fake-{count}", "build_number": 1,
                               "approximate_connection_time": 18060},
                "connection_info": {"app_id": self.app_id},
            }))
            # Registered only after hello so that no envelope can overtake it.
            with self._cond:
                self._connections.append(connection)
                self._cond.notify_all()
            for raw in connection:
                self._on_message(raw)
        except ConnectionClosed:
            pass  # the app went away (handler.close() drops the socket without a close frame)
        finally:
            with self._cond:
                if connection in self._connections:
                    self._connections.remove(connection)
                self._cond.notify_all()

    def _on_message(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            message = {"unparsed": raw if isinstance(raw, str) else raw.decode("utf-8", "replace")}
        with self._cond:
            self._received.append(message)
            if isinstance(message, dict) and isinstance(message.get("envelope_id"), str):
                self._acks.setdefault(message["envelope_id"], message)
            self._cond.notify_all()

    def _count_ping(self) -> None:
        with self._cond:
            self._pings += 1
            self._cond.notify_all()
