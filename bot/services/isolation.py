"""One bad item does not stop a duty: its failure is logged with an id and the rest goes on."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("bot.duties")


@contextmanager
def isolated(duty: str, item: str) -> Iterator[None]:
    """Run one item of a duty (a rep's list, a customer's alert); a failure is logged and skipped."""
    try:
        yield
    except Exception:
        log.exception("duty %s: %s failed and was skipped (error id %s)", duty, item, uuid.uuid4().hex[:8])
