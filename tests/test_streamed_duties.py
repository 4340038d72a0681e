"""Scheduled work streamed (issue 15): the due lists read a few reps at a time, the churn scores as
the rows arrive, give what the one-shot versions gave, on a generated organisation (bench.enterprise_data's
skewed, bilingual shape at its smallest: 200 reps, 3,000 customers, 20,000 follow-ups)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk import WebClient
from sqlalchemy import select

from bench import enterprise_data, scale_data
from bot.domain.dates import format_when
from bot.runtime import Runtime
from bot.services import duties
from bot.services.cadence import cadence_days_cache
from bot.services.churn import churn_duty, iter_scores, score_all
from bot.services.directory import sync_directory
from bot.services.duelist import DueEntry, DueList, due_lists, horizon_end, iter_due_lists
from bot.views.duelist import due_list_message
from storage import queries
from storage.db import Database
from storage.models import ChurnAlert, Customer, OutboxMessage
from tests.conftest import own_database

SIZE = enterprise_data.Size(*enterprise_data.PRESETS["tiny"])
NOW = scale_data.NOW


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    with own_database(Path(tmp_path_factory.mktemp("enterprise")), prefix="streamed") as url:
        scale_data.generate(url, SIZE.scale(), say=lambda _: None, shape=enterprise_data.SHAPE)
        db = Database(url)
        runtime = Runtime(config=scale_data.teams_config(SIZE.scale()), db=db,
                          slack=WebClient(token="xoxb-none", base_url="http://127.0.0.1:9/api/"), clock=lambda: NOW)
        sync_directory(runtime)
        try:
            yield runtime
        finally:
            db.dispose()


def owners_of(runtime: Runtime) -> dict[str, str]:
    return {rep: runtime.config.teams[0].timezone for rep in scale_data.active_reps(SIZE.scale())}


def reference_due_lists(runtime: Runtime, owners: dict[str, str]) -> dict[str, DueList]:
    """The due lists as they were made before streaming: everyone's rows in two queries, sorted per rep."""
    latest = max(horizon_end(NOW, tz) for tz in set(owners.values()))
    with runtime.db.read() as session:
        customers = queries.due_customers(session=session, owner_ids=list(owners), until=latest, now=NOW)
        items = queries.due_items_for(session=session, owner_ids=list(owners), until=latest, now=NOW)
    found: dict[str, list[DueEntry]] = defaultdict(list)
    days_for = cadence_days_cache(runtime)
    for row in customers:
        reason = row.due_reason or "cadence"
        days = days_for(row) if reason in ("cadence", "key_stage") else None
        found[row.owner_id].append(DueEntry(customer_id=row.id, number=row.number, company=row.company,
                                            grade=row.grade, status=row.status, due_at=row.next_due_at, why=reason,
                                            days=days))
    for row in items:
        found[row.item_owner].append(DueEntry(customer_id=row.id, number=row.number, company=row.company,
                                              grade=row.grade, status=row.status, due_at=row.due_at, why=row.kind,
                                              note=row.note))
    lists = {owner: DueList(owner_id=owner) for owner in owners}
    for owner, entries in found.items():
        zone = ZoneInfo(owners[owner])
        today, end = NOW.astimezone(zone).date(), horizon_end(NOW, owners[owner])
        for entry in sorted(entries, key=lambda e: (e.due_at, e.number)):
            day = entry.due_at.astimezone(zone).date()
            if entry.due_at < end:
                (lists[owner].overdue if day < today else lists[owner].today if day == today
                 else lists[owner].upcoming).append(entry)
    return lists


def as_tuples(due: DueList) -> tuple[Any, ...]:
    return tuple(tuple(map(tuple, bucket)) for bucket in (due.overdue, due.today, due.upcoming))


