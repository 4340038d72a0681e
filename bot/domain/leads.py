"""Rules for capturing a lead: name normalisation, contact formats, customer numbers."""

from __future__ import annotations

import re
import string
import unicodedata
from datetime import datetime, timedelta

# The New lead form in the modal's order: each field and its longest text (None: a choice, a time, tags).
LEAD_FIELDS: dict[str, int | None] = {
    "company": 200, "industry": 100, "company_size": 200, "main_business": 2000, "contact_name": 100,
    "contact_title": 100, "phone": 40, "email": 254, "need": 2000, "pain_points": 2000, "source": None,
    "acquired": None, "intent": None, "tags": None, "region": 100,
}
REQUIRED = ("company", "industry", "contact_name", "need", "source", "acquired", "intent")
TEXT_LIMITS = {field: limit for field, limit in LEAD_FIELDS.items() if limit is not None}
# Fields kept on the primary contact (by the contact's attribute); ``acquired`` is the customer's ``acquired_at``.
CONTACT_FIELDS = {"contact_name": "name", "contact_title": "title", "phone": "phone", "email": "email"}
CUSTOMER_FIELDS = tuple(field for field in LEAD_FIELDS if field not in CONTACT_FIELDS and field != "acquired")
SOURCES = ("trade_show", "website", "association", "customer_referral", "cold_call", "partner", "other")
INTENTS = ("high", "medium", "low")
TAGS = ("high_intent", "price_sensitive", "technical", "long_term")

# Longest first, so "co., ltd." goes before "ltd".
COMPANY_SUFFIXES = sorted(
    [
        "股份有限公司", "有限责任公司", "有限公司", "集团公司", "集团", "公司", "group",
        "co.,ltd.", "co.,ltd", "co.ltd.", "co.ltd", "company limited", "limited", "ltd.", "ltd",
        "incorporated", "inc.", "inc", "corporation", "corp.", "corp", "co.", "co", "llc", "gmbh",
        "plc", "pte", "s.a.", "ag", "company",
    ],
    key=len,
    reverse=True,
)
_SQUEEZED_SUFFIXES = {s.replace(" ", "") for s in COMPANY_SUFFIXES}
_SUFFIXES_BARE = tuple((s, s.replace(" ", "")) for s in COMPANY_SUFFIXES)  # each suffix without its spaces
_SPACES_AND_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                   r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")
PHONE_CHARS = re.compile(r"^\+?[0-9\s\-().]+$")


def normalize_company_name(name: str) -> str:
    """A key under which "ACME Ltd", "acme  limited" and "ＡＣＭＥ有限公司" are the same company.

    Full-width characters become half-width (NFKC), case is folded, legal-form suffixes are
    dropped (repeatedly: "Acme Group Co., Ltd."), then spaces and punctuation go.
    """
    text = unicodedata.normalize("NFKC", name).casefold().strip()
    text = re.sub(r"\s+", " ", text)
    changed = True
    while changed:
        changed = False
        compact = text.rstrip(" .,")
        squeezed = compact.replace(" ", "")
        if squeezed in _SQUEEZED_SUFFIXES:
            break  # the name is nothing but a legal form: keep it rather than cut it down
        for suffix, bare in _SUFFIXES_BARE:
            if squeezed.endswith(bare) and len(squeezed) > len(bare):
                text = _cut_suffix(compact, suffix)
                changed = True
                break
    key = _SPACES_AND_PUNCT.sub("", text)
    return key or _SPACES_AND_PUNCT.sub("", unicodedata.normalize("NFKC", name).casefold())


def _cut_suffix(text: str, suffix: str) -> str:
    """Remove ``suffix`` from the end of ``text`` ignoring spaces inside either."""
    target = suffix.replace(" ", "")
    kept = len(text)
    seen = ""
    while kept > 0 and len(seen) < len(target):
        kept -= 1
        if text[kept] != " ":
            seen = text[kept] + seen
    return text[:kept].rstrip(" ,.-")


def is_valid_email(value: str) -> bool:
    return len(value) <= 254 and EMAIL.match(value) is not None


def is_valid_phone(value: str) -> bool:
    """Digits with the usual separators and an optional leading +; 7 to 15 digits (E.164)."""
    digits = sum(ch.isdigit() for ch in value)
    return PHONE_CHARS.match(value) is not None and 7 <= digits <= 15


def industry_code(industry: str, codes: dict[str, str]) -> str:
    """The code used by ``{industry}`` in a number format: configured, else the initials."""
    for name, code in codes.items():
        if name.casefold() == industry.casefold():
            return code
    ascii_words = re.findall(r"[A-Za-z0-9]+", unicodedata.normalize("NFKC", industry))
    if not ascii_words:
        return "XX"
    if len(ascii_words) == 1:
        return ascii_words[0][:3].upper()
    return "".join(w[0] for w in ascii_words)[:4].upper()


def number_parts(fmt: str, *, year: int, region: str, industry: str) -> tuple[str, str]:
    """The sequence key of a number format (everything but ``{seq}``) and the format left to fill.

    Two teams using the same format share one sequence, so numbers stay unique across teams.
    """
    key_parts: list[str] = []
    remaining: list[str] = []
    values = {"year": year, "region": region, "industry": industry}
    for literal, field, spec, conversion in string.Formatter().parse(fmt):
        escaped = literal.replace("{", "{{").replace("}", "}}")
        key_parts.append(literal)
        remaining.append(escaped)
        if field is None:
            continue
        if field == "seq":
            key_parts.append("#")
            remaining.append("{seq" + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}")
        else:
            filled = ("{0" + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}").format(
                values[field]
            )
            key_parts.append(filled)
            remaining.append(filled.replace("{", "{{").replace("}", "}}"))
    return "".join(key_parts), "".join(remaining)


def is_late(*, start: datetime, done: datetime, hours: int) -> bool:
    """The 24-hour rule (DOMAIN §3, §7): done more than ``hours`` after it happened."""
    return done - start > timedelta(hours=hours)
