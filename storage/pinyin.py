"""A company's pinyin initials, so that a search for ``hwjs`` finds 华为技术 (``storage.search``'s last rank).

``customers.pinyin`` is kept by the ORM on every write of a company (``storage.models`` registers
``keep_pinyin``); a bulk insert of rows (SQLAlchemy Core, ``COPY``) sets ``pinyin`` itself, as it
sets ``search_text``.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm.attributes import get_history

_initials: dict[int, str] | None = None


def _initial_letters() -> dict[int, str]:
    """Each Chinese character's first pinyin letter (of its first reading), from ``pypinyin``'s
    character table loaded alone: importing the package loads its phrase tables too (55 MB, 0.5 s;
    this 12 MB, 0.06 s, once per process, at the first Chinese name)."""
    global _initials
    if _initials is None:
        spec = importlib.util.find_spec("pypinyin")
        assert spec is not None and spec.origin is not None, "pypinyin is a dependency"
        table_spec = importlib.util.spec_from_file_location(
            "_pypinyin_characters", spec.origin.rsplit("/", 1)[0] + "/pinyin_dict.py")
        assert table_spec is not None and table_spec.loader is not None
        module = importlib.util.module_from_spec(table_spec)
        table_spec.loader.exec_module(module)
        _initials = {code: unicodedata.normalize("NFKD", readings)[0]
                     for code, readings in module.pinyin_dict.items()}
    return _initials


def pinyin_initials(company: str) -> str:
    """The company's pinyin initials with its Latin letters and digits (``ABC科技`` -> ``abckj``,
    华为技术有限公司 -> ``hwjsyxgs``), folded as search folds; empty for a name without Chinese
    characters (nothing to add to what its search text finds)."""
    folded = unicodedata.normalize("NFKC", company).casefold()
    if folded.isascii():
        return ""
    table = _initial_letters()
    if not any(ord(ch) in table for ch in folded):
        return ""
    return "".join(table.get(ord(ch)) or (ch if ch.isascii() and ch.isalnum() else "") for ch in folded)


def keep_pinyin(customer_class: Any) -> None:
    """Set ``pinyin`` from ``company`` whenever the ORM inserts a customer or changes its company."""

    @event.listens_for(customer_class, "before_insert")
    def on_insert(_mapper: Any, _connection: Any, customer: Any) -> None:
        customer.pinyin = pinyin_initials(customer.company or "")

    @event.listens_for(customer_class, "before_update")
    def on_update(_mapper: Any, _connection: Any, customer: Any) -> None:
        if get_history(customer, "company").has_changes():
            customer.pinyin = pinyin_initials(customer.company or "")
