"""How fast we may talk to Slack, per channel or method: token buckets and 429 holds.

Slack allows about one ``chat.postMessage`` a second per channel, with short bursts. Each
process paces itself with a bucket per scope (``channel:C…``, ``method:users.info``) a little
below that, so a fan-out does not run into 429s; a 429 empties the scope's bucket until its
``Retry-After`` has passed. Times are the runtime's real clock (tests set it).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

BURST = 3
PER_SECOND = 1.0


@dataclass
class _Bucket:
    tokens: float
    updated: datetime
    held_until: datetime | None = None


@dataclass
class Pacer:
    burst: int = BURST
    per_second: float = PER_SECOND
    _buckets: dict[str, _Bucket] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _bucket(self, scope: str, now: datetime) -> _Bucket:
        bucket = self._buckets.get(scope)
        if bucket is None:
            bucket = self._buckets[scope] = _Bucket(tokens=float(self.burst), updated=now)
        elapsed = max((now - bucket.updated).total_seconds(), 0.0)
        bucket.tokens = min(float(self.burst), bucket.tokens + elapsed * self.per_second)
        bucket.updated = now
        if bucket.held_until is not None and bucket.held_until <= now:
            bucket.held_until = None
        return bucket

    def take(self, scope: str, now: datetime) -> bool:
        """Use one token of ``scope`` if it has one."""
        with self._lock:
            bucket = self._bucket(scope, now)
            if bucket.held_until is not None or bucket.tokens < 1.0:
                return False
            bucket.tokens -= 1.0
            return True

    def hold(self, scope: str, until: datetime) -> None:
        """Slack said 429: nothing for ``scope`` before ``until``."""
        with self._lock:
            bucket = self._buckets.setdefault(scope, _Bucket(tokens=0.0, updated=until))
            bucket.tokens = 0.0
            if bucket.held_until is None or until > bucket.held_until:
                bucket.held_until = until

    def busy(self, now: datetime) -> set[str]:
        """Scopes with no token at ``now``."""
        with self._lock:
            busy = set()
            for scope in list(self._buckets):
                bucket = self._bucket(scope, now)
                if bucket.held_until is not None or bucket.tokens < 1.0:
                    busy.add(scope)
                elif bucket.tokens >= self.burst:
                    del self._buckets[scope]  # full again: forget it
            return busy

    def next_free(self, now: datetime) -> datetime | None:
        """When the first busy scope gets a token back."""
        with self._lock:
            times = []
            for bucket in self._buckets.values():
                if bucket.held_until is not None and bucket.held_until > now:
                    times.append(bucket.held_until)
                elif bucket.tokens < 1.0:
                    times.append(bucket.updated + timedelta(seconds=(1.0 - bucket.tokens) / self.per_second))
            return min(times) if times else None