def test_the_generated_organisation_is_skewed_and_bilingual(generated: Runtime) -> None:
    with generated.db.read() as session:
        owners = list(session.scalars(select(Customer.owner_id)))
        companies = list(session.scalars(select(Customer.company)))
    per_rep = sorted((owners.count(rep) for rep in set(owners)), reverse=True)
    assert len(per_rep) == SIZE.reps
    assert per_rep[0] >= 5 * per_rep[len(per_rep) // 2]  # key-account reps hold many times the median
    assert min(per_rep) >= 5
    chinese = sum(1 for c in companies if not c[:1].isascii())
    assert 0.4 < chinese / len(companies) < 0.6


@pytest.mark.parametrize("chunk", [1, 7, 500])
def test_streamed_due_lists_are_the_one_shot_lists(generated: Runtime, chunk: int) -> None:
    owners = owners_of(generated)
    expected = reference_due_lists(generated, owners)
    streamed = list(iter_due_lists(generated, owners=owners, now=NOW, chunk=chunk))
    assert [due.owner_id for due in streamed] == list(owners)  # every rep once, in the order asked
    assert sum(len(due) for due in streamed) > 1000
    differing = [due.owner_id for due in streamed if as_tuples(due) != as_tuples(expected[due.owner_id])]
    assert differing == []
    assert {o: as_tuples(d) for o, d in due_lists(generated, owners=owners, now=NOW).items()} == {
        o: as_tuples(d) for o, d in expected.items()}


def test_the_daily_duty_queues_in_chunks_what_the_one_shot_lists_say(generated: Runtime,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duties, "QUEUE_CHUNK", 7)
    owners = owners_of(generated)
    expected = reference_due_lists(generated, owners)
    queued = duties.daily_due_lists(generated, NOW)
    with generated.db.read() as session:
        rows = {m.key: m for m in session.scalars(select(OutboxMessage).where(OutboxMessage.key.like("digest:%")))}
    day = NOW.astimezone(ZoneInfo(generated.config.teams[0].timezone)).date().isoformat()
    wanted = {f"digest:{owner}:{day}" for owner, due in expected.items() if not due.empty}
    sent = {key for key, m in rows.items() if m.state != "skipped"}
    assert queued == len(wanted) and sent == wanted
    day_text = format_when(NOW, tz=generated.config.teams[0].timezone, lang="en").split(",")[0]
    for key in sorted(wanted)[::25]:
        owner = key.split(":")[1]
        text, blocks = due_list_message("en", expected[owner], tz=owners[owner], day=day_text)
        assert (rows[key].payload["text"], rows[key].payload["blocks"]) == (text, blocks)
    assert duties.daily_due_lists(generated, NOW) == 0  # a rerun queues nothing


def test_streamed_churn_scores_flag_exactly_the_customers_at_risk(generated: Runtime,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    policy = generated.config.teams[0].policy.churn
    listed = score_all(generated, NOW)  # every customer in one chunk
    monkeypatch.setattr(queries, "CHURN_CHUNK", 97)
    streamed = list(iter_scores(generated, NOW))  # 31 chunks
    assert [(s.customer.id, s.score.total) for s in streamed] == [(s.customer.id, s.score.total) for s in listed]
    at_risk = {s.customer.id for s in streamed if s.score.at_risk(policy)}
    assert 0 < len(at_risk) < len(streamed)
    flagged = churn_duty(generated, NOW)
    with generated.db.read() as session:
        warned = set(session.scalars(select(Customer.id).where(Customer.warning.is_(True))))
        alerts = set(session.scalars(select(ChurnAlert.customer_id).where(ChurnAlert.closed_at.is_(None))))
    assert flagged == len(at_risk) and warned == at_risk and alerts == at_risk
    assert churn_duty(generated, NOW) == 0  # nothing changes on a rerun


def test_alerts_queued_in_chunks_are_every_alert_once(generated: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(duties, "QUEUE_CHUNK", 7)
    queued = duties.alerts(generated, NOW)
    days = generated.config.teams[0].policy.alerts.a_silence_days
    with generated.db.read() as session:
        keys = list(session.scalars(select(OutboxMessage.key).where(
            OutboxMessage.key.like("alert:%") | OutboxMessage.key.like("remind:objection:%"))))
        silent = [c for c in queries.silent_customers(session=session, grade="A", since=NOW - timedelta(days=days))
                  if c.last_contact_at is not None and (NOW - c.last_contact_at).days > days]
    assert queued == len(keys) > 7 * 3  # several chunks
    assert {k for k in keys if k.startswith("alert:a_silence:")} >= {
        f"alert:a_silence:{c.id}:{c.last_contact_at.isoformat()}" for c in silent if c.last_contact_at is not None}
    assert duties.alerts(generated, NOW) == 0  # every alert once: a rerun queues nothing
