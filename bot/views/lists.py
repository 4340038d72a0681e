"""Long lists within Slack's limits, never cut silently (pure: data in, blocks out).

Slack takes at most 50 blocks a message, 100 a Home tab, and 3,000 characters a text. A list that
does not fit is either packed into several sections (``packed_sections``), split over several
messages (``split_messages``), or shown a page at a time with a pager saying where the page is
(``pager``); a list cut short says how many are left and where they are (the callers' catalog
texts). Nothing here drops an item without a count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.domain.paging import Page
from bot.i18n import Lang, t
from bot.views.blocks import TEXT_LIMIT, Block, actions, button, clip, context, section

MESSAGE_BLOCKS = 50
HOME_BLOCKS = 100


def pack_lines(lines: Sequence[str], *, limit: int = TEXT_LIMIT) -> list[str]:
    """Lines joined by newlines into as few texts as fit ``limit`` characters each, in order.

    A line longer than ``limit`` on its own is clipped (marked "…"), never dropped: every line is
    in exactly one text.
    """
    texts: list[str] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = clip(raw, limit)
        extra = len(line) + (1 if current else 0)
        if current and size + extra > limit:
            texts.append("\n".join(current))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        texts.append("\n".join(current))
    return texts


def packed_sections(lines: Sequence[str], *, block_id: str | None = None) -> list[Block]:
    """Sections holding every line (``block_id`` numbered from 1 when given)."""
    return [section(text, f"{block_id}_{n}" if block_id else None)
            for n, text in enumerate(pack_lines(lines), start=1)]


def split_messages(body: Sequence[Block], *, head: Callable[[int, int], list[Block]],
                   max_blocks: int = MESSAGE_BLOCKS) -> list[list[Block]]:
    """``body`` over as few messages as hold it, each opened by ``head(part, parts)`` (1-based) and
    within ``max_blocks``. The head's size must not depend on the part numbers."""
    room = max_blocks - len(head(1, 1))
    if room < 1:
        raise ValueError("the head leaves no room for the body")
    chunks = [list(body[i:i + room]) for i in range(0, len(body), room)] or [[]]
    return [head(n, len(chunks)) + chunk for n, chunk in enumerate(chunks, start=1)]


def pager(lang: Lang, page: Page, *, block_id: str, actions_ids: tuple[str, str],
          value: Callable[[int], str]) -> list[Block]:
    """Where a page is in its list ("Showing 11–20 of 57 · page 2 of 6") and the buttons to turn it.

    ``actions_ids`` are the action ids of the Previous and Next buttons, ``value(number)`` the value
    of a button showing page ``number``; a button only appears when there is a page that way. A
    list that fits one page gets no pager.
    """
    if page.whole:
        return []
    blocks: list[Block] = [context(t("page_position", lang, first=page.offset + 1, last=page.end, total=page.total,
                                     page=page.number + 1, pages=page.count))]
    buttons = []
    if page.has_previous:
        buttons.append(button(t("page_previous", lang), actions_ids[0], value(page.number - 1)))
    if page.has_next:
        buttons.append(button(t("page_next", lang), actions_ids[1], value(page.number + 1)))
    blocks.append(actions(block_id, *buttons))
    return blocks
