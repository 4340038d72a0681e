"""Block Kit for handovers: the Handover modal (the handover list), the draft posted when a rep's
account is deactivated (with its successor picker), and the lines the digests and Home show.

Slack's limits shape the list: a modal holds at most 100 blocks and a text 3,000 characters, so a
rep with 2,000 customers gets the totals, the customers with most open items first (``LIST_LIMIT``
of them, ten to a section) and a line saying how many more there are and that all of them move.
Nothing here shows a phone number, an email or a budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol

from bot.domain.dates import format_when
from bot.domain.grades import GRADES
from bot.i18n import Lang, t
from bot.views import ids
from bot.views.blocks import actions, clip, context, escape, header, input_block, modal, plain, section

LIST_LIMIT = 100  # customers listed in the modal
PER_SECTION = 10  # lines a section (each line is clipped, so a section stays under 3,000 characters)
GRADE_ORDER = {g: i for i, g in enumerate(GRADES)}


class Row(Protocol):
    @property
    def number(self) -> str: ...

    @property
    def company(self) -> str: ...

    @property
    def grade(self) -> str | None: ...

    @property
    def status(self) -> str: ...

    @property
    def last_contact_at(self) -> datetime | None: ...

    @property
    def next_step_at(self) -> datetime | None: ...

    @property
    def warning(self) -> bool: ...

    @property
    def contact(self) -> str | None: ...

    @property
    def due_items(self) -> int: ...

    @property
    def open_issues(self) -> int: ...


def _items(row: Row, lang: Lang, tz: str) -> list[str]:
    found = []
    if row.next_step_at is not None:
        found.append(t("handover_item_step", lang, when=format_when(row.next_step_at, tz=tz, lang=lang)))
    if row.due_items:
        found.append(t("handover_item_due", lang, count=row.due_items))
    if row.open_issues:
        found.append(t("handover_item_issues", lang, count=row.open_issues))
    if row.warning:
        found.append(t("handover_item_warning", lang))
    return found


def _weight(row: Row) -> tuple[int, int, int, str]:
    items = int(row.next_step_at is not None) + row.due_items + row.open_issues
    return (-int(row.warning), -items, GRADE_ORDER.get(row.grade or "", len(GRADE_ORDER)), row.number)


def handover_line(row: Row, lang: Lang, tz: str) -> str:
    """One customer: number, company, grade, status, last contact, key contact, open items."""
    last = (t("handover_last_contact", lang, when=format_when(row.last_contact_at, tz=tz, lang=lang).split(",")[0])
            if row.last_contact_at else t("handover_never_contacted", lang))
    line = t("handover_line", lang, number=escape(row.number), company=escape(clip(row.company, 60)),
             grade=row.grade or "—", status=t(f"status_{row.status}", lang), last=last,
             contact=escape(clip(row.contact or "—", 40)))
    items = _items(row, lang, tz)
    return line + (" — " + " · ".join(items) if items else "")


def handover_modal(lang: Lang, *, from_user: str, to_user: str, team: str, rows: Sequence[Row],
                   totals: dict[str, int], grades: dict[str, int], tz: str, today: date,
                   private_metadata: str, partial: bool = False) -> dict[str, Any]:
    """**Handover**: the handover list, **Reason**, **Effective** (default today)."""
    grade_text = " · ".join(f"{g} {grades[g]:,}" for g in [*GRADES, "—"] if grades.get(g))
    blocks: list[dict[str, Any]] = [
        section(t("handover_intro", lang, from_user=from_user, to_user=to_user, team=escape(team))),
        section(t("handover_totals", lang, customers=f"{totals['customers']:,}", grades=grade_text or "—",
                  next_steps=f"{totals['next_steps']:,}", due_items=f"{totals['due_items']:,}",
                  open_issues=f"{totals['open_issues']:,}", warnings=f"{totals['warnings']:,}")),
        context(t("handover_some_move" if partial else "handover_all_move", lang, count=f"{totals['customers']:,}",
                  to_user=to_user)),
    ]
    shown = sorted(rows, key=_weight)[:LIST_LIMIT]
    for start in range(0, len(shown), PER_SECTION):
        lines = [clip(handover_line(row, lang, tz), 290) for row in shown[start:start + PER_SECTION]]
        blocks.append(section("\n".join(lines)))
    if len(rows) > len(shown):
        blocks.append(context(t("handover_more", lang, shown=f"{len(shown):,}", total=f"{len(rows):,}",
                                more=f"{len(rows) - len(shown):,}")))
    reason = {"type": "plain_text_input", "action_id": "reason", "multiline": True, "max_length": 1000}
    effective = {"type": "datepicker", "action_id": "effective", "initial_date": today.isoformat()}
    blocks += [
        input_block("reason", t("f_reason", lang), reason, hint=t("handover_reason_hint", lang)),
        input_block("effective", t("f_handover_effective", lang), effective, hint=t("handover_effective_hint", lang)),
    ]
    return modal(ids.HANDOVER_VIEW, t("handover_title", lang), blocks, submit=t("submit", lang),
                 close=t("cancel", lang), private_metadata=private_metadata)


def draft_message(lang: Lang, *, handover_id: int, rep: str, customers: int, open_items: int, state: str,
                  successor: str | None = None, by: str | None = None, moved: int | None = None,
                  rejected_successor: str | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The draft in the supervisor channel: the rep, their customers and open items, and while no
    successor is chosen a picker (``users_select``); afterwards what became of it."""
    blocks: list[dict[str, Any]] = [
        header(t("handover_draft_header", lang)),
        section(t("handover_draft_body", lang, user=rep, customers=f"{customers:,}", items=f"{open_items:,}")),
    ]
    if state == "draft":
        if rejected_successor:
            blocks.append(context(t("handover_draft_rejected", lang, successor=rejected_successor)))
        picker = {"type": "users_select", "action_id": ids.HANDOVER_SUCCESSOR,
                  "placeholder": plain(t("handover_pick", lang), 150)}
        blocks.append(actions(f"{ids.HANDOVER_DRAFT_BLOCK}{handover_id}", picker))
    elif state == "pending":
        blocks.append(context(t("handover_draft_pending", lang, user=by or "", successor=successor or "")))
    elif state == "approved":
        blocks.append(context(t("handover_draft_done", lang, user=by or "", successor=successor or "",
                                count=f"{moved or 0:,}")))
    else:
        blocks.append(context(t("handover_draft_cancelled", lang, user=rep)))
    return t("handover_draft_text", lang, user=rep), blocks


