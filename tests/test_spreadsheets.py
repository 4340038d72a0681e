"""Importing the team's spreadsheets and exporting them again (PRODUCT "Spreadsheets"), against the
real database: the seed's own follow-up record, registers in Chinese and English, GB18030 CSV, every
kind of bad row, duplicates, numbers, formula-looking cells and the round trip."""

from __future__ import annotations

import csv
import io
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select, text

from bot.domain.followups import fold
from bot.services import import_store, spreadsheets
from bot.services.spreadsheets import ImportRefused, import_file
from storage import queries, search
from storage.models import Base, Contact, Customer, FollowUp, NumberSequence, StatusChange
from tests.conftest import Bot, wipe
from tests.domain.test_spreadsheet_values import SEED_TRADITIONAL
from tests.factories import make_customer

# The seed's own table (000 §三 客户关系管理全周期跟进记录表): its title, its 16 columns and its six rows.
SEED_TITLE = "客户全周期跟进记录表"
SEED_HEADER = ["客户编号", "客户名称", "所属行业", "客户规模", "联系人", "职位", "联系方式", "跟进阶段", "跟进日期",
               "跟进方式", "跟进内容(含需求、方案、反馈等)", "客户反馈(需求变化、疑虑、满意度等)",
               "下一步计划(时间、动作、负责人)", "当前状态", "负责人", "备注"]
_CUSTOMER = ["CL2024001", "*科技有限公司", "互联网", "100-500人"]
_MANAGER = ["*经理", "采购总监", "1385678"]
_CEO = ["*总", "总经理", "139"]
SEED_ROWS = [
    [*_CUSTOMER, *_MANAGER, "潜在客户开发", "2024-03-01", "电话",
     "通过展会线索获取,客户计划升级客户管理系统,初步意向高,分配至销售*工。", "表示关注,希望先了解产品功能模块。",
     "3月3日发送产品手册,电话沟通细节(*工)", "意向客户", "*工", "线索来源:行业展会"],
    [*_CUSTOMER, *_MANAGER, "需求深挖", "2024-03-05", "线上会议",
     "客户需求:客户管理、销售跟进、数据分析功能;决策流程:总拍板,经理评估;预算:20-30万。",
     "对数据报表功能要求较高,担心操作复杂度。", "3月8日提供定制方案,包含数据模块演示(*工)", "需求确认", "*工",
     "已同步产品团队"],
    [*_CUSTOMER, *_CEO, "方案提供", "2024-03-10", "面谈",
     "提供定制方案(含功能清单、报价25万、交付周期1个月),附3个同行业成功案例。",
     "认可方案价值,但预算希望控制在20万以内,交付周期可延长至1.5个月。",
     "3月12日协商报价及周期,提供分阶段付款方案(*工)", "谈判中", "*工", "法务已审核合同草案"],
    [*_CUSTOMER, *_CEO, "商务谈判", "2024-03-15", "电话",
     "达成共识:报价22万,分3期付款(40%-40%-20%),交付周期1.5个月。客户确认签署意向书。",
     "同意条款,要求合同中明确“数据迁移服务包含在内”。", "3月18日准备正式合同,安排签署(*工)", "意向确认", "*工",
     "附:意向书扫描件"],
    [*_CUSTOMER, *_CEO, "成交签约", "2024-03-20", "邮件+面谈",
     "双方签署合同(金额22万,条款已确认),启动项目交接,我方项目经理为*工。", "客户对合同条款无异议,期待项目启动。",
     "3月22日召开项目启动会,提交实施计划(*工、*工)", "成交", "*工", "合同编号:HT2024001"],
    [*_CUSTOMER, *_MANAGER, "售后维护", "2024-04-05", "电话",
     "交付后15天回访,系统运行稳定,客户反馈“数据迁移功能便捷”,满意度4分(满分5分)。",
     "希望增加“客户标签自定义”功能,后续可考虑增购。", "4月10日推送产品更新日志,记录客户增购意向(*工)", "维护中", "*工",
     "预计6月可复购"],
]


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def seed_file(tmp_path: Path, header: Sequence[str] = SEED_HEADER) -> Path:
    return write_xlsx(tmp_path / "跟进记录.xlsx", [[SEED_TITLE], [], list(header), *SEED_ROWS])


def counts(bot: Bot) -> dict[str, int]:
    """Rows per table; users.info answers cached while matching owners (slack_users) are not the file's data."""
    with bot.db.read() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables if table.name != "slack_users"}


def snapshot(bot: Bot) -> list[tuple[Any, ...]]:
    """Every customer's stored row, to compare before and after an import that must change nothing."""
    with bot.db.read() as session:
        return [tuple(row) for row in session.execute(select(Customer.__table__).order_by(Customer.id))]


def east(bot: Bot) -> Any:
    return bot.runtime.config.team("East China")


