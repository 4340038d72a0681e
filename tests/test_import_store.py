"""Where an import keeps what it has read (bot.services.import_store): objects and keys beyond a
budget wait on disk and come back unchanged; an import whose customers come back again and again
(a follow-up record in date order) stores the same as one kept in memory."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.services import import_store, spreadsheets
from bot.services.import_store import GroupStore, KeyIndex, Spill
from storage.models import FollowUp, StatusChange
from tests.conftest import Bot, wipe
from tests.test_spreadsheets import east, write_csv


@dataclass
class Thing:
    name: str
    seen: list[int] = field(default_factory=list)


def test_objects_beyond_the_budget_come_back_as_they_were_left() -> None:
    store: GroupStore[Thing] = GroupStore(budget=3)
    model: list[Thing] = []
    rng = random.Random(4)
    for step in range(400):
        if not model or rng.random() < 0.3:
            assert store.add(Thing(f"thing {len(model)}")) == len(model)
            model.append(Thing(f"thing {len(model)}"))
            continue
        index = rng.randrange(len(model))
        store[index].seen.append(step)  # changed right after it is taken
        model[index].seen.append(step)
    assert store.put_away > 0 and len(store) == len(model)
    assert [thing for _, thing in store.items()] == model
    assert all(store[index] == model[index] for index in range(len(model)))
    store.close()


def test_an_index_outside_the_store_is_an_index_error() -> None:
    store: GroupStore[Thing] = GroupStore(budget=2)
    store.add(Thing("only"))
    with pytest.raises(IndexError):
        store[1]
    store.close()


def test_keys_folded_into_the_arrays_are_found_and_colliding_hashes_told_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    owners = {index: f"key {index}" for index in range(50)}
    index = KeyIndex(lambda at, key: owners[at] == key, budget=7)
    monkeypatch.setattr(import_store, "hash", lambda key: len(key), raising=False)  # every "key N" collides
    for at, key in owners.items():
        assert index.get(key) is None
        index.add(key, at)
    assert all(index.get(key) == at for at, key in owners.items())
    assert index.get("key 50") is None and index.get("other") is None


def test_a_spill_gives_back_its_items_in_order() -> None:
    with Spill[tuple[int, str]]() as spill:
        items = [(n, f"row {n}") for n in range(Spill.BATCH * 2 + 17)]
        spill.extend(items[:5])
        spill.extend(items[5:])
        assert spill.count == len(items) and list(spill) == items


def date_ordered_record(tmp_path: Path) -> Path:
    """A follow-up record in date order: twelve customers' rows interleaved, each customer's company
    written three ways (case, spaces, full width), numbers on some rows only."""
    rows: list[list[Any]] = [["客户编号", "客户名称", "联系人", "跟进日期", "跟进方式", "跟进内容", "跟进阶段", "当前状态",
                              "负责人"]]
    stages = [("潜在客户开发", None), ("需求深挖", None), ("方案提供", "谈判中")]
    for step, (stage, status) in enumerate(stages):
        for n in range(12):
            company = [f"Interleaved {n} Ltd", f"INTERLEAVED  {n} LTD", f"Ｉｎｔｅｒｌｅａｖｅｄ {n} Ltd"][step]
            rows.append([f"CL2024{n + 100:03d}" if step != 1 else None, company, f"Contact {n}",
                         f"2024-{step + 3:02d}-{n + 1:02d}", "电话", f"call {step} with {n}", stage, status,
                         "U0REP1" if n % 2 else "U0REP2"])
    return write_csv(tmp_path / "by-date.csv", rows)


def stored(bot: Bot, tmp_path: Path, name: str) -> str:
    out = tmp_path / name
    spreadsheets.export_file(bot.runtime, out, fmt="csv", lang="zh-CN", team=east(bot))
    return out.read_text(encoding="utf-8-sig")


def test_a_date_ordered_record_beyond_the_budget_stores_what_it_stores_in_memory(
        bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = date_ordered_record(tmp_path)
    kept = spreadsheets.import_file(bot.runtime, path, team=east(bot))
    in_memory = stored(bot, tmp_path, "in-memory.csv")
    with bot.db.read() as session:
        history = sorted(session.execute(select(StatusChange.to_status, func.count()).group_by(StatusChange.to_status)))
    wipe(bot.db)
    from bot.services.directory import sync_directory

    sync_directory(bot.runtime)
    stores: list[GroupStore[Any]] = []

    class Watched(GroupStore[Any]):
        def __init__(self) -> None:
            super().__init__()
            stores.append(self)

    monkeypatch.setattr(import_store, "GROUPS_IN_MEMORY", 3)
    monkeypatch.setattr(import_store, "KEYS_IN_MEMORY", 2)
    monkeypatch.setattr(spreadsheets, "GroupStore", Watched)
    put_away = spreadsheets.import_file(bot.runtime, path, team=east(bot))
    assert (put_away.created, put_away.followups) == (kept.created, kept.followups) == (12, 36)
    assert stores[0].put_away > 12  # customers put away and read back as their rows came again
    assert stored(bot, tmp_path, "put-away.csv") == in_memory
    with bot.db.read() as session:
        assert sorted(session.execute(select(StatusChange.to_status, func.count())
                                      .group_by(StatusChange.to_status))) == history
        assert session.scalar(select(func.count()).select_from(FollowUp)) == 36
    again = spreadsheets.import_file(bot.runtime, path, team=east(bot))
    assert (again.created, again.updated, again.followups, again.skipped) == (0, 0, 0, 36)
