"""Customer search through the index (storage/search.py) gives exactly what the plain query gives.

The reference below is the query type-ahead and find ran before the index (a LIKE over every
visible customer, ranked in one sort). On a few thousand generated customers (English and Chinese
names, both teams' number formats, mixed case, full-width forms, contacts, ties and NULLs in the
contact order, rejected registrations), every query is run by the service (``customers.search``)
and by the reference, for each kind of viewer, and with the switch between "sort the candidates"
and "read in contact order" forced both ways (``dense``). Then: the FTS5 table follows every kind
of write (bulk insert, edit, delete, owner change), SQLite without FTS5 falls back to the plain
query, and revision 0010 goes up and down on this database (SQLite, or PostgreSQL with
TEST_DATABASE_URL) and leaves a working index.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from slack_sdk import WebClient
from sqlalchemy import case, delete, func, insert, literal, or_, select, text, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session

from bot.config import load_teams_config
from bot.domain.followups import fold, search_text
from bot.runtime import Runtime
from bot.services import customers
from bot.services.directory import resolve_actor, sync_directory
from bot.services.permissions import scope_of
from storage import search
from storage.db import Database, alembic_config
from storage.models import Customer
from storage.pinyin import pinyin_initials
from storage.queries import CustomerScope
from tests.conftest import TEAMS_FILE, Clock, own_database

REP, REP2, SUP, REPW, SUPW, ADMIN = "U0REP1", "U0REP2", "U0SUPEAST", "U0REPW", "U0SUPWEST", "U0ADMIN"
VIEWERS = (REP, REP2, SUP, REPW, SUPW, ADMIN)
COUNT = 3000
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

ENGLISH = ("Acme", "ACME", "Apex", "Atlas", "Ace", "Beacon", "Tech", "Delta", "Zenith", "Nova", "Ａｃｍｅ", "Macmedia")
ENGLISH_2 = ("Tech", "Data", "Systems", "Trading", "Consulting", "Logistics", "Labs", "TECH")
PLACES = ("Shanghai", "Beijing", "Seattle", "Austin")
SUFFIXES = ("Ltd", "Inc.", "Co., Ltd.", "LLC", "100% Ltd", "A_B Corp", "Quote\" Ltd", "Back\\slash")
CITIES = ("上海", "北京", "深圳", "杭州")
BRANDS = ("华为", "华润", "中兴", "大华", "新华", "阿里")
TRADES = ("技术", "科技", "电子", "贸易")
PEOPLE = ("Wang Wei", "Li Na", "John Smith", "Mary Acme", "王伟", "李娜", "华强", "ＪＯＨＮ")

QUERIES = (
    # English, one to many characters, words and phrases
    "a", "ac", "acm", "acme", "tech", "acme tech", "e t", "ltd", "ing", "co., l", "smith", "mary a",
    # Chinese
    "华", "华为", "华为技", "华为技术", "技术（", "（上海）", "王", "王伟",
    # numbers, whole and in part, both formats
    "cl", "cl2026", "cl2026001", "CL2026007", "la", "la-it", "la-it-2026-00", "2026", "001", "-", "0",
    # mixed case and full-width input
    "ACME", "AcMe TeCh", "ＡＣＭＥ", "Ａｃ", "ＣＬ２０２６", "华为（上海",
    # LIKE's and FTS5's special characters, and nothing at all
    "%", "_", "\\", '"', "100%", "a_b", 'quote"', "zq", "zzzz",
    # pinyin initials of Chinese companies (after every other rank), alone or after text matches
    "hwjs", "shhw", "hw", "h", "zx", "dh", "Ｈｗ",
)


def reference(*, session: Session, scope: CustomerScope, folded: str, limit: int) -> list[Customer]:
    """Type-ahead's query before the index, kept as it was (storage/queries.py at e8dc805), then for
    letters and digits the companies whose pinyin initials start with them (and that it missed)."""
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    number = func.lower(Customer.number)
    rank = case(
        (number == folded, 0),
        (number.like(escaped + "%", escape="\\"), 1),
        (Customer.search_text.like(literal("\x1f") + number + literal("\x1f" + escaped + "%"), escape="\\"), 2),
        (or_(Customer.search_text.like("%\x1f" + escaped + "%", escape="\\"),
             Customer.search_text.like("% " + escaped + "%", escape="\\")), 3),
        else_=4,
    )
    statement = (
        select(Customer)
        .where(Customer.registration != "rejected", scope.clause(),
               Customer.search_text.like("%" + escaped + "%", escape="\\"))
        .order_by(rank, Customer.last_contact_at.desc().nulls_last(), Customer.id.desc())
        .limit(limit)
    )
    found = list(session.scalars(statement))
    if len(found) < limit and folded.isascii() and folded.isalnum():  # the pinyin initials' rank
        found += session.scalars(
            select(Customer)
            .where(Customer.registration != "rejected", scope.clause(), Customer.pinyin.startswith(folded),
                   ~Customer.search_text.contains(folded))
            .order_by(Customer.last_contact_at.desc().nulls_last(), Customer.id.desc())
            .limit(limit - len(found)))
    return found


@dataclass
class Book:
    db: Database
    runtime: Runtime
    team_ids: dict[str, int]


def customer_rows(team_ids: dict[str, int], count: int, *, seed: int = 7, first_id: int = 1) -> list[dict[str, Any]]:
    """``count`` customers: East China numbers CL2026001…, West Coast LA-IT-2026-001…, owners of both
    teams; contact times with ties and NULLs; about one in twenty rejected."""
    rng = random.Random(seed)
    owners = {"East China": (REP, REP2, SUP), "West Coast": (REPW, SUPW)}
    sequence = {"East China": 0, "West Coast": 0}
    rows = []
    for customer_id in range(first_id, first_id + count):
        team = rng.choice(("East China", "East China", "West Coast"))
        sequence[team] += 1
        seq = sequence[team] + (first_id - 1)
        number = f"CL2026{seq:03d}" if team == "East China" else f"LA-IT-2026-{seq:03d}"
        if rng.random() < 0.5:
            company = f"{rng.choice(ENGLISH)} {rng.choice(ENGLISH_2)} {rng.choice(PLACES)} {rng.choice(SUFFIXES)}"
        elif rng.random() < 0.5:
            company = f"{rng.choice(CITIES)}{rng.choice(BRANDS)}{rng.choice(TRADES)}有限公司"
        else:
            company = f"{rng.choice(BRANDS)}{rng.choice(TRADES)}（{rng.choice(CITIES)}）有限公司"
        people = rng.sample(PEOPLE, rng.choice((0, 1, 1, 2)))
        contact = rng.random()
        last_contact = (None if contact < 0.05 else NOW - timedelta(hours=rng.randrange(40)) if contact < 0.5
                        else NOW - timedelta(minutes=rng.randrange(100_000)))
        rows.append({
            "id": customer_id, "number": number, "team_id": team_ids[team], "owner_id": rng.choice(owners[team]),
            "company": company, "name_key": None, "industry": "Manufacturing", "need": "ERP",
            "acquired_at": NOW, "source": "website", "intent": "medium", "tags": [], "region": None,
            "search_text": search_text(number=number, company=company, contacts=people), "status": "lead",
            "pinyin": pinyin_initials(company),
            "registration": "rejected" if rng.random() < 0.05 else "approved", "paused": False, "warning": False,
            "last_contact_at": last_contact, "created_by": REP, "created_at": NOW, "updated_at": NOW,
        })
    return rows


def make_runtime(db: Database) -> Runtime:
    return Runtime(config=load_teams_config(TEAMS_FILE), db=db, slack=WebClient(token="xoxb-none",
                   base_url="http://127.0.0.1:9/api/"), clock=Clock(), wall=Clock())


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    """A database of its own with ``COUNT`` customers, inserted in bulk (the triggers index them)."""
    with own_database(tmp_path_factory.mktemp("search"), prefix="search") as url:
        db = Database(url)
        try:
            db.migrate()
            runtime = make_runtime(db)
            sync_directory(runtime)
            with db.engine.begin() as conn:
                conn.execute(insert(Customer.__table__), customer_rows(runtime.team_ids, COUNT))
                if db.engine.dialect.name == "postgresql":
                    conn.execute(text("SELECT setval(pg_get_serial_sequence('customers', 'id'), "
                                      "(SELECT max(id) FROM customers))"))
                    conn.execute(text("ANALYZE customers"))
            yield Book(db, runtime, dict(runtime.team_ids))
        finally:
            db.dispose()


def reference_ids(book: Book, viewer: str, query: str, limit: int = customers.OPTIONS_LIMIT) -> list[int]:
    actor = resolve_actor(book.runtime.config, viewer)
    assert actor is not None
    with book.db.read() as session:
        return [c.id for c in reference(session=session, scope=scope_of(book.runtime, actor), folded=fold(query),
                                        limit=limit)]


def indexed_ids(book: Book, viewer: str, query: str, limit: int = customers.OPTIONS_LIMIT) -> list[int]:
    actor = resolve_actor(book.runtime.config, viewer)
    assert actor is not None
    return [c.id for c in customers.search(book.runtime, actor, query, limit=limit)]


def mismatches(book: Book, viewer: str, queries: tuple[str, ...] = QUERIES, limit: int = 100) -> list[str]:
    found = []
    for query in queries:
        want, got = reference_ids(book, viewer, query, limit), indexed_ids(book, viewer, query, limit)
        if got != want:
            first = next((i for i, (a, b) in enumerate(zip(got, want, strict=False)) if a != b), min(len(got), len(want)))
            found.append(f"{query!r}: {len(got)} results, {len(want)} expected; first difference at {first}")
    return found


def test_the_generated_book_exercises_every_rank_and_many_results(book: Book) -> None:
    """The data set is not trivial: queries reach the 100-option cap, every rank occurs, and the
    reference itself sees viewers differently."""
    assert len(reference_ids(book, ADMIN, "a")) == 100
    assert len(reference_ids(book, SUP, "华")) == 100
    assert reference_ids(book, ADMIN, "cl2026001")[:1] == reference_ids(book, SUP, "cl2026001")[:1]
    assert reference_ids(book, REPW, "cl2026001") == []
    with book.db.read() as session:
        ranks = {rank for (rank,) in session.execute(
            select(search.rank_of("acme")).where(search._contains("acme")).distinct())}
        assert ranks == {2, 3, 4}
        assert {r for (r,) in session.execute(select(search.rank_of("cl2026")).distinct())} >= {1}


@pytest.mark.parametrize("dense", [1, 40, None, 10**9], ids=["in-order", "mixed", "default", "sorted"])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_indexed_search_equals_the_plain_query(book: Book, viewer: str, dense: int | None,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Same customers, same order, for English, Chinese, numbers, mixed case and full-width input;
    a rep, two reps of one team, both supervisors and an admin."""
    monkeypatch.setattr(search, "DENSE", dense)
    assert mismatches(book, viewer) == []