@pytest.fixture(autouse=True, params=["in-memory", "put-away"])
def import_budget(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test twice: with the file's customers and keys in memory, and with the smallest budgets,
    so that all but two customers wait in a temporary file and the keys are folded into sorted
    arrays (bot.services.import_store), as for a file larger than the budgets."""
    if request.param == "put-away":
        monkeypatch.setattr(import_store, "GROUPS_IN_MEMORY", 2)
        monkeypatch.setattr(import_store, "KEYS_IN_MEMORY", 1)
    return str(request.param)


@pytest.fixture
def named_rep(fake_slack: Any) -> Iterator[str]:
    """U0REP2 is called 李娜 in Slack for the test (display name 娜娜)."""
    before = dict(fake_slack.users["U0REP2"])
    user = fake_slack.add_user("U0REP2", real_name="李娜")
    user["profile"]["display_name"] = "娜娜"
    yield "U0REP2"
    fake_slack.users["U0REP2"] = before


@pytest.mark.parametrize("header", [SEED_HEADER, SEED_TRADITIONAL], ids=["simplified", "as-the-seed-writes-it"])
def test_the_seed_follow_up_record_is_one_customer_with_its_history(bot: Bot, tmp_path: Path,
                                                                   header: list[str]) -> None:
    path = seed_file(tmp_path, header)
    result = import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    assert (result.created, result.updated, result.followups, result.skipped) == (1, 0, 6, 0)
    assert result.summary() == "Imported: created 1, updated 0, follow-ups 6, skipped 0."
    with bot.db.read() as session:
        customer = session.scalars(select(Customer)).one()
        assert (customer.number, customer.company, customer.industry, customer.company_size) == (
            "CL2024001", "*科技有限公司", "互联网", "100-500人")
        assert customer.pinyin == "kjyxgs"  # found by its pinyin initials, as a lead stored by /lead is
        assert (customer.status, customer.owner_id, customer.team_id, customer.registration) == (
            "maintaining", "U0REP1", bot.runtime.team_ids["East China"], "approved")
        assert customer.last_contact_at == datetime(2024, 4, 5, 4, 0, tzinfo=UTC)  # noon in Shanghai
        assert customer.last_stage == "after_sales" and customer.next_step_at is None  # a 2024 plan is history
        contacts = session.scalars(select(Contact).order_by(Contact.id)).all()
        assert [(c.name, c.title, c.phone, c.is_primary) for c in contacts] == [
            ("*经理", "采购总监", "1385678", True), ("*总", "总经理", "139", False)]
        followups = queries.followups_of(session=session, customer_ids=[customer.id])
        history = queries.status_history(session=session, customer_id=customer.id)
    assert [f.occurred_at.astimezone(east(bot).zone).date().isoformat() for f in followups] == [
        "2024-03-01", "2024-03-05", "2024-03-10", "2024-03-15", "2024-03-20", "2024-04-05"]
    assert [f.method for f in followups] == ["phone", "meeting", "visit", "phone", "email", "phone"]
    assert [f.stage for f in followups] == ["initial_contact", "needs_analysis", "proposal", "negotiation", "closing",
                                            "after_sales"]
    assert [f.status_after for f in followups] == ["interested", "needs_confirmed", "negotiating",
                                                   "intent_confirmed", "won", "maintaining"]
    assert followups[4].remarks == "合同编号:HT2024001" and followups[0].notes == SEED_ROWS[0][10]
    assert followups[0].feedback == SEED_ROWS[0][11] and followups[0].next_step == SEED_ROWS[0][12]
    assert followups[0].next_step_at == datetime(2024, 3, 3, 1, 0, tzinfo=UTC)  # "3月3日", 09:00 Shanghai
    assert {f.author_id for f in followups} == {"U0REP1"} and not any(f.late for f in followups)
    assert [(h.from_status, h.to_status) for h in history] == [
        (None, "interested"), ("interested", "needs_confirmed"), ("needs_confirmed", "negotiating"),
        ("negotiating", "intent_confirmed"), ("intent_confirmed", "won"), ("won", "maintaining")]
    assert history[-1].changed_at == datetime(2024, 4, 5, 4, 0, tzinfo=UTC)
    # The deal row stays a follow-up: no deal is guessed from its text.
    assert counts(bot)["deals"] == 0


def test_importing_the_seed_twice_changes_nothing_the_second_time(bot: Bot, tmp_path: Path) -> None:
    path = seed_file(tmp_path)
    import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    before, rows = counts(bot), snapshot(bot)
    result = import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    assert (result.created, result.updated, result.unchanged, result.followups, result.skipped) == (0, 0, 1, 0, 6)
    assert counts(bot) == before and snapshot(bot) == rows


def test_an_unmatched_owner_refuses_the_whole_file_naming_it(bot: Bot, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, seed_file(tmp_path), team=east(bot))
    assert refused.value.problems == [
        'row 4, column O (负责人): "*工" is not a member of team East China (also rows 5, 6, 7, 8, 9); '
        "give --owner USER_ID to assign these rows"]
    assert counts(bot)["customers"] == 0 and counts(bot)["followups"] == 0


def test_owners_by_user_id_real_name_or_display_name(bot: Bot, tmp_path: Path, named_rep: str) -> None:
    path = write_xlsx(tmp_path / "register.xlsx", [
        ["客户名称", "所属行业", "联系人", "负责人"],
        ["甲公司", "制造业", "王伟", "U0REP1"], ["乙公司", "零售", "李强", "李娜"], ["丙公司", "物流", "张伟", "娜娜"],
        ["丁公司", "能源", "刘洋", "u0rep1"]])
    result = import_file(bot.runtime, path, team=east(bot))
    assert result.created == 4
    with bot.db.read() as session:
        owners = dict(session.execute(select(Customer.company, Customer.owner_id)).all())
        cached = queries.get_slack_user(session=session, user_id="U0REP2")
    assert owners == {"甲公司": "U0REP1", "乙公司": "U0REP2", "丙公司": "U0REP2", "丁公司": "U0REP1"}
    assert cached is not None and cached.real_name == "李娜"  # users.info answers are cached


def test_an_english_register_in_any_column_order(bot: Bot, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "customers.xlsx", [
        ["Customers of East China, exported by hand"],
        ["Owner", "Company", "Customer number", "Industry", "Company size", "Contact", "Title", "Phone", "Email",
         "Need", "Pain points", "Source", "Acquired", "Intent", "Tags", "Grade", "Annual purchase", "Status",
         "Last contact", "Next step", "Notes"],
        ["User U0REP2", "Northwind Traders Ltd", "CL2026041", "Retail", "200 staff", "Mary Johnson", "Buyer",
         "+86 21 5555 0100", "mary@northwind.example", "ERP for 12 stores", "Stock errors", "Trade show",
         datetime(2026, 3, 2, 10, 30), "High", "High intent, Technical", "B", "250k", "Negotiating", "2026/11/20",
         "Send the contract", "Met at the Shanghai fair"],
    ])
    result = import_file(bot.runtime, path, team=east(bot))
    assert (result.layout, result.created, result.followups) == ("register", 1, 0)
    with bot.db.read() as session:
        customer = session.scalars(select(Customer)).one()
        contact = session.scalars(select(Contact)).one()
    assert (customer.number, customer.owner_id, customer.source, customer.intent, customer.tags, customer.grade) == (
        "CL2026041", "U0REP2", "trade_show", "high", ["high_intent", "technical"], "B")
    assert customer.annual_purchase == Decimal("250000.00") and customer.status == "negotiating"
    assert customer.acquired_at == datetime(2026, 3, 2, 2, 30, tzinfo=UTC)
    assert customer.last_contact_at == datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    assert (customer.need, customer.pain_points, customer.notes, customer.next_step) == (
        "ERP for 12 stores", "Stock errors", "Met at the Shanghai fair", "Send the contract")
    assert (contact.name, contact.title, contact.phone, contact.email) == (
        "Mary Johnson", "Buyer", "+86 21 5555 0100", "mary@northwind.example")
    assert customer.next_due_at is not None  # the cadence engine ran


# Seed 004's customer information table (客户信息管理表格): its 13 fields and its example row.
SEED_004_HEADER = ["客户ID", "客户名称", "联系人", "公司名称", "行业分类", "联系方式", "最后联系日期", "互动历史",
                   "客户状态", "需求描述", "跟进计划", "负责人", "备注"]
SEED_004_ROW = ["CUST001", "ABC科技有限公司", "*经理", "ABC科技有限公司", "制造业", "电话:*", "2023-10-15",
                "2023-10-10:会议讨论需求;2023-10-15:发送报价单", "高价值客户", "需定制化解决方案",
                "2023-11-01:安排产品演示", "*销售代表", "客户预算紧张,需灵活方案"]


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_the_seed_customer_table_comes_in_with_its_interaction_history(bot: Bot, tmp_path: Path,
                                                                       suffix: str) -> None:
    """Seed 004's table: 互动历史 entries become follow-ups on their dates (method from their words),
    高价值客户 and 活跃客户 are customers being looked after (维护中); a second import changes nothing."""
    active = ["CUST002", "DEF物流有限公司", "*总", "DEF物流有限公司", "物流", "电话:*", "2024-03-02",
              "2024年2月20日 电话沟通续约；3月2日：上门拜访，客户满意", "活跃客户", "续约", "", "*销售代表", ""]
    rows = [SEED_004_HEADER, SEED_004_ROW, active]
    path = write_xlsx(tmp_path / "客户信息.xlsx", rows) if suffix == "xlsx" else write_csv(tmp_path / "客户信息.csv", rows)
    result = import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    assert (result.layout, result.created, result.followups, result.skipped) == ("register", 2, 4, 0)
    assert "互动历史" not in result.ignored_columns
    zone = east(bot).zone
    with bot.db.read() as session:
        customers = session.scalars(select(Customer).order_by(Customer.number)).all()
        followups = {c.number: queries.followups_of(session=session, customer_ids=[c.id]) for c in customers}
        history = queries.status_history(session=session, customer_id=customers[0].id)
    assert [(c.number, c.company, c.status, c.owner_id) for c in customers] == [
        ("CUST001", "ABC科技有限公司", "maintaining", "U0REP1"), ("CUST002", "DEF物流有限公司", "maintaining", "U0REP1")]
    assert customers[0].last_contact_at == datetime(2023, 10, 15, 4, 0, tzinfo=UTC)
    assert customers[1].last_contact_at == datetime(2024, 3, 2, 4, 0, tzinfo=UTC)
    assert customers[0].notes == "客户预算紧张,需灵活方案" and customers[0].need == "需定制化解决方案"
    assert [(f.occurred_at.astimezone(zone).date().isoformat(), f.method, f.notes, f.status_after, f.author_id)
            for f in followups["CUST001"]] == [("2023-10-10", "meeting", "会议讨论需求", None, "U0REP1"),
                                               ("2023-10-15", "other", "发送报价单", None, "U0REP1")]
    assert [(f.occurred_at.astimezone(zone).date().isoformat(), f.method, f.notes) for f in followups["CUST002"]] == [
        ("2024-02-20", "phone", "电话沟通续约"), ("2024-03-02", "visit", "上门拜访，客户满意")]
    assert [(h.from_status, h.to_status) for h in history] == [(None, "maintaining")]
    before, stored = counts(bot), snapshot(bot)
    again = import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    assert (again.created, again.updated, again.unchanged, again.followups, again.skipped) == (0, 0, 2, 0, 4)
    assert counts(bot) == before and snapshot(bot) == stored


def test_the_seed_customer_table_makes_the_round_trip(bot: Bot, tmp_path: Path) -> None:
    """Its interaction history, exported as follow-up rows, imports back into an empty database
    as the same file: the same customer, the same follow-ups, no status made up for them."""
    import_file(bot.runtime, write_xlsx(tmp_path / "客户信息.xlsx", [SEED_004_HEADER, SEED_004_ROW]), team=east(bot),
                owner="U0REP1")
    first = tmp_path / "first.csv"
    spreadsheets.export_file(bot.runtime, first, fmt="csv", lang="zh-CN", team=east(bot))
    wipe(bot.db)
    from bot.services.directory import sync_directory

    sync_directory(bot.runtime)
    result = import_file(bot.runtime, first, team=east(bot))
    assert (result.layout, result.created, result.followups) == ("followups", 1, 2)
    second = tmp_path / "second.csv"
    spreadsheets.export_file(bot.runtime, second, fmt="csv", lang="zh-CN", team=east(bot))
    assert second.read_text(encoding="utf-8-sig") == first.read_text(encoding="utf-8-sig")
    with bot.db.read() as session:
        customer = session.scalars(select(Customer)).one()
        statuses = session.scalars(select(FollowUp.status_after).order_by(FollowUp.occurred_at)).all()
    assert (customer.number, customer.status) == ("CUST001", "maintaining") and statuses == [None, None]


def test_an_interaction_history_without_dates_is_refused_saying_how_to_write_it(bot: Bot, tmp_path: Path) -> None:
    rows = [SEED_004_HEADER, SEED_004_ROW,
            ["CUST002", "DEF物流有限公司", "*总", "", "物流", "", "", "客户很忙，下月再联系", "潜在客户", "", "", "U0REP1", ""],
            ["CUST003", "GHI零售有限公司", "*总", "", "零售", "", "", "2024-02-30：电话", "潜在客户", "", "", "U0REP1", ""],
            ["CUST004", "JKL能源有限公司", "*总", "", "能源", "", "", "5月3日：电话", "潜在客户", "", "", "U0REP1", ""]]
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, write_xlsx(tmp_path / "客户信息.xlsx", rows), team=east(bot), owner="U0REP1")
    assert refused.value.problems == [
        'row 3, column H (互动历史): "客户很忙，下月再联系" has no date: write each contact as '
        '"2023-10-10: what happened", separated by ";"',
        'row 4, column H (互动历史): "2024-02-30：电话" is not a real date, or has no year: write it as 2023-10-10',
        'row 5, column H (互动历史): "5月3日：电话" is not a real date, or has no year: write it as 2023-10-10']
    assert counts(bot)["customers"] == 0 and counts(bot)["followups"] == 0


@pytest.mark.parametrize("encoding", ["gb18030", "gbk", "utf-8", "utf-8-sig"])
def test_csv_in_gb18030_gbk_or_utf8_is_detected(bot: Bot, tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "客户.csv", [["客户名称", "所属行业", "联系人", "客户状态", "负责人", "信息获取时间"],
                                            ["北京测试有限公司", "制造业", "王伟", "意向客户", "U0REP1", "2025年3月2日"]],
                     encoding=encoding)
    result = import_file(bot.runtime, path, team=east(bot))
    assert result.created == 1
    with bot.db.read() as session:
        customer = session.scalars(select(Customer)).one()
    assert (customer.company, customer.industry, customer.status) == ("北京测试有限公司", "制造业", "interested")
    assert customer.acquired_at == datetime(2025, 3, 2, 4, 0, tzinfo=UTC)


def test_every_bad_row_is_listed_and_nothing_is_written(bot: Bot, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "bad.xlsx", [
        ["客户编号", "客户名称", "所属行业", "联系人", "信息获取时间", "客户状态", "负责人"],
        ["CL2026001", "好公司", "制造业", "王伟", "2026-01-05", "潜在客户", "U0REP1"],
        [None, None, "制造业", "李强", "2026-01-05", "潜在客户", "U0REP1"],
        [None, "坏日期公司", "制造业", "张伟", "2024-02-30", "潜在客户", "U0REP1"],
        [None, "坏状态公司", "制造业", "刘洋", "2026-01-05", "冬眠客户", "U0REP1"],
        [None, "陌生人公司", "制造业", "陈静", "2026-01-05", "潜在客户", "张三"],
    ])
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, path, team=east(bot))
    assert refused.value.problems == [
        "row 3, column B (客户名称): the company is missing",
        'row 4, column E (信息获取时间): "2024-02-30" is not a real date',
        'row 5, column F (客户状态): "冬眠客户" is not a status (use one of 潜在客户, 意向客户, 需求确认, 谈判中, '
        "意向确认, 成交, 维护中, 流失)",
        'row 6, column G (负责人): "张三" is not a member of team East China; give --owner USER_ID to assign these rows',
    ]
    assert {name: n for name, n in counts(bot).items() if n} == {"teams": 2, "members": 6}


def test_bad_follow_up_rows_name_their_column(bot: Bot, tmp_path: Path) -> None:
    rows = [list(r) for r in SEED_ROWS]
    rows[1][9] = "飞鸽传书"
    rows[2][8] = "2024-13-10"
    rows[3][7] = "喝茶"
    path = write_xlsx(tmp_path / "bad.xlsx", [[SEED_TITLE], SEED_HEADER, *rows])
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    assert refused.value.problems == [
        'row 4, column J (跟进方式): "飞鸽传书" is not a follow-up method (use one of 电话, 面谈, 邮件, 线上会议, 微信, 其他)',
        'row 5, column I (跟进日期): "2024-13-10" is not a real date',
        'row 6, column H (跟进阶段): "喝茶" is not a stage (use one of 初次接触, 需求深挖, 方案提供, 商务谈判, 成交签约, 售后维护)',
    ]
    assert counts(bot)["followups"] == 0


def test_xlsx_rows_and_columns_are_named_as_the_spreadsheet_shows_them(bot: Bot, tmp_path: Path) -> None:
    """The table may start anywhere (here at B3, under a title in C1), with blank rows inside; Excel
    date cells (a datetime, a serial number formatted as a date) read as the dates they show."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["C1"] = "客户信息登记表"
    for column, header in zip("BCDEF", ["客户名称", "所属行业", "负责人", "信息获取时间", "客户状态"], strict=True):
        sheet[f"{column}3"] = header
    sheet.append([None, "日期格式有限公司", "制造业", "U0REP1", datetime(2025, 3, 2, 9, 15), "潜在客户"])
    sheet.append([])
    sheet.append([None, "序列号日期有限公司", "零售", "U0REP2", 45717, "意向客户"])  # 2025-03-01
    sheet["E6"].number_format = "yyyy-mm-dd"
    sheet.append([None, "坏日期有限公司", "零售", "U0REP2", "2025-02-30", "意向客户"])
    book.save(tmp_path / "moved.xlsx")
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, tmp_path / "moved.xlsx", team=east(bot))
    assert refused.value.problems == ['row 7, column E (信息获取时间): "2025-02-30" is not a real date']
    sheet.delete_rows(7)
    book.save(tmp_path / "moved.xlsx")
    assert import_file(bot.runtime, tmp_path / "moved.xlsx", team=east(bot)).created == 2
    with bot.db.read() as session:
        acquired = {company: at for company, at in session.execute(select(Customer.company, Customer.acquired_at))}
    assert acquired == {"日期格式有限公司": datetime(2025, 3, 2, 1, 15, tzinfo=UTC),  # 09:15 in Shanghai
                        "序列号日期有限公司": datetime(2025, 3, 1, 4, 0, tzinfo=UTC)}  # a day: noon in Shanghai


