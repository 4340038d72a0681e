"""Answers first: work that follows an answer waits while other requests still wait for theirs.

Slack gives every request 3 seconds and the user is looking at a spinner meanwhile; what a
listener does after its ``ack()`` (storing a lead, logging a quick entry, delivering messages,
refreshing a profile) has no such deadline. In one process those share one interpreter lock, so
under a burst the work after earlier answers slowed the answers to later requests: the New lead
path answered at about a quarter of the rate its answering part alone allows.

``AnswersFirst`` counts the requests waiting for their answer (``awaiting_answer``, around the
dispatch of each request). Work after an answer is handed to ``later(job)``: it runs at once when
nobody is waiting; otherwise it queues, and the queue's threads start a job when the last waiting
request has its answer, or when the job has waited ``max_wait`` (a steady stream of requests
delays the work, never starves it). The queue is bounded: beyond ``max_queued`` jobs the work runs
in the listener's thread as before, so a long overload runs at the process's full capacity rather
than piling up. What is handed over is only work the user was told is on its way ("Saving…"); a
listener that has to open a modal (a ``trigger_id`` lives 3 seconds) opens it before.

On a graceful stop ``finish()`` runs what is queued without waiting. A job is code in memory: a
process killed outright loses the queued jobs along with the work in flight, as a killed listener
thread would; the use cases keep their idempotency keys, so what the user repeats is stored once.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

# A burst delays work after its answers by at most this long.
MAX_WAIT_SECONDS = 2.0
# Jobs queued at most; beyond, the work runs in the listener's thread.
MAX_QUEUED = 2_000
# Threads running the queued jobs (they mostly wait on Slack and the database, like listeners).
WORKERS = 16


class AnswersFirst:
    def __init__(self, *, max_wait: float = MAX_WAIT_SECONDS, max_queued: int = MAX_QUEUED,
                 workers: int = WORKERS) -> None:
        self.max_wait = max_wait
        self.max_queued = max_queued
        self._workers = workers
        self._cond = threading.Condition()
        self._awaiting = 0
        self._jobs: list[tuple[float, int, Callable[[], object]]] = []  # a heap by deadline, then arrival
        self._arrivals = itertools.count()
        self._running = 0
        self._threads: list[threading.Thread] = []
        self._finishing = False
        self._local = threading.local()

    @contextmanager
    def awaiting_answer(self) -> Iterator[None]:
        """Around the part of a request that Slack waits for (until its answer is given)."""
        with self._cond:
            self._awaiting += 1
        try:
            yield
        finally:
            with self._cond:
                self._awaiting -= 1
                if self._awaiting == 0:
                    self._cond.notify_all()

    @property
    def queued(self) -> int:
        return len(self._jobs)

    def later(self, job: Callable[[], object], *, max_wait: float | None = None) -> None:
        """Run ``job`` once the requests waiting now have their answers (at most ``max_wait`` from now,
        the queue's own bound unless the job needs less: one that may open a modal must run while
        its ``trigger_id`` lives).

        Called from a job (work after an answer handing on more of it), the job runs at once."""
        in_job = getattr(self._local, "in_job", False)
        with self._cond:
            queue = (not in_job and (self._awaiting > 0 or bool(self._jobs)) and len(self._jobs) < self.max_queued
                     and not self._finishing)
            if queue:
                wait = self.max_wait if max_wait is None else min(max_wait, self.max_wait)
                heapq.heappush(self._jobs, (time.monotonic() + wait, next(self._arrivals), job))
                if len(self._threads) < min(self._workers, len(self._jobs) + self._running):
                    self._start_worker()
                self._cond.notify_all()
        if not queue:
            self._run(job)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until nothing is queued or running (tests wait for the bot to finish); False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._jobs and not self._running, timeout)

    def finish(self, timeout: float = 30.0) -> None:
        """Run what is queued without waiting for answers, then stop the threads (a graceful stop)."""
        with self._cond:
            self._finishing = True
            self._cond.notify_all()
            threads = list(self._threads)
        give_up = time.monotonic() + timeout
        for thread in threads:
            thread.join(timeout=max(0.0, give_up - time.monotonic()))

    def _start_worker(self) -> None:
        thread = threading.Thread(target=self._work, name=f"after-answer-{len(self._threads)}", daemon=True)
        self._threads.append(thread)
        thread.start()

    def _work(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._jobs:
                        deadline, _, job = self._jobs[0]
                        wait = deadline - time.monotonic()
                        if self._awaiting == 0 or wait <= 0 or self._finishing:
                            heapq.heappop(self._jobs)
                            self._running += 1
                            break
                        self._cond.wait(timeout=wait)
                    elif self._finishing:
                        return
                    else:
                        self._cond.wait()
            try:
                self._run(job)
            finally:
                with self._cond:
                    self._running -= 1
                    self._cond.notify_all()

    def _run(self, job: Callable[[], object]) -> None:
        outer = getattr(self._local, "in_job", False)
        self._local.in_job = True
        try:
            job()
        except Exception:  # a job reports its own failures to the user; this is the last resort
            log.exception("work after an answer failed")
        finally:
            self._local.in_job = outer
