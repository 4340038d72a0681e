"""Many realistic customers, fast: bulk INSERTs with SQLAlchemy Core into a freshly migrated database.

Half English, half Chinese company and contact names; numbers in each team's own format continuing
its sequence (CL2026001…, LA-IT-2026-001…), so the bot numbers its next lead after them; ``search_text``
built by the bot's own ``bot.domain.followups.search_text``; owners spread over the given reps.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import insert, select, text

from bench.common import ROOT, TEAMS_FILE
from bot.config import load_teams_config
from bot.domain.followups import STATUSES, search_text
from bot.domain.leads import industry_code, normalize_company_name, number_parts
from bot.runtime import Runtime
from bot.services import cadence
from bot.services.directory import sync_directory
from storage import queries
from storage.db import Database
from storage.models import Contact, Customer, NumberSequence
from storage.pinyin import pinyin_initials

EN_FIRST = ("Acme", "Apex", "Atlas", "Aurora", "Axis", "Beacon", "Blue", "Bright", "Cedar", "Crest",
            "Delta", "Eagle", "Echo", "Everest", "Falcon", "First", "Fusion", "Global", "Golden", "Granite",
            "Harbor", "Horizon", "Iron", "Jade", "Keystone", "Liberty", "Lotus", "Maple", "Meridian",
            "Metro", "Nova", "Oak", "Omega", "Orion", "Pacific", "Peak", "Pioneer", "Prime", "Quantum",
            "Red", "River", "Sierra", "Silver", "Solar", "Star", "Sterling", "Summit", "Sun", "Titan",
            "Trinity", "Union", "United", "Valley", "Vector", "Vista", "West", "Zenith", "Anchor", "Alpine",
            "Ace")
EN_SECOND = ("Tech", "Data", "Logic", "Systems", "Works", "Labs", "Dynamics", "Solutions", "Networks",
             "Industries", "Partners", "Holdings", "Micro", "Power", "Bio", "Med", "Foods", "Steel",
             "Motors", "Energy", "Logistics", "Trading", "Retail", "Media", "Cloud", "Robotics", "Devices",
             "Materials", "Chemicals", "Textiles", "Packaging", "Plastics", "Components", "Instruments",
             "Optics", "Controls", "Machinery", "Electric", "Water", "Air", "Marine", "Farms", "Health",
             "Capital", "Software", "Digital", "Mobile", "Security", "Consulting", "Print")
EN_PLACE = ("Shanghai", "Suzhou", "Shenzhen", "Beijing", "Hangzhou", "Ningbo", "Wuxi", "Nanjing", "Xiamen",
            "Qingdao", "Seattle", "Portland", "Austin", "Denver", "Boston", "Chicago", "Phoenix", "Dallas",
            "Atlanta", "Oakland")
EN_SUFFIX = ("Ltd", "Inc.", "Co., Ltd.", "Corp.", "LLC", "GmbH", "Group", "Limited")
ZH_CITY = ("上海", "北京", "深圳", "广州", "杭州", "苏州", "南京", "无锡", "宁波", "成都", "重庆", "武汉", "西安", "天津", "青岛", "厦门",
           "长沙", "郑州", "合肥", "福州", "济南", "大连", "沈阳", "昆明", "南昌", "佛山", "东莞", "常州", "温州", "绍兴", "嘉兴", "珠海",
           "中山", "烟台", "泉州", "徐州", "南通", "扬州", "台州", "金华")
ZH_BRAND = ("华为", "华润", "华达", "华通", "华信", "华美", "华宇", "华强", "中兴", "中信", "中联", "中科", "阿里", "腾讯", "百度", "京东",
            "海尔", "美的", "格力", "长城", "东方", "南方", "北方", "新华", "宏达", "恒通", "恒信", "永安", "永盛", "金鼎", "金石", "银河",
            "天宇", "天成", "星辰", "瑞丰", "瑞祥", "隆基", "鼎盛", "博远", "安泰", "信达", "志高", "万达", "联想", "远大", "正泰", "德力",
            "光明", "大华")
ZH_TRADE = ("技术", "科技", "电子", "机械", "贸易", "物流", "软件", "信息", "智能", "医疗", "材料", "能源", "化工", "建设", "食品")
ZH_SUFFIX = ("有限公司", "股份有限公司", "集团有限公司")
EN_PEOPLE = ("Wang Wei", "Li Na", "Zhang Min", "Liu Yang", "Chen Jie", "John Smith", "Mary Johnson", "David Lee",
             "Sarah Brown", "Michael Chen", "Emma Wilson", "James Taylor", "Olivia Martin", "Daniel Garcia")
ZH_SURNAME = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
              "罗")
ZH_GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "华",
            "平", "建华", "志强", "海燕", "晓东")
INDUSTRIES = ("Manufacturing", "Information Technology", "Retail", "Logistics", "Healthcare", "Energy")
SOURCES = ("trade_show", "website", "association", "customer_referral", "cold_call", "partner", "other")


@dataclass(frozen=True)
class Seeded:
    count: int
    numbers_by_owner: dict[str, list[str]]  # of the live customers (a rejected registration is nobody's)
    seconds: float


def migrated(database_url: str) -> tuple[Database, dict[str, int]]:
    """The schema at head and the teams file's teams and members in it, as the bot would make them."""
    db = Database(database_url)
    db.migrate()
    runtime = Runtime(config=load_teams_config(ROOT / TEAMS_FILE), db=db, slack=WebClient())
    sync_directory(runtime)
    return db, runtime.team_ids