@pytest.mark.parametrize("viewer", (SUP, ADMIN))
def test_find_takes_the_first_twenty_in_the_same_order(book: Book, viewer: str) -> None:
    assert mismatches(book, viewer, ("a", "acme", "华为", "cl20", "la"), limit=customers.FIND_LIMIT) == []


def test_a_changed_ranking_would_be_noticed(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: newest contact last instead of first is caught."""
    monkeypatch.setattr(search, "_newest_first", lambda dialect: [Customer.last_contact_at.asc(), Customer.id])
    monkeypatch.setattr(search, "_compiled", {})  # the statements are built once: build them again
    assert mismatches(book, ADMIN, ("a", "acme")) != []


def company_rank_rows(team_ids: dict[str, int], first_id: int) -> list[dict[str, Any]]:
    """Customers whose company starts like their number (in the company rank's candidates but of
    rank 0 or 1), others whose company only starts so (rank 2), and a full-width number that folds
    unlike ``lower`` (a candidate of rank 3): contact times in ties, a few without one."""
    rows = customer_rows(team_ids, 90, seed=11, first_id=first_id)
    ties = (NOW - timedelta(hours=1), NOW - timedelta(hours=2), None)
    for i, row in enumerate(rows):
        number = (f"ZX-{i:03d}" if i % 3 == 0 else "ＺＸ９" + str(i) if i % 10 == 1 else row["number"] + f"-{i}")
        company = f"ZX {'Tech' if i % 2 else '华为'} {i}"
        row.update(number=number, company=company, last_contact_at=ties[i % 3], pinyin=pinyin_initials(company),
                   search_text=search_text(number=number, company=company, contacts=["Wang Wei"]))
    return rows


@pytest.mark.parametrize("slack", [0, 20])
@pytest.mark.parametrize("dense", [1, None, 10**9], ids=["in-order", "default", "sorted"])
def test_company_rank_candidates_failing_its_own_test(book: Book, slack: int, dense: int | None,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The company rank is tested on its first candidates only: where more of them than the slack
    are of another rank (their number starts with the query too, or folds unlike ``lower``), it is
    read again in full; the results stay the plain query's for every viewer and page size."""
    monkeypatch.setattr(search, "TESTED_SLACK", slack)
    monkeypatch.setattr(search, "DENSE", dense)
    read_again: list[bool] = []
    tested = search._Search._sorted_then_tested

    def spy(self: Any, *args: Any) -> list[int] | None:
        found = tested(self, *args)
        read_again.append(found is None)
        return found

    monkeypatch.setattr(search._Search, "_sorted_then_tested", spy)
    first = COUNT + 2000
    try:
        with book.db.engine.begin() as conn:
            conn.execute(insert(Customer), company_rank_rows(book.team_ids, first))
        with book.db.read() as session:
            ranks = {rank for (rank,) in session.execute(
                select(search.rank_of("zx")).where(Customer.id >= first, search._contains("zx")).distinct())}
        assert ranks == {1, 2, 3}
        for viewer in (REP, SUP, SUPW, ADMIN):
            for limit in (5, 30, 35, 100):
                assert mismatches(book, viewer, ("zx", "z", "zx ", "zx t", "zx-0", "ｚｘ"), limit=limit) == [], (viewer, limit)
        if book.db.is_sqlite and dense != 1:  # both ways were taken
            assert True in read_again and False in read_again
    finally:
        with book.db.engine.begin() as conn:
            conn.execute(delete(Customer).where(Customer.id >= first))


def test_sqlite_company_rank_reads_its_index_alone(book: Book, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: the company rank's candidates are counted and sorted from ``ix_customers_search_lead``
    without the table (a covering index), its walk in contact order reads an order index, and a
    one-character query's reads the company's first character in contact order (no sort)."""
    if not book.db.is_sqlite:
        pytest.skip("the company index is SQLite's")
    for dense, what in ((10**9, "tested"), (1, "in_order")):
        monkeypatch.setattr(search, "DENSE", dense)
        assert mismatches(book, ADMIN, ("acme", "华为")) == []
        statements = [compiled.string for key, compiled in search._compiled.items()
                      if key[:3] == ("sqlite", what, 2) and key[-1] == "all" and "initial" not in key]
        assert statements
        with book.db.engine.connect() as conn:
            for statement in statements:
                plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN " + statement, tuple(None for _ in range(statement.count("?")))))
                index = search.LEAD_INDEX if what == "tested" else search.ORDER_INDEX
                assert f"COVERING INDEX {index}" in plan, plan
    assert mismatches(book, ADMIN, ("a", "华")) == [] and mismatches(book, SUP, ("a", "华")) == []
    initial = [(key, compiled.string) for key, compiled in search._compiled.items()
               if key[:3] == ("sqlite", "in_order", 2) and "initial" in key]
    assert {key[-1] for key, _ in initial} >= {"all", 1}  # an admin's, a supervisor's of one team
    with book.db.engine.connect() as conn:
        for key, statement in initial:  # a one-character query's company rank: in order, no sort
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, tuple(None for _ in range(statement.count("?")))))
            index = search.INITIAL_INDEX if key[-1] == "all" else search.TEAM_INITIAL_INDEX
            assert f"USING INDEX {index}" in plan, plan
            assert key[-1] != "all" or "TEMP B-TREE" not in plan, plan


def test_pinyin_initials() -> None:
    assert pinyin_initials("华为技术有限公司") == "hwjsyxgs"
    assert pinyin_initials("华为技术（上海）有限公司") == "hwjsshyxgs"
    assert pinyin_initials("ＡＢＣ科技 Ltd.") == pinyin_initials("ABC科技 Ltd.") == "abckjltd"
    assert pinyin_initials("Acme Tech Ltd") == pinyin_initials("") == pinyin_initials("Ａｃｍｅ") == ""


@pytest.mark.parametrize("viewer", (REP, SUP, SUPW, ADMIN))
def test_pinyin_initials_rank_last_and_once(book: Book, viewer: str) -> None:
    """``hwjs`` finds 华为技术; a query matching a customer both in its text and by its pinyin
    initials finds it once, at its text rank; pinyin-only matches come after every text match."""
    first = COUNT + 3000
    companies = ("ZX Tech Ltd", "中兴科技有限公司", "中兴ZX电子有限公司", "中兴通讯有限公司", "Zeta 中兴")
    rows = customer_rows(book.team_ids, len(companies) * 4, seed=5, first_id=first)
    for i, row in enumerate(rows):
        company = companies[i % len(companies)]
        row.update(company=company, pinyin=pinyin_initials(company), registration="approved",
                   search_text=search_text(number=row["number"], company=company, contacts=[]))
    try:
        with book.db.engine.begin() as conn:
            conn.execute(insert(Customer), rows)
        assert mismatches(book, viewer, ("zx", "zxkj", "zxtx", "zx t", "zeta", "z", "hwjs")) == []
        found = indexed_ids(book, viewer, "zx")
        assert len(found) == len(set(found))
        by_id = {row["id"]: row for row in rows}
        mine = [by_id[i]["company"] for i in found if i in by_id]
        pinyin_only = [c for c in mine if "zx" not in fold(c)]
        assert mine[len(mine) - len(pinyin_only):] == pinyin_only  # after every text match
        if viewer == ADMIN:
            assert {"中兴科技有限公司", "中兴通讯有限公司", "中兴ZX电子有限公司", "ZX Tech Ltd"} <= set(mine)
            assert mine.count("中兴ZX电子有限公司") == 4  # its four customers, each once
            assert any(fold(c).startswith("华为技术") for c in
                       (by_id.get(i, {}).get("company") or _company(book, i) for i in indexed_ids(book, viewer, "hwjs")))
    finally:
        with book.db.engine.begin() as conn:
            conn.execute(delete(Customer).where(Customer.id >= first))


def _company(book: Book, customer_id: int) -> str:
    with book.db.read() as session:
        return session.scalars(select(Customer.company).where(Customer.id == customer_id)).one()


def test_every_write_keeps_the_index(book: Book) -> None:
    """Bulk insert, edit, owner change, delete: searches see each at once (the triggers on SQLite)."""
    db = book.db
    first = COUNT + 1000
    try:
        with db.engine.begin() as conn:
            conn.execute(insert(Customer.__table__), customer_rows(book.team_ids, 50, seed=99, first_id=first))
        assert indexed_ids(book, ADMIN, "zyxwv corp") == []
        with db.write() as session:
            edited = session.get(Customer, first)
            assert edited is not None
            edited.company = "Zyxwv Corp"
            edited.search_text = search_text(number=edited.number, company=edited.company, contacts=["赵六"])
        assert indexed_ids(book, ADMIN, "zyxwv corp") == [first]
        assert indexed_ids(book, ADMIN, "赵六") == [first]
        with db.write() as session:  # the ORM keeps the company's pinyin initials
            edited = session.get(Customer, first)
            assert edited is not None
            edited.company = "浙江星宇科技有限公司"
            edited.search_text = search_text(number=edited.number, company=edited.company, contacts=["赵六"])
        assert indexed_ids(book, ADMIN, "zjxykj") == [first]
        with db.write() as session:
            edited = session.get(Customer, first)
            assert edited is not None
            edited.company = "Zyxwv Corp"
            edited.search_text = search_text(number=edited.number, company=edited.company, contacts=["赵六"])
        assert indexed_ids(book, ADMIN, "zjxykj") == []
        with db.write() as session:  # a handover: visibility follows the owner, not the index
            session.execute(update(Customer).where(Customer.id == first).values(
                owner_id=REPW, team_id=book.team_ids["West Coast"]))
        assert (indexed_ids(book, REPW, "zyxw"), indexed_ids(book, SUP, "zyxw")) == ([first], [])
        with db.write() as session:
            session.execute(delete(Customer).where(Customer.id == first))
        assert indexed_ids(book, ADMIN, "zyxwv") == []
        for viewer in (REP, SUP, ADMIN):
            assert mismatches(book, viewer, ("a", "ac", "acme", "华为", "cl", "la-it")) == []
        if db.is_sqlite:
            with db.engine.begin() as conn:
                conn.execute(text(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}, rank) "
                                  "VALUES ('integrity-check', 1)"))
    finally:
        with db.engine.begin() as conn:
            conn.execute(delete(Customer).where(Customer.id >= first))


def test_sqlite_without_fts5_falls_back_to_the_plain_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where FTS5 is not compiled in, the migration leaves the table out and search scans, same results."""
    monkeypatch.setattr(search, "fts5_available", lambda conn: False)
    db = Database(f"sqlite:///{tmp_path / 'no_fts5.db'}")
    try:
        db.migrate()
        runtime = make_runtime(db)
        sync_directory(runtime)
        with db.engine.begin() as conn:
            conn.execute(insert(Customer.__table__), customer_rows(runtime.team_ids, 400))
            tables = {name for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
        assert search.FTS_TABLE not in tables
        without = Book(db, runtime, dict(runtime.team_ids))
        with db.read() as session:
            assert not search.has_text_index(session)
        for viewer in (REP, SUP, ADMIN):
            assert mismatches(without, viewer, ("a", "acme", "华为", "cl2026", "ＡＣＭＥ")) == []
    finally:
        db.dispose()


def search_objects(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE name LIKE 'customer_search%' "
                                     "OR name LIKE 'ix_customers_search%'"))
        else:
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
                                     "AND indexname LIKE 'ix_customers_search%'"))
        return {name for (name,) in rows}