class Awaiting(Protocol):
    @property
    def number(self) -> str: ...

    @property
    def company(self) -> str: ...

    @property
    def successor(self) -> str: ...

    @property
    def predecessor(self) -> str: ...

    @property
    def effective_on(self) -> date: ...

    @property
    def attention_until(self) -> date: ...


def awaiting_contact_lines(lang: Lang, rows: Sequence[Awaiting], *, limit: int = 15) -> list[str]:
    """Digest lines: handed-over customers the successor has not contacted yet (the four weeks)."""
    lines = [t("handover_awaiting_line", lang, number=escape(r.number), company=escape(clip(r.company, 60)),
               from_user=r.predecessor, to_user=r.successor, day=r.effective_on.isoformat(),
               until=r.attention_until.isoformat()) for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(t("handover_lines_more", lang, count=len(rows) - limit))
    return lines


class Orphan(Protocol):
    @property
    def number(self) -> str: ...

    @property
    def company(self) -> str: ...

    @property
    def owner(self) -> str: ...


def needs_owner_lines(lang: Lang, rows: Sequence[Orphan], *, limit: int = 15) -> list[str]:
    """Home lines: customers whose owner's account is deactivated ("needs a new owner")."""
    lines = [t("handover_needs_owner_line", lang, number=escape(r.number), company=escape(clip(r.company, 60)),
               owner=r.owner) for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(t("handover_lines_more", lang, count=len(rows) - limit))
    return lines
