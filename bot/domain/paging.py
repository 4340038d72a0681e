"""Pages of a long list: which items a page shows, how many there are in all, what comes before and after.

Every list a surface cannot show whole is shown a page at a time (App Home, ``/followup due``) or
cut with a count of what is left and where to see it; the arithmetic of both lives here, once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """Page ``number`` (0-based) of ``total`` items, ``size`` a page; always a page that exists."""

    number: int
    size: int
    total: int

    @classmethod
    def of(cls, requested: int, *, size: int, total: int) -> Page:
        """The requested page, or the nearest one that exists (a list shrinks between two clicks)."""
        if size < 1:
            raise ValueError("a page holds at least one item")
        total = max(total, 0)
        last = max((total - 1) // size, 0)
        return cls(number=min(max(requested, 0), last), size=size, total=total)

    @property
    def offset(self) -> int:
        return self.number * self.size

    @property
    def end(self) -> int:
        """One past the last item shown."""
        return min(self.offset + self.size, self.total)

    @property
    def shown(self) -> int:
        return self.end - self.offset

    @property
    def count(self) -> int:
        """How many pages there are (one, empty, for an empty list)."""
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.end < self.total

    @property
    def whole(self) -> bool:
        """The list fits on this one page."""
        return self.total <= self.size


def cut(total: int, limit: int) -> tuple[int, int]:
    """How many of ``total`` items a surface holding ``limit`` shows, and how many it leaves out."""
    shown = min(max(total, 0), max(limit, 0))
    return shown, max(total, 0) - shown