def covering(db: Database, index: str) -> bool:
    with db.engine.connect() as conn:
        definition = conn.execute(text("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                       "AND indexname = :n"), {"n": index}).scalar_one()
    return "INCLUDE" in definition


def downgrade(db: Database, revision: str) -> None:
    with db.engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_migration_0010_goes_down_and_up_again(tmp_path: Path) -> None:
    """0015 down and up: the pinyin column gone, then back filled from the companies. 0014 and 0013
    down and up: SQLite's company indexes gone and back (PostgreSQL: nothing changes).
    0010 down: every search object gone, search still right (the plain query). Up again on existing
    customers: the index is built from them and used (PostgreSQL: the trigram operator class is
    found though the extension lives outside this schema's search_path)."""
    with own_database(tmp_path, prefix="search_mig") as url:
        db = Database(url)
        try:
            db.migrate()
            runtime = make_runtime(db)
            sync_directory(runtime)
            with db.engine.begin() as conn:
                conn.execute(insert(Customer.__table__), customer_rows(runtime.team_ids, 300))
            migrated = Book(db, runtime, dict(runtime.team_ids))
            expected = ({search.FTS_TABLE, *search.SQLITE_INDEXES} if db.is_sqlite
                        else set(search.INDEXES) - {search.LEAD_INDEX, search.INITIAL_INDEX, search.TEAM_INITIAL_INDEX})
            assert expected <= search_objects(db)
            downgrade(db, "0014")  # 0015: the pinyin column and its index, filled from the companies when made
            assert search.PINYIN_INDEX not in search_objects(db)
            with db.engine.connect() as conn:
                assert "pinyin" not in {c["name"] for c in sa_inspect(conn).get_columns("customers")}
            db.migrate()
            assert search.PINYIN_INDEX in search_objects(db)
            with db.read() as session:
                kept = session.execute(select(Customer.company, Customer.pinyin)).all()
            assert [pinyin for _, pinyin in kept] == [pinyin_initials(company) for company, _ in kept]
            assert sum(1 for _, pinyin in kept if pinyin) > 50
            if db.is_sqlite:  # 0013 and 0014 add the company rank's indexes on SQLite (nothing on PostgreSQL)
                initial = {search.INITIAL_INDEX, search.TEAM_INITIAL_INDEX}
                downgrade(db, "0013")
                assert initial.isdisjoint(search_objects(db)) and expected - initial <= search_objects(db)
                downgrade(db, "0012")
                gone = initial | {search.LEAD_INDEX}
                assert gone.isdisjoint(search_objects(db)) and expected - gone <= search_objects(db)
                db.migrate()
                assert expected <= search_objects(db)
            else:
                downgrade(db, "0012")
                assert expected - {search.PINYIN_INDEX} <= search_objects(db)
                db.migrate()
            if not db.is_sqlite:  # 0012 rebuilds 0010's first contact-order indexes as covering ones
                downgrade(db, "0011")
                assert not covering(db, search.ORDER_INDEX)
                db.migrate()
                assert covering(db, search.ORDER_INDEX) and covering(db, search.TEAM_ORDER_INDEX)
            downgrade(db, "0009")
            assert search_objects(db) == set()
            assert db.current_revision() == "0009"
            db.migrate()
            assert expected <= search_objects(db)
            for viewer in (REP, SUP, ADMIN):
                assert mismatches(migrated, viewer, ("a", "acme", "华为技术", "cl2026", "la-it")) == []
            if not db.is_sqlite:
                with db.engine.begin() as conn:
                    conn.execute(text("SET LOCAL enable_seqscan = off"))
                    plan = " ".join(str(row[0]) for row in conn.execute(text(
                        "EXPLAIN SELECT id FROM customers WHERE search_text LIKE '%acme%'")))
                assert search.TRGM_INDEX in plan
        finally:
            db.dispose()
