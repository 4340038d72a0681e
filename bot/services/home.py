"""The figures App Home shows (PRODUCT.md): for a rep their own, for a supervisor their teams'.

Lists that may be long are shown a page at a time and never cut silently: the user's own due
list, and for supervisors and admins the overdue customers of their teams and the customers in
warning. Which page each list shows comes from the pager the user clicked (list name → page
number); what is on it is decided here from who clicked, never from the button.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from zoneinfo import ZoneInfo

from bot.domain.paging import Page
from bot.i18n import Lang, t
from bot.runtime import Runtime
from bot.services.directory import Actor, user_timezone
from bot.services.duelist import DueList, due_lists
from bot.services.handover import customers_needing_new_owner
from bot.services.permissions import scope_of
from bot.views.handover import needs_owner_lines
from storage import queries

PAGE_ITEMS = 10  # items a page of each Home list; the whole Home stays within Slack's 100 blocks
# The paged lists, by the name their pager carries.
DUE, OVERDUE, WARNING = "due", "overdue", "warning"


@dataclass(frozen=True)
class Compliance:
    logged: int
    on_time: int

    @property
    def percent(self) -> int | None:
        return round(100 * self.on_time / self.logged) if self.logged else None


@dataclass(frozen=True)
class OverdueCustomer:
    number: str
    company: str
    owner: str
    due_at: datetime


@dataclass(frozen=True)
class HomeSection:
    """A paged list another feature adds to the supervisor Home (see ``SUPERVISOR_SECTIONS``).

    ``name`` is the key its pager carries (lower case letters, digits, ``_``; not one of ours);
    ``title`` says what the list is and how many it holds ("*Handed over to me:* 12"), ``lines``
    are the items of ``page`` — all already in the user's language, user text escaped.
    """

    name: str
    title: str
    lines: list[str]
    page: Page


@dataclass(frozen=True)
class HomeSummary:
    in_team: bool
    tz: str = "UTC"
    due: DueList | None = None  # the whole list: the view shows ``due_page`` of it
    due_page: Page | None = None  # None: the first page
    by_status: dict[str, int] = field(default_factory=dict)
    by_grade: dict[str, int] = field(default_factory=dict)
    compliance: Compliance | None = None
    my_pending: int = 0
    to_decide: int | None = None  # None for someone who decides nothing
    in_warning: list[tuple[str, str, str]] = field(default_factory=list)  # one page: number, company, owner
    warning_page: Page | None = None  # None: ``in_warning`` is the whole list
    overdue: list[OverdueCustomer] | None = None  # one page of their teams' overdue customers (deciders)
    overdue_page: Page | None = None
    sections: list[HomeSection] = field(default_factory=list)


# Sections other features add to the Home of supervisors and admins (e.g. handovers waiting for
# them): each is called as ``section(runtime, actor, lang, page)`` with the page its pager asked
# for, and returns a ``HomeSection`` of at most ``PAGE_ITEMS`` lines, or None to show nothing. It
# must check what the actor may see itself (``bot.services.permissions``).
SupervisorSection = Callable[[Runtime, Actor, Lang, int], "HomeSection | None"]


def _needs_new_owner(runtime: Runtime, actor: Actor, lang: Lang, page: int) -> HomeSection | None:
    """Customers whose owner's Slack account is deactivated and no handover covers (PRODUCT "Handover")."""
    team_ids = None if actor.is_admin else [runtime.team_ids[name] for name in actor.supervises]
    rows = customers_needing_new_owner(runtime, team_ids=team_ids)
    if not rows:
        return None
    shown = Page.of(page, size=PAGE_ITEMS, total=len(rows))
    return HomeSection(name="needs_owner", title=t("handover_needs_owner_title", lang, count=len(rows)),
                       lines=needs_owner_lines(lang, rows[shown.offset:shown.offset + PAGE_ITEMS], limit=PAGE_ITEMS),
                       page=shown)


SUPERVISOR_SECTIONS: tuple[tuple[str, SupervisorSection], ...] = (("needs_owner", _needs_new_owner),)


def first_delivery(runtime: Runtime, *, event_id: str | None) -> bool:
    """False when Slack retries an event we already handled."""
    if not event_id:
        return True
    with runtime.db.write() as session:
        return queries.claim_request_key(session=session, key=f"event:{event_id}", at=runtime.now())


def summary(runtime: Runtime, actor: Actor | None, *, pages: Mapping[str, int] | None = None,
            lang: Lang = "en") -> HomeSummary:
    """What ``actor``'s Home shows, each paged list at the page ``pages`` asks for (the first by default,
    the last one there is when the list has shrunk since)."""
    if actor is None:
        return HomeSummary(in_team=False)
    pages = pages or {}
    now = runtime.now()
    tz = user_timezone(runtime, actor)
    scope = scope_of(runtime, actor)
    month_start = datetime.combine(now.astimezone(ZoneInfo(tz)).date().replace(day=1), time(0), ZoneInfo(tz))
    due = due_lists(runtime, owners={actor.user_id: tz}, now=now)[actor.user_id]
    due_page = Page.of(pages.get(DUE, 0), size=PAGE_ITEMS, total=len(due))
    deciding = actor.is_admin or actor.is_supervisor
    warning_page = overdue_page = None
    warnings: list[tuple[str, str, str]] = []
    overdue: list[OverdueCustomer] | None = None
    with runtime.db.read() as session:
        by_status, by_grade = queries.customer_counts(session=session, scope=scope)
        logged, late = queries.compliance(session=session, scope=scope, author=None if deciding else actor.user_id,
                                          since=month_start, until=now)
        mine = queries.count_pending_approvals(session=session, requester=actor.user_id)
        to_decide = None
        if deciding:
            team_ids = None if actor.is_admin else [runtime.team_ids[name] for name in actor.supervises]
            to_decide = queries.count_pending_approvals(session=session, team_ids=team_ids)
            overdue_page = Page.of(pages.get(OVERDUE, 0), size=PAGE_ITEMS,
                                   total=queries.count_overdue_in_scope(session=session, scope=scope, now=now))
            overdue = [OverdueCustomer(number=c.number, company=c.company, owner=c.owner_id,
                                       due_at=c.next_due_at or now)
                       for c in queries.overdue_in_scope(session=session, scope=scope, now=now,
                                                         offset=overdue_page.offset, limit=PAGE_ITEMS)]
            warning_page = Page.of(pages.get(WARNING, 0), size=PAGE_ITEMS,
                                   total=queries.count_in_warning(session=session, scope=scope))
            warnings = [(c.number, c.company, c.owner_id) for c in queries.customers_in_warning(
                session=session, scope=scope, offset=warning_page.offset, limit=PAGE_ITEMS)]
    sections = [found for name, make in SUPERVISOR_SECTIONS
                if deciding and (found := make(runtime, actor, lang, pages.get(name, 0))) is not None]
    return HomeSummary(in_team=True, tz=tz, due=due, due_page=due_page, by_status=by_status, by_grade=by_grade,
                       compliance=Compliance(logged=logged, on_time=logged - late), my_pending=mine,
                       to_decide=to_decide, in_warning=warnings, warning_page=warning_page, overdue=overdue,
                       overdue_page=overdue_page, sections=sections)