def test_an_xlsx_export_writes_dates_as_date_cells(bot: Bot, tmp_path: Path) -> None:
    import_file(bot.runtime, seed_file(tmp_path), team=east(bot), owner="U0REP1")
    spreadsheets.export_file(bot.runtime, tmp_path / "out.xlsx", fmt="xlsx", lang="zh-CN", team=east(bot))
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    header = [cell.value for cell in sheet[1]]
    dates = [row[header.index("跟进日期")] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in dates] == [datetime(2024, 3, d, 12, 0) for d in (1, 5, 10, 15, 20)] + [
        datetime(2024, 4, 5, 12, 0)]
    assert {cell.number_format for cell in dates} == {"yyyy-mm-dd hh:mm"}


def test_existing_customers_are_updated_not_duplicated(bot: Bot, tmp_path: Path) -> None:
    ids = {name: make_customer(bot, "U0REP1", name) for name in ("Acme Ltd", "Beta Tech", "Gamma Co., Ltd.",
                                                                "Delta 有限公司")}
    before = counts(bot)
    path = write_xlsx(tmp_path / "update.xlsx", [
        ["Company", "Industry", "Contact", "Owner"],
        ["ACME  LIMITED", "Retail", "Wang Wei", "U0REP1"],  # case, spaces, suffix
        ["ｂｅｔａ ｔｅｃｈ", "Retail", "Wang Wei", "U0REP1"],  # full-width
        ["gamma", "Retail", "Wang Wei", "U0REP1"],  # no suffix
        ["Delta", "Retail", "Li Na", "U0REP1"],  # Chinese suffix; a second contact
    ])
    result = import_file(bot.runtime, path, team=east(bot))
    assert (result.created, result.updated) == (0, 4)
    after = counts(bot)
    assert after["customers"] == before["customers"] and after["contacts"] == before["contacts"] + 1
    with bot.db.read() as session:
        stored = {c.id: (c.company, c.industry) for c in session.scalars(select(Customer))}
    assert stored == {ids["Acme Ltd"]: ("Acme Ltd", "Retail"), ids["Beta Tech"]: ("Beta Tech", "Retail"),
                      ids["Gamma Co., Ltd."]: ("Gamma Co., Ltd.", "Retail"), ids["Delta 有限公司"]: ("Delta 有限公司", "Retail")}
    again = import_file(bot.runtime, path, team=east(bot))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)


