"""Handover rules (DOMAIN §11) that need neither Slack nor the database.

- Slash command text as Slack sends it with ``should_escape: true``: user mentions as
  ``<@U123|name>`` (or ``<@U123>``), channels as ``<#C1|name>``, links as ``<http://x|x>``, and the
  user's own ``&``, ``<`` and ``>`` as ``&amp;``, ``&lt;`` and ``&gt;``. ``decode_command_text``
  turns it back into what the user typed (a mention becomes the plain word ``@name``, never a live
  mention); ``parse_handover`` reads ``handover @from @to [CL… …]`` from the escaped text.
- Which open items a customer carries to its new owner, and how long a successor's attention is
  asked for (four weeks after the effective date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

# Four weeks of attention after a handover (DOMAIN §11 "for a month", PRODUCT "the next 4 weeks").
ATTENTION = timedelta(days=28)
# A partial handover names at most this many customers (they travel in the modal's metadata).
MAX_NUMBERS = 50

_USER_ID = r"[UW][A-Z0-9]{2,39}"
_MENTION = re.compile(rf"^<@(?P<id>{_USER_ID})(?:\|[^>]*)?>$")
# Markup Slack puts into escaped text: <@U…|label>, <#C…|label>, <!here>, <!subteam^S…|@team>,
# <!date^…|fallback>, <http://…|label>, <mailto:…|label>. The user's own < and > arrive as entities,
# so every literal angle bracket pair is markup.
_MARKUP = re.compile(r"<(?P<target>[^<>|]*)(?:\|(?P<label>[^<>]*))?>")
_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,58}$")


def decode_command_text(text: str) -> str:
    """What the user typed, from slash command text Slack escaped (``should_escape: true``).

    ``<@U1|wang>`` → ``@wang`` (``<@U1>`` → ``@U1``), ``<#C1|sales>`` → ``#sales``, ``<!here>`` →
    ``@here``, ``<http://x.io|x.io>`` → ``x.io`` (the label is what was typed), ``<http://x.io>`` →
    ``http://x.io``; then ``&lt;`` ``&gt;`` ``&amp;`` → ``<`` ``>`` ``&`` (``&amp;`` last, so a typed
    ``&lt;`` stays ``&lt;``). Nothing of the result is markup Slack would act on.
    """

    def plain(match: re.Match[str]) -> str:
        target, label = match["target"], match["label"]
        if target.startswith("@"):
            return "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            if label:
                return label if label.startswith("@") or not target.startswith("!subteam") else "@" + label
            return "@" + target[1:].split("^")[0]
        return label if label else target

    return _MARKUP.sub(plain, text).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def mentioned_user(word: str) -> str | None:
    """The user id of a mention as Slack escapes it (``<@U123|name>`` or ``<@U123>``), else None."""
    match = _MENTION.match(word.strip())
    return match["id"] if match else None


@dataclass(frozen=True)
class HandoverArgs:
    from_user: str
    to_user: str
    numbers: tuple[str, ...]  # empty: every customer of from_user


class HandoverUsage(ValueError):
    """``handover`` typed without two people, or with something that is not a customer number."""

    def __init__(self, problem: str, value: str = "") -> None:
        super().__init__(problem)
        self.problem = problem  # usage | too_many | bad_number
        self.value = value


def parse_handover(escaped: str) -> HandoverArgs:
    """``@from @to [CL2026001 CL2026007 …]`` as Slack escapes it (the text after ``handover``).

    Both people must be mentions; numbers may be separated by spaces or commas, each once."""
    words = [w for w in re.split(r"[\s,，]+", escaped.strip()) if w]
    if len(words) < 2:
        raise HandoverUsage("usage")
    from_user, to_user = mentioned_user(words[0]), mentioned_user(words[1])
    if from_user is None or to_user is None:
        raise HandoverUsage("usage")
    numbers: list[str] = []
    for word in words[2:]:
        number = decode_command_text(word)
        if not _NUMBER.match(number):
            raise HandoverUsage("bad_number", number[:60])
        if number.upper() not in numbers:
            numbers.append(number.upper())
    if len(numbers) > MAX_NUMBERS:
        raise HandoverUsage("too_many")
    return HandoverArgs(from_user=from_user, to_user=to_user, numbers=tuple(numbers))


@dataclass(frozen=True)
class OpenItems:
    """What a customer carries to its new owner besides itself."""

    next_step: bool  # a planned next step still pending
    due_items: int  # open due items (re-grade, revisits, retention plan …)
    open_issues: int  # complaints and issues not resolved
    warning: bool  # flagged as a churn risk

    @property
    def count(self) -> int:
        return int(self.next_step) + self.due_items + self.open_issues + int(self.warning)


def attention_ends(effective_on: date) -> date:
    """The first day the successor's attention is no longer asked for."""
    return effective_on + ATTENTION


def needs_attention(effective_on: date, today: date) -> bool:
    """Until four weeks after the effective date (from the approval on, even before that date)."""
    return today < attention_ends(effective_on)
