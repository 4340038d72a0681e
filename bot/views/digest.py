"""The supervisors' weekly digest (DOMAIN §7, 001 §四(二)): every rep of the team, however many,
over as many messages as Slack's limits need (pure: figures in, messages of blocks out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.i18n import Lang, t
from bot.views.blocks import Block, context, escape, header, section
from bot.views.lists import packed_sections, split_messages

ATTENTION = 10  # overdue customers named in the digest; the rest are counted and found on App Home


@dataclass(frozen=True)
class RepWeek:
    user: str
    logged: int
    late: int
    overdue: int
    missed: int
    over: int


@dataclass(frozen=True)
class Overdue:
    number: str
    company: str
    owner: str
    since: str  # when it fell due, in the team's words


def weekly_digest(lang: Lang, *, team: str, day: str, reps: Sequence[RepWeek], overdue: Sequence[Overdue],
                  overdue_total: int, extra: Sequence[Block] = ()) -> list[tuple[str, list[Block]]]:
    """The digest's messages, each ``(text, blocks)`` within 50 blocks of at most 3,000 characters.

    ``overdue`` is the oldest of ``overdue_total`` overdue customers (at most ``ATTENTION`` are
    named); ``extra`` are sections another feature adds (handovers), put after the reps.
    """
    lines = [t("weekly_rep", lang, user=r.user, logged=r.logged, late=r.late, overdue=r.overdue, missed=r.missed,
               over=r.over) for r in reps]
    body: list[Block] = [section(t("weekly_reps", lang, count=len(reps))), *packed_sections(lines), *extra,
                         section(t("weekly_attention", lang, count=overdue_total))]
    named = list(overdue[:ATTENTION])
    body.extend(packed_sections([t("weekly_attention_line", lang, number=escape(c.number), company=escape(c.company),
                                   owner=c.owner, when=c.since) for c in named]))
    if overdue_total > len(named):
        body.append(context(t("weekly_attention_more", lang, count=overdue_total - len(named))))
    if not overdue_total:
        body.append(context(t("weekly_all_good", lang)))

    def title(part: int, parts: int, name: str) -> str:
        if parts == 1:
            return t("weekly_title", lang, team=name, day=day)
        return t("weekly_title_part", lang, team=name, day=day, part=part, parts=parts)

    # The header is plain text (the name as it is); the notification text is mrkdwn (the name escaped).
    messages = split_messages(body, head=lambda part, parts: [header(title(part, parts, team))])
    return [(title(n, len(messages), escape(team)), blocks) for n, blocks in enumerate(messages, start=1)]