def test_numbers_in_the_file_are_kept_and_new_leads_come_after_them(bot: Bot, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "numbers.xlsx", [
        ["客户编号", "客户名称", "所属行业", "负责人"],
        ["CL2026007", "七号公司", "制造业", "U0REP1"], ["CL2026003", "三号公司", "制造业", "U0REP1"],
        [None, "无编号公司", "制造业", "U0REP1"], ["HZ-IT-2026-001", "外来编号公司", "制造业", "U0REP1"]])
    import_file(bot.runtime, path, team=east(bot))
    with bot.db.read() as session:
        numbers = dict(session.execute(select(Customer.company, Customer.number)).all())
        sequence = session.get(NumberSequence, "CL2026#")
    assert numbers == {"七号公司": "CL2026007", "三号公司": "CL2026003", "无编号公司": "CL2026008",
                       "外来编号公司": "HZ-IT-2026-001"}
    assert sequence is not None and sequence.last == 8
    new_id = make_customer(bot, "U0REP1", "Brand New Lead Co")
    with bot.db.read() as session:
        assert session.get(Customer, new_id).number == "CL2026009"  # type: ignore[union-attr]


def test_new_customers_ids_are_reserved_and_the_planner_learns_the_new_sizes(bot: Bot, tmp_path: Path) -> None:
    """Ids reserved before the bulk insert are the rows' ids (contacts and history hang on them);
    on PostgreSQL the import ends by renewing the tables' statistics (an export right after it
    scanned whole tables otherwise)."""
    path = write_xlsx(tmp_path / "ids.xlsx", [["客户名称", "联系人", "负责人"]] + [
        [f"编号公司{n}", f"联系人{n}", "U0REP1"] for n in range(30)])
    import_file(bot.runtime, path, team=east(bot))
    with bot.db.read() as session:
        pairs = session.execute(select(Customer.company, Contact.name).join(Contact, Contact.customer_id == Customer.id))
        assert sorted(pairs) == sorted((f"编号公司{n}", f"联系人{n}") for n in range(30))
        if not bot.db.is_sqlite:
            planned, counted = session.execute(text(
                "SELECT reltuples, (SELECT count(*) FROM customers) FROM pg_class "
                "WHERE oid = 'customers'::regclass")).one()
            assert planned == counted == 30
    new_id = make_customer(bot, "U0REP1", "After The Import Co")
    with bot.db.read() as session:
        assert new_id > max(session.scalars(select(Customer.id).where(Customer.company.like("编号公司%"))))


