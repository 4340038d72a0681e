"""The answer goes back to Slack the moment a listener acknowledges, not at the next poll.

Bolt runs a listener on its executor and polls for its ``ack()`` every 10 ms, so an answer given
1 ms into the listener waits up to 10 ms more. ``PromptListenerRunner`` waits on an event that
``SignalingAck`` sets instead; everything else (errors, auto-acknowledged events, lazy listeners,
``process_before_response``) is Bolt's own code path.

``SignalingAck`` also runs one callback in the listener's thread right after the answer is set and
before the listener goes on (``ExactlyOnceApp`` remembers the answer there), so what the listener
writes after its answer can never delay that answer.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_bolt.context.ack import Ack
from slack_bolt.listener import Listener
from slack_bolt.listener.thread_runner import ThreadListenerRunner
from slack_bolt.logger.messages import warning_did_not_call_ack
from slack_bolt.request import BoltRequest
from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)


class SignalingAck(Ack):
    """Bolt's ``ack`` that wakes whoever waits for the answer, after ``on_answer`` has run.

    ``remembered`` tells whether ``on_answer`` succeeded; a failure is logged, never raised into
    the listener, and leaves the remembering to the caller.
    """

    def __init__(self, on_answer: Callable[[BoltResponse], None] | None = None,
                 on_done: Callable[[], None] | None = None) -> None:
        self.given = threading.Event()
        self.remembered = False
        self.on_done = on_done
        self._on_answer = on_answer
        self._response: BoltResponse | None = None
        super().__init__()

    @property  # type: ignore[override]
    def response(self) -> BoltResponse | None:
        return self._response

    @response.setter
    def response(self, value: BoltResponse | None) -> None:
        self._response = value
        if value is None or self.given.is_set():
            return
        if self._on_answer is not None:
            try:
                self._on_answer(value)
                self.remembered = True
            except Exception:
                log.warning("could not remember an answer as it was given", exc_info=True)
        self.given.set()


class PromptListenerRunner(ThreadListenerRunner):
    """Bolt's thread runner, answering as soon as the listener calls ``ack()``."""

    @classmethod
    def replacing(cls, runner: ThreadListenerRunner) -> PromptListenerRunner:
        return cls(logger=runner.logger, process_before_response=runner.process_before_response,
                   listener_error_handler=runner.listener_error_handler,
                   listener_start_handler=runner.listener_start_handler,
                   listener_completion_handler=runner.listener_completion_handler,
                   listener_executor=runner.listener_executor, lazy_listener_runner=runner.lazy_listener_runner)

    def run(self, request: BoltRequest, response: BoltResponse, listener_name: str, listener: Listener,
            starting_time: float | None = None) -> BoltResponse | None:
        ack = request.context.ack
        ordinary = not (self.process_before_response or listener.auto_acknowledgement or request.lazy_only
                        or listener.lazy_functions)
        if not ordinary or not isinstance(ack, SignalingAck):
            return super().run(request, response, listener_name, listener, starting_time)
        starting_time = starting_time if starting_time is not None else time.time()
        self.listener_executor.submit(self._run_listener, request, response, listener)
        ack.given.wait(timeout=max(0.0, listener.ack_timeout - (time.time() - starting_time)))
        if ack.response is None:
            self.logger.warning(warning_did_not_call_ack(listener_name))
            return None
        return ack.response

    def _run_listener(self, request: BoltRequest, response: BoltResponse | None, listener: Listener) -> None:
        """Bolt's own error handling for a listener that acknowledges itself."""
        ack = request.context.ack
        if isinstance(ack, SignalingAck) and ack.on_done is not None:
            ack.on_done()  # a pooled thread starts each listener afresh
        try:
            self.listener_start_handler.handle(request=request, response=response)
            listener.run_ack_function(request=request, response=response)  # type: ignore[arg-type]  # as Bolt does
        except Exception as error:
            if response is None:
                response = BoltResponse(status=500)
            response.status = 500
            if ack.response is not None:  # already acknowledged
                response = None
            self.listener_error_handler.handle(error=error, request=request, response=response)
            ack.response = response
        finally:
            self.listener_completion_handler.handle(request=request, response=response)
            if isinstance(ack, SignalingAck) and ack.on_done is not None:
                ack.on_done()
