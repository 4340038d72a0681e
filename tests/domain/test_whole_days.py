"""Numbers typed by users: a payment delay is a whole number of days, or a field error (never a 500).

"²" and "①" pass ``str.isdigit`` yet ``int`` cannot read them; they used to reach ``int`` and fail.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.followups import MAX_PAYMENT_DELAY_DAYS, parse_whole_days
from bot.errors import InvalidInput
from bot.services.followups import parse_form


@pytest.mark.parametrize(("typed", "days"), [
    ("0", 0),
    ("15", 15),
    (" 30 ", 30),
    ("0045", 45),
    ("3650", 3650),
    ("１５", 15),  # full-width digits, as a Chinese input method types them
    ("٣", 3),  # Arabic-Indic digits are decimal digits too
    ("3651", None),  # more than ten years
    ("²", None),
    ("①", None),
    ("1²", None),
    ("Ⅻ", None),
    ("十五", None),
    ("-5", None),
    ("+5", None),
    ("1.5", None),
    ("1e3", None),
    ("1 5", None),
    ("", None),
    ("9" * 5000, None),  # past int()'s digit limit: refused before int() is asked
])
def test_payment_delay_days(typed: str, days: int | None) -> None:
    assert parse_whole_days(typed) == days


@given(st.text(alphabet=st.characters(categories=["Nd", "No", "Nl", "Zs", "Pd", "Po"]), max_size=12))
def test_any_text_is_days_or_none(typed: str) -> None:
    days = parse_whole_days(typed)
    assert days is None or 0 <= days <= MAX_PAYMENT_DELAY_DAYS


@given(st.integers(min_value=0, max_value=MAX_PAYMENT_DELAY_DAYS))
def test_every_day_count_reads_back(days: int) -> None:
    assert parse_whole_days(str(days)) == days


FORM = {"customer": "1", "method": "phone", "notes": "Called about the invoice", "stage": "closing"}


@pytest.mark.parametrize("typed", ["²", "①", "1²", "3651", "abc"])
def test_an_unreadable_delay_is_a_field_error(typed: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_form({**FORM, "payment_delay_days": typed}, now=datetime(2026, 11, 23, 2, tzinfo=UTC), tz="UTC")
    assert raised.value.errors == {"payment_delay_days": ("err_whole_days", {})}


def test_a_readable_delay_is_kept() -> None:
    parsed = parse_form({**FORM, "payment_delay_days": "１５"}, now=datetime(2026, 11, 23, 2, tzinfo=UTC), tz="UTC")
    assert parsed.payment_delay_days == 15
