"""Customer search through the services: what the New lead service writes is found at once through
the index (number, company, contact, Chinese, full-width), by whoever may see it, and no one else."""

from __future__ import annotations

import pytest

from bot.services import customers
from storage import search
from storage.queries import CustomerScope
from tests.services.support import ADMIN, REP, REP2, REPW, STRANGER, SUP, Env


@pytest.fixture
def leads(env: Env) -> dict[str, int]:
    return {
        "acme": env.lead(REP, "Acme Robotics Suzhou Ltd", contact_name="Mary Brown").customer_id,
        "acme2": env.lead(REP2, "Acme Robotics Wuxi Ltd").customer_id,
        "huawei": env.lead(REP, "上海华为技术有限公司", contact_name="王伟").customer_id,
        "west": env.lead(REPW, "Acme Robotics Seattle LLC").customer_id,
    }


@pytest.mark.parametrize(("viewer", "query", "expected"), [
    (ADMIN, "acme robotics", ["acme", "acme2", "west"]),
    (SUP, "ＡＣＭＥ", ["acme", "acme2"]),
    (SUP, "华为技术", ["huawei"]),
    (SUP, "华", ["huawei"]),
    (ADMIN, "王伟", ["huawei"]),
    (ADMIN, "mary b", ["acme"]),
    (REP, "acme", ["acme"]),
    (REPW, "robotics", ["west"]),
    (STRANGER, "acme", []),
])
def test_a_new_lead_is_found_at_once_by_whoever_may_see_it(env: Env, leads: dict[str, int], viewer: str,
                                                            query: str, expected: list[str]) -> None:
    found = {c.id for c in customers.customer_options(env.runtime, actor_id=viewer, query=query)}
    assert found == {leads[name] for name in expected}


def test_the_index_path_orders_as_the_plain_query(env: Env, leads: dict[str, int]) -> None:
    """Newest contact first within a rank: the lead contacted last comes first (both paths)."""
    env.followup(REP2, leads["acme2"], at=env.now)
    actor = env.actor(ADMIN)
    with env.runtime.db.read() as session:
        plain = [c.id for c in search.scan(session=session, scope=CustomerScope(ADMIN, everything=True),
                                           folded="acme", limit=100)]
    indexed = [c.id for c in customers.search(env.runtime, actor, "Acme")]
    assert indexed == plain
    assert indexed[0] == leads["acme2"]


def test_a_number_or_an_exact_name_resolves_to_one_customer(env: Env, leads: dict[str, int]) -> None:
    sup = env.actor(SUP)
    number = env.customer(leads["acme"]).number
    assert [c.id for c in customers.resolve(env.runtime, sup, number.lower())] == [leads["acme"]]
    assert [c.id for c in customers.resolve(env.runtime, sup, "acme robotics wuxi ltd")] == [leads["acme2"]]
    assert {c.id for c in customers.resolve(env.runtime, sup, "Acme Robotics")} == {leads["acme"], leads["acme2"]}
    assert customers.resolve(env.runtime, env.actor(REPW), number) == []