def due_date(runtime: Runtime, row: dict[str, Any]) -> dict[str, Any]:
    """``next_due_at`` and ``due_reason`` as the bot's cadence engine computes them for this customer."""
    customer = Customer(**{k: v for k, v in row.items() if k not in ("id", "tags")})
    cadence.recompute(runtime, customer)
    return {"next_due_at": customer.next_due_at, "due_reason": customer.due_reason}


def company_names(rng: random.Random, count: int) -> Iterator[tuple[str, bool]]:
    """(name, Chinese?) pairs, alternating English and Chinese, every name a different company.

    60,000 English and 60,000 Chinese base names; past that, each base name comes in numbered
    branches ("Acme Tech Shanghai 2 Ltd", "上海华为技术2有限公司"), as many as the count needs. Up to
    120,000 customers the names are the ones they always were.
    """
    english_space = len(EN_FIRST) * len(EN_SECOND) * len(EN_PLACE)
    chinese_space = 2 * len(ZH_CITY) * len(ZH_BRAND) * len(ZH_TRADE)
    english_count, chinese_count = (count + 1) // 2, count // 2
    english = rng.sample(range(english_space * -(-english_count // english_space)), english_count)
    chinese = rng.sample(range(chinese_space * -(-chinese_count // chinese_space)), chinese_count)
    for i in range(count):
        if i % 2 == 0:
            branch, n = divmod(english[i // 2], english_space)
            first, rest = divmod(n, len(EN_SECOND) * len(EN_PLACE))
            second, place = divmod(rest, len(EN_PLACE))
            numbered = f" {branch + 1}" if branch else ""
            yield f"{EN_FIRST[first]} {EN_SECOND[second]} {EN_PLACE[place]}{numbered} {rng.choice(EN_SUFFIX)}", False
        else:
            branch, n = divmod(chinese[i // 2], chinese_space)
            form, rest = divmod(n, len(ZH_CITY) * len(ZH_BRAND) * len(ZH_TRADE))
            city, rest = divmod(rest, len(ZH_BRAND) * len(ZH_TRADE))
            brand, trade = divmod(rest, len(ZH_TRADE))
            c, b, t, s = ZH_CITY[city], ZH_BRAND[brand], ZH_TRADE[trade], rng.choice(ZH_SUFFIX)
            numbered = str(branch + 1) if branch else ""
            yield (f"{b}{t}{numbered}（{c}）{s}" if form else f"{c}{b}{t}{numbered}{s}"), True


def seed_customers(db: Database, team_ids: Mapping[str, int], owners: Mapping[str, Sequence[str]], *, count: int,
                   seed: int, chunk: int = 5000) -> Seeded:
    """``count`` customers with one or two contacts each, owned by ``owners`` (team name -> user ids)."""
    started = datetime.now(UTC)
    rng = random.Random(seed)
    config = load_teams_config(ROOT / TEAMS_FILE)
    runtime = Runtime(config=config, db=db, slack=WebClient(), team_ids=dict(team_ids))
    now = datetime.now(UTC)
    teams = [t for t in config.teams if owners.get(t.name)]
    weights = [len(owners[t.name]) for t in teams]
    sequences: dict[str, tuple[str, str, int]] = {}  # team -> (key, format, last seq)
    numbers_by_owner: dict[str, list[str]] = {}
    customers: list[dict[str, Any]] = []
    contacts: list[dict[str, Any]] = []
    for customer_id, (company, chinese) in enumerate(company_names(rng, count), start=1):
        team = rng.choices(teams, weights)[0]
        industry = "Information Technology" if team.industry_codes else rng.choice(INDUSTRIES)
        key, fmt, last = sequences.get(team.name) or (*number_parts(
            team.customer_number, year=now.astimezone(team.zone).year, region=(team.region or "XX").upper(),
            industry=industry_code(industry, team.industry_codes)), 0)
        sequences[team.name] = (key, fmt, last + 1)
        number = fmt.format(seq=last + 1)
        owner = rng.choice(owners[team.name])
        people = [(rng.choice(ZH_SURNAME) + rng.choice(ZH_GIVEN)) if chinese else rng.choice(EN_PEOPLE)
                  for _ in range(1 + (rng.random() < 0.2))]
        acquired = now - timedelta(days=rng.uniform(1, 700))
        registration = rng.choices(("approved", "pending", "rejected"), (90, 9, 1))[0]
        if registration != "rejected":
            numbers_by_owner.setdefault(owner, []).append(number)
        customers.append({
            "id": customer_id, "number": number, "team_id": team_ids[team.name], "owner_id": owner,
            "company": company, "name_key": None if registration == "rejected" else normalize_company_name(company),
            "industry": industry, "company_size": rng.choice(("20 staff", "200 staff", "2000 staff", None)),
            "need": "ERP replacement", "acquired_at": acquired, "source": rng.choice(SOURCES),
            "intent": rng.choice(("high", "medium", "low")), "tags": [], "region": team.region,
            "search_text": search_text(number=number, company=company, contacts=people),
            "pinyin": pinyin_initials(company),
            "status": rng.choice(STATUSES), "registration": registration, "paused": False, "warning": False,
            # Every customer contacted at some point: a steady state, not a backlog of first-contact escalations.
            "last_contact_at": now - timedelta(hours=rng.uniform(1, 1000)),
            "created_by": owner, "created_at": acquired, "updated_at": acquired,
        })
        customers[-1].update(due_date(runtime, customers[-1]))
        for n, person in enumerate(people):
            contacts.append({"customer_id": customer_id, "name": person, "phone": "+86 138 0013 8000",
                             "title": None, "email": None, "decision_role": None, "is_primary": n == 0})
    with db.engine.begin() as conn:
        for rows, table in ((customers, Customer.__table__), (contacts, Contact.__table__)):
            for start in range(0, len(rows), chunk):
                conn.execute(insert(table), rows[start:start + chunk])
        conn.execute(insert(NumberSequence.__table__), [{"key": k, "last": last} for k, _, last in sequences.values()])
        if db.engine.dialect.name == "postgresql":
            for table in ("customers", "contacts"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    with db.write() as session:  # the due dates above follow the teams file's policy: no recompute on start
        queries.set_state(session=session, key=cadence.FINGERPRINT_KEY, value=cadence.policy_fingerprint(runtime))
    with db.read() as session:
        assert session.scalar(select(Customer.id).order_by(Customer.id.desc()).limit(1)) == count
    return Seeded(count, numbers_by_owner, (datetime.now(UTC) - started).total_seconds())
