"""The type-ahead's floor: the plainest indexed query for what a user typed, to compare with.

Customers whose company or number starts with the folded query (case-insensitive), through one
B-tree index per column, the first 100 by company: no match inside a word, no contact names, no
ranking, nobody's visibility. The bot answers more than that; the ratio is what the rest costs.
``bench.typeahead`` times it in process and, through ``bench.bare_app``, over HTTP.
"""

from __future__ import annotations

from sqlalchemy import text

from bot.domain.followups import fold
from storage.db import Database

FLOOR: dict[str, tuple[list[str], str]] = {
    "sqlite": (["CREATE INDEX IF NOT EXISTS bench_company ON customers (company COLLATE NOCASE)",
                "CREATE INDEX IF NOT EXISTS bench_number ON customers (number COLLATE NOCASE)"],
               "SELECT id, number, company FROM customers WHERE company LIKE :prefix OR number LIKE :prefix "
               "ORDER BY company LIMIT 100"),
    "postgresql": (["CREATE INDEX IF NOT EXISTS bench_company ON customers (lower(company) text_pattern_ops)",
                    "CREATE INDEX IF NOT EXISTS bench_number ON customers (lower(number) text_pattern_ops)"],
                   "SELECT id, number, company FROM customers WHERE lower(company) LIKE :prefix "
                   "OR lower(number) LIKE :prefix ORDER BY company LIMIT 100"),
}


def prepare_floor(db: Database) -> list[str]:
    """The floor's indexes (kept: a benchmark's database is its own); the statements run."""
    indexes, _ = FLOOR[db.engine.dialect.name]
    with db.engine.begin() as conn:
        for statement in indexes:
            conn.execute(text(statement))
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE customers"))
    return indexes


def floor_rows(db: Database, query: str) -> list[tuple[int, str, str]]:
    _, sql = FLOOR[db.engine.dialect.name]
    with db.read() as session:
        return [(row[0], row[1], row[2]) for row in session.execute(text(sql), {"prefix": fold(query) + "%"})]
