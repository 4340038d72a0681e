"""Due lists: what each rep should do now — overdue, today, the next three days (DOMAIN §6, PRODUCT.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.runtime import Runtime
from bot.services.cadence import cadence_days_cache
from storage import queries

HORIZON_DAYS = 3


@dataclass(frozen=True)
class DueEntry:
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
    """Every given rep's due list at ``now``; ``owners`` maps each rep to their time zone.

    Two indexed queries for everyone at once (customers by their stored next due date, and the
    open due items), then sorted per rep: overdue oldest first, then today, then the next 3 days.
    """
    if not owners:
        return {}
    latest = max(horizon_end(now, tz) for tz in set(owners.values()))
    with runtime.db.read() as session:
        customers = queries.due_customers(session=session, owner_ids=list(owners), until=latest, now=now)
        items = queries.due_items_for(session=session, owner_ids=list(owners), until=latest, now=now)
    lists = {owner: DueList(owner_id=owner) for owner in owners}
    entries: dict[str, list[DueEntry]] = defaultdict(list)
    days_for = cadence_days_cache(runtime)
    for row in customers:
        reason = row.due_reason or "cadence"
        days = days_for(row) if reason in ("cadence", "key_stage") else None
        entries[row.owner_id].append(_entry(row, row.next_due_at, reason, days=days))
    for row in items:
        entries[row.item_owner].append(_entry(row, row.due_at, row.kind, note=row.note))
    for owner, found in entries.items():
        _sort_into(lists[owner], found, now=now, tz=owners[owner])
    return lists


def _entry(row: Any, due_at: datetime, why: str, note: str | None = None, days: int | None = None) -> DueEntry:
    return DueEntry(customer_id=row.id, number=row.number, company=row.company, grade=row.grade, status=row.status,
                    due_at=due_at, why=why, note=note, days=days)


def _sort_into(target: DueList, entries: Iterable[DueEntry], *, now: datetime, tz: str) -> None:
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    end = horizon_end(now, tz)
    for entry in sorted(entries, key=lambda e: (e.due_at, e.number)):
        local_day = entry.due_at.astimezone(zone).date()
        if entry.due_at >= end:
            continue
        if local_day < today:
            target.overdue.append(entry)
        elif local_day == today:
            target.today.append(entry)
        else:
            target.upcoming.append(entry)
