"""Every message exists in English and Simplified Chinese, with the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.i18n import CATALOG


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = CATALOG[key]
    assert set(entry) == {"en", "zh-CN"}

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert fields(entry["en"]) == fields(entry["zh-CN"])