def test_a_number_belonging_to_another_company_is_refused(bot: Bot, tmp_path: Path) -> None:
    make_customer(bot, "U0REP1", "Acme Ltd")
    with bot.db.read() as session:
        acme = session.scalars(select(Customer)).one()
    path = write_xlsx(tmp_path / "clash.xlsx", [["客户编号", "客户名称", "负责人"], ["CL2026999", "ACME LTD.", "U0REP1"]])
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, path, team=east(bot))
    assert refused.value.problems == [
        f"row 2, column A (客户编号): ACME LTD. is already customer {acme.number}, not CL2026999"]


def test_dry_run_says_what_would_change_and_writes_nothing(bot: Bot, tmp_path: Path) -> None:
    before = counts(bot)
    result = import_file(bot.runtime, seed_file(tmp_path), team=east(bot), owner="U0REP1", dry_run=True)
    assert result.summary() == "Would import: created 1, updated 0, follow-ups 6, skipped 0."
    assert result.changes == ["create CL2024001 *科技有限公司 (maintaining, owner U0REP1)"]
    assert counts(bot) == before


FORMULAS = {"company": '=HYPERLINK("http://evil.example","Click")', "phone": "+86 138 0013 8000",
            "need": "-5% discount wanted", "notes": "@SUM(A1:A9)"}


