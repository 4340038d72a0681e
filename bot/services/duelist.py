"""Due lists: what each rep should do now — overdue, today, the next three days (DOMAIN §6, PRODUCT.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.runtime import Runtime
from bot.services.cadence import cadence_days_cache
from storage import queries

HORIZON_DAYS = 3
OWNER_CHUNK = 500  # reps whose due lists are read at once (iter_due_lists)


class DueEntry(NamedTuple):
    """One line of a due list (a tuple: a due list of 10,000 reps makes hundreds of thousands)."""

    customer_id: int
    number: str
    company: str
    grade: str | None
    status: str
    due_at: datetime
    why: str  # a due reason (cadence, key_stage, first_contact, next_step) or a due item kind
    days: int | None = None
    note: str | None = None


@dataclass
class DueList:
    owner_id: str
    overdue: list[DueEntry] = field(default_factory=list)
    today: list[DueEntry] = field(default_factory=list)
    upcoming: list[DueEntry] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.today or self.upcoming)

    def __len__(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming)


def horizon_end(now: datetime, tz: str) -> datetime:
    """The end of the third day after today, in the rep's time zone."""
    zone = ZoneInfo(tz)
    last: date = now.astimezone(zone).date() + timedelta(days=HORIZON_DAYS)
    return datetime.combine(last + timedelta(days=1), time(0, 0), zone)


def due_lists(runtime: Runtime, *, owners: dict[str, str], now: datetime) -> dict[str, DueList]:
    """Every given rep's due list at ``now``; ``owners`` maps each rep to their time zone."""
    return {due.owner_id: due for due in iter_due_lists(runtime, owners=owners, now=now)}


def iter_due_lists(runtime: Runtime, *, owners: dict[str, str], now: datetime,
                   chunk: int = OWNER_CHUNK) -> Iterator[DueList]:
    """Every given rep's due list at ``now``, in the order of ``owners``, one rep after the other.

    The reps are read ``chunk`` at a time: two indexed queries a chunk (customers by their stored
    next due date, and the open due items), then sorted per rep: overdue oldest first, then today,
    then the next 3 days. Only one chunk's rows are held at once, whatever the number of reps.
    """
    names = list(owners)
    days_for = cadence_days_cache(runtime)
    for start in range(0, len(names), chunk):
        yield from _chunk_lists(runtime, {name: owners[name] for name in names[start:start + chunk]}, now, days_for)


def _chunk_lists(runtime: Runtime, owners: dict[str, str], now: datetime,
                 days_for: Callable[[Any], int | None]) -> Iterator[DueList]:
    ends = {tz: horizon_end(now, tz) for tz in set(owners.values())}
    latest = max(ends.values())
    with runtime.db.read() as session:
        customers = queries.due_customers(session=session, owner_ids=list(owners), until=latest, now=now)
        items = queries.due_items_for(session=session, owner_ids=list(owners), until=latest, now=now)
    entries: dict[str, list[DueEntry]] = defaultdict(list)
    days_of: dict[tuple[Any, ...], int | None] = {}
    for row in customers:  # unpacked in queries.DUE_COLUMNS order: hundreds of thousands of rows
        customer_id, owner, team_id, number, company, grade, status, stage, due_at, reason = row
        reason = reason or "cadence"
        days = None
        if reason == "cadence" or reason == "key_stage":
            key = (team_id, grade, status, stage)
            days = days_of[key] if key in days_of else days_of.setdefault(key, days_for(row))
        entries[owner].append(DueEntry(customer_id, number, company, grade, status, due_at, reason, days))
    del customers
    for row in items:
        owner, due_at, kind, note, customer_id, _, _, number, company, grade, status, *_ = row
        entries[owner].append(DueEntry(customer_id, number, company, grade, status, due_at, kind, None, note))
    del items
    for owner, tz in owners.items():
        due = DueList(owner_id=owner)
        found = entries.pop(owner, None)
        if found:
            _sort_into(due, found, now=now, tz=tz, end=ends[tz])
        yield due


def _sort_into(target: DueList, entries: list[DueEntry], *, now: datetime, tz: str, end: datetime) -> None:
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    entries.sort(key=_by_due_then_number)
    for entry in entries:
        if entry.due_at >= end:
            continue
        local_day = entry.due_at.astimezone(zone).date()
        if local_day < today:
            target.overdue.append(entry)
        elif local_day == today:
            target.today.append(entry)
        else:
            target.upcoming.append(entry)


def _by_due_then_number(entry: DueEntry) -> tuple[datetime, str]:
    return entry.due_at, entry.number