def formula_customer(bot: Bot) -> int:
    customer_id = make_customer(bot, "U0REP1", FORMULAS["company"])
    with bot.db.write() as session:
        customer = session.get(Customer, customer_id)
        assert customer is not None
        customer.need, customer.notes = FORMULAS["need"], FORMULAS["notes"]
        customer.contacts[0].phone = FORMULAS["phone"]
    return customer_id


def test_formula_looking_cells_are_written_as_text(bot: Bot, tmp_path: Path) -> None:
    formula_customer(bot)
    spreadsheets.export_file(bot.runtime, tmp_path / "out.csv", fmt="csv", team=east(bot))
    raw = (tmp_path / "out.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    [header, row] = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    cells = dict(zip(header, row, strict=True))
    assert cells["Company"] == "'" + FORMULAS["company"] and cells["Phone"] == "'" + FORMULAS["phone"]
    assert cells["Need"] == "'" + FORMULAS["need"] and cells["Customer notes"] == "'" + FORMULAS["notes"]
    spreadsheets.export_file(bot.runtime, tmp_path / "out.xlsx", fmt="xlsx", team=east(bot))
    xml = zipfile.ZipFile(tmp_path / "out.xlsx").read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml and "<f " not in xml
    sheet = openpyxl.load_workbook(tmp_path / "out.xlsx").active
    header_row, values = [c.value for c in sheet[1]], [c for c in sheet[2]]
    by_header = dict(zip(header_row, values, strict=True))
    for key, label in (("company", "Company"), ("phone", "Phone"), ("need", "Need"), ("notes", "Customer notes")):
        assert by_header[label].data_type == "s" and by_header[label].value == FORMULAS[key]


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_an_export_imports_back_unchanged(bot: Bot, tmp_path: Path, fmt: str) -> None:
    import_file(bot.runtime, seed_file(tmp_path), team=east(bot), owner="U0REP1")
    formula_customer(bot)
    make_customer(bot, "U0REP2", "Quiet Customer Ltd")  # no follow-ups: a row of its own
    exported = tmp_path / f"export.{fmt}"
    assert spreadsheets.export_file(bot.runtime, exported, fmt=fmt, lang="zh-CN", team=east(bot)) == 3
    before, rows = counts(bot), snapshot(bot)
    result = import_file(bot.runtime, exported, team=east(bot))
    assert (result.created, result.updated, result.followups, result.skipped) == (0, 0, 0, 6)
    assert counts(bot) == before and snapshot(bot) == rows


def test_a_round_trip_through_an_empty_database_gives_the_same_file(bot: Bot, tmp_path: Path) -> None:
    import_file(bot.runtime, seed_file(tmp_path), team=east(bot), owner="U0REP1")
    formula_customer(bot)
    first = tmp_path / "first.csv"
    spreadsheets.export_file(bot.runtime, first, fmt="csv", lang="zh-CN", team=east(bot))
    wipe(bot.db)
    from bot.services.directory import sync_directory

    sync_directory(bot.runtime)
    result = import_file(bot.runtime, first, team=east(bot))
    assert (result.created, result.followups) == (2, 6)
    second = tmp_path / "second.csv"
    spreadsheets.export_file(bot.runtime, second, fmt="csv", lang="zh-CN", team=east(bot))
    assert second.read_text(encoding="utf-8-sig") == first.read_text(encoding="utf-8-sig")
    with bot.db.read() as session:
        history = session.scalars(select(StatusChange.to_status).order_by(StatusChange.id)).all()
        followups = session.scalar(select(func.count()).select_from(FollowUp))
    assert history == ["interested", "needs_confirmed", "negotiating", "intent_confirmed", "won", "maintaining",
                       "lead"] and followups == 6


def test_a_reader_process_sends_the_rows_read_in_process(tmp_path: Path) -> None:
    """The forked reader gives exactly the rows (numbers, cell values and types) that reading in
    this process gives, across several of its batches."""
    path = tmp_path / "many.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("跟进记录")
    sheet.append([SEED_TITLE])
    sheet.append(SEED_HEADER)
    for n in range(spreadsheets.READER_BATCH * 2 + 7):
        sheet.append([f"CL2024{n:04d}", f"客户{n}", None, n, n + 0.5, None, "=1+1", "需求深挖",
                      datetime(2024, 3, 1 + n % 28, 9, 30), "电话", f"内容 {n}", None, None, True])
    book.save(path)
    in_process = list(spreadsheets._xlsx_rows(path))
    assert len(in_process) == spreadsheets.READER_BATCH * 2 + 9
    assert list(spreadsheets._in_a_process(spreadsheets._xlsx_rows, path)) == in_process
    assert {type(cells[8]) for _, cells in in_process[2:]} == {datetime}


def test_a_reader_process_says_why_a_file_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"not a zip file at all")
    with pytest.raises(ImportRefused) as in_process:
        list(spreadsheets._xlsx_rows(path))
    with pytest.raises(ImportRefused) as forked:
        list(spreadsheets._in_a_process(spreadsheets._xlsx_rows, path))
    assert forked.value.problems == in_process.value.problems


def test_a_reader_process_ends_when_the_import_stops_reading(tmp_path: Path) -> None:
    import multiprocessing

    path = tmp_path / "big.xlsx"
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("跟进记录")
    sheet.append(SEED_HEADER)
    for n in range(spreadsheets.READER_BATCH * 20):
        sheet.append([f"CL{n}", f"客户{n}", "互联网", "100-500人", "某人", "经理", "139", "需求深挖", "2024-03-01",
                      "电话", "内容" * 20, "反馈" * 20])
    book.save(path)
    rows = spreadsheets._in_a_process(spreadsheets._xlsx_rows, path)
    assert [number for number, _ in itertools.islice(rows, 3)] == [1, 2, 3]
    assert multiprocessing.active_children()
    rows.close()
    assert multiprocessing.active_children() == []


@pytest.mark.parametrize("suffix", ["xlsx", "csv"])
def test_a_follow_up_twice_in_the_file_is_imported_once(bot: Bot, tmp_path: Path, suffix: str) -> None:
    """A row repeating an earlier one of the same customer (same day, method and content), even
    far below it, is skipped; the same words for another customer, or on another day, are not."""
    other = ["CL2024002", "另一家有限公司", "零售", "10-50人", "王五", "经理", "137", "需求深挖", "2024-03-05",
             "线上会议", SEED_ROWS[1][10], "", "", "需求确认", "*工", ""]
    later = [*SEED_ROWS[1][:8], "2024-03-06", *SEED_ROWS[1][9:]]
    rows = [SEED_HEADER, *SEED_ROWS, other, SEED_ROWS[1], SEED_ROWS[3], later, other]
    if suffix == "xlsx":
        path = write_xlsx(tmp_path / "twice.xlsx", rows)
    else:
        path = tmp_path / "twice.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(rows)
    result = import_file(bot.runtime, path, team=east(bot), owner="U0REP1")
    assert (result.created, result.followups, result.skipped) == (2, 8, 3)
    with bot.db.read() as session:
        stored = session.execute(select(Customer.number, func.count()).join(FollowUp).group_by(Customer.number)).all()
    assert dict(stored) == {"CL2024001": 7, "CL2024002": 1}


@pytest.mark.parametrize("in_a_process", [True, False])
def test_an_xlsx_file_is_checked_alike_in_a_reader_process_or_here(bot: Bot, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    in_a_process: bool) -> None:
    """Both ways of reading an .xlsx (cells read and checked in a forked process, or in this one)
    give the same problems, the same customers and the same history."""
    import multiprocessing

    forks = []
    real_context = multiprocessing.get_context

    def counting_context(method: str | None = None) -> Any:
        forks.append(method)
        return real_context(method)

    monkeypatch.setattr(spreadsheets, "_reader_process_possible", lambda: in_a_process)
    monkeypatch.setattr(multiprocessing, "get_context", counting_context)
    rows = [list(r) for r in SEED_ROWS]
    rows[2][8] = "2024-02-30"
    bad = write_xlsx(tmp_path / "bad.xlsx", [[SEED_TITLE], SEED_HEADER, *rows])
    with pytest.raises(ImportRefused) as refused:
        import_file(bot.runtime, bad, team=east(bot), owner="U0REP1")
    assert refused.value.problems == ['row 5, column I (跟进日期): "2024-02-30" is not a real date']
    result = import_file(bot.runtime, seed_file(tmp_path), team=east(bot), owner="U0REP1")
    assert (result.created, result.followups) == (1, 6)
    with bot.db.read() as session:
        history = session.scalars(select(StatusChange.to_status).order_by(StatusChange.id)).all()
    assert history == ["interested", "needs_confirmed", "negotiating", "intent_confirmed", "won", "maintaining"]
    assert forks == (["fork", "fork"] if in_a_process else [])


def search_ids(bot: Bot, words: str) -> list[int]:
    with bot.db.read() as session:
        return [c.id for c in search.search_customers(session=session, scope=queries.CustomerScope("U0ADMIN", everything=True),
                                                      folded=fold(words), limit=50)]


def insert_trigger_exists(bot: Bot) -> bool:
    if not bot.db.is_sqlite:
        return True
    with bot.db.read() as session:
        return session.execute(text("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = :n"),
                               {"n": search.TRIGGERS[0]}).first() is not None


def test_imported_customers_are_found_by_search_and_the_index_stays_whole(
        bot: Bot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On SQLite an import makes its customers' FTS5 rows in one statement, the insert trigger
    dropped meanwhile (storage.search.customers_inserted_in_bulk): the customers are found as if
    the trigger had made them, the trigger is back afterwards, and a dry run or a failed write
    leaves it as it was."""
    rows = [["客户名称", "联系人", "负责人"], *([f"检索公司{n}号", f"检索联系人{n}", "U0REP1"] for n in range(12))]
    path = write_xlsx(tmp_path / "search.xlsx", rows)
    import_file(bot.runtime, path, team=east(bot), dry_run=True)
    assert insert_trigger_exists(bot) and search_ids(bot, "检索公司") == []

    def fails(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(spreadsheets, "_write_followups", fails)
        with pytest.raises(RuntimeError):
            import_file(bot.runtime, write_xlsx(tmp_path / "fails.xlsx", [
                ["客户名称", "跟进日期", "跟进内容", "负责人"], ["失败公司", "2024-03-01", "call", "U0REP1"]]), team=east(bot))
    assert insert_trigger_exists(bot) and search_ids(bot, "失败公司") == [] and counts(bot)["customers"] == 0
    import_file(bot.runtime, path, team=east(bot))
    with bot.db.read() as session:
        imported = dict(session.execute(select(Customer.company, Customer.id)).all())
    assert sorted(search_ids(bot, "检索公司")) == sorted(imported.values()) and len(imported) == 12
    assert search_ids(bot, "检索联系人7") == [imported["检索公司7号"]]
    assert insert_trigger_exists(bot)
    later = make_customer(bot, "U0REP1", "检索公司之后")  # the trigger makes its row again
    assert later in search_ids(bot, "检索公司之后")
    if bot.db.is_sqlite:
        with bot.db.engine.begin() as conn:
            conn.execute(text(f"INSERT INTO {search.FTS_TABLE} ({search.FTS_TABLE}, rank) VALUES ('integrity-check', 1)"))
