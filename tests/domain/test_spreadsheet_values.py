"""Spreadsheet headers and values as people type them (bot.domain.spreadsheet): table-driven, pure."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest

from bot.domain import spreadsheet as s

SEED_HEADER = ["客户编号", "客户名称", "所属行业", "客户规模", "联系人", "职位", "联系方式", "跟进阶段", "跟进日期",
               "跟进方式", "跟进内容(含需求、方案、反馈等)", "客户反馈(需求变化、疑虑、满意度等)",
               "下一步计划(时间、动作、负责人)", "当前状态", "负责人", "备注"]


@pytest.mark.parametrize(("header", "key"), [
    ("客户编号", "number"), ("Customer number", "number"), ("客户ID", "number"), ("客户名称", "company"),
    ("企业全称", "company"), ("COMPANY", "company"), (" Company * ", "company"), ("所属行业", "industry"),
    ("行业分类", "industry"), ("客户规模", "company_size"), ("企业规模", "company_size"), ("职务", "contact_title"),
    ("联系方式", "phone"), ("电话", "phone"), ("邮箱", "email"), ("需求描述", "need"), ("初步需求", "need"),
    ("来源渠道", "source"), ("信息获取时间", "acquired"), ("意向等级", "intent"), ("客户等级", "grade"),
    ("客户状态", "status"), ("当前状态", "status"), ("负责人", "owner"), ("最后联系日期", "last_contact"),
    ("跟进计划", "next_step"), ("下一步计划(时间、动作、负责人)", "next_step"), ("跟进内容（含需求、方案、反馈等）", "content"),
    ("客户反馈(需求变化、疑虑、满意度等)", "feedback"), ("跟进日期", "date"), ("跟进方式", "method"),
    ("跟进阶段", "stage"), ("备注", "notes"), ("客戶編號", "number"), ("跟進內容", "content"), ("Next step", "next_step"),
    ("Status after", "status"), ("ｃｏｍｐａｎｙ", "company"), ("互动历史", "history"), ("备忘", None), ("", None),
])
def test_headers_in_chinese_english_and_traditional(header: str, key: str | None) -> None:
    assert s.column_of(header) == key


def test_every_alias_names_one_field() -> None:
    names = [s.header_key(n) for c in s.COLUMNS for n in (c.en, c.zh, *c.aliases)]
    assert len(names) == len(set(names))


def test_the_header_row_is_found_below_a_title_and_blank_rows() -> None:
    rows = [(1, ("客户全周期跟进记录表", None)), (2, ()), (3, (None, None)), (4, tuple(SEED_HEADER)),
            (5, ("CL2024001", "*科技有限公司"))]
    header = s.find_header(rows)
    assert header is not None and header.row == 4 and header.layout == "followups"
    assert header.fields["number"] == 0 and header.fields["notes"] == 15 and len(header.fields) == 16


def test_a_register_is_told_apart_and_a_repeated_field_keeps_its_first_column() -> None:
    header = s.find_header([(1, ("客户ID", "客户名称", "联系人", "公司名称", "行业分类", "互动历史", "客户状态"))])
    assert header is not None and header.layout == "register"
    assert header.fields["company"] == 1 and header.fields["history"] == 5 and header.ignored == ("公司名称",)


def test_no_header_without_company_or_number() -> None:
    assert s.find_header([(1, ("联系人", "电话")), (2, ("Title",))]) is None


@pytest.mark.parametrize(("value", "year", "expected"), [
    ("2024-03-01", None, s.CellDate(date(2024, 3, 1))),
    ("2024/3/1", None, s.CellDate(date(2024, 3, 1))),
    ("2024.3.1", None, s.CellDate(date(2024, 3, 1))),
    ("2024年3月2日", None, s.CellDate(date(2024, 3, 2))),
    ("２０２４年３月２日", None, s.CellDate(date(2024, 3, 2))),
    ("2024-03-01 14:30", None, s.CellDate(date(2024, 3, 1), time(14, 30))),
    ("3月3日", 2024, s.CellDate(date(2024, 3, 3))),
    ("3/3", 2025, s.CellDate(date(2025, 3, 3))),
    (datetime(2024, 3, 1), None, s.CellDate(date(2024, 3, 1))),
    (datetime(2024, 3, 1, 9, 15), None, s.CellDate(date(2024, 3, 1), time(9, 15))),
    (date(2024, 3, 1), None, s.CellDate(date(2024, 3, 1))),
    (45352, None, s.CellDate(date(2024, 3, 1))),
    (None, None, None), ("  ", None, None),
])
def test_dates_as_people_type_them(value: object, year: int | None, expected: s.CellDate | None) -> None:
    assert s.parse_date(value, year=year) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("2024-02-30", '"2024-02-30" is not a real date'),
    ("2024-13-01", '"2024-13-01" is not a real date'),
    ("3月3日", '"3月3日" has no year and the row has no other date to take it from'),
    ("next week", '"next week" is not a date (write it like 2024-03-01)'),
    (12, '"12" is not a date'),
])
def test_impossible_dates_are_refused_with_what_was_written(value: object, message: str) -> None:
    with pytest.raises(s.BadValue) as refused:
        s.parse_date(value)
    assert str(refused.value) == message


@pytest.mark.parametrize(("text", "year", "expected"), [
    ("3月3日发送产品手册,电话沟通细节(*工)", 2024, date(2024, 3, 3)),
    ("2023-11-01:安排产品演示", 2024, date(2023, 11, 1)),
    ("2025年1月5日 回访", 2024, date(2025, 1, 5)),
    ("发送报价", 2024, None), (None, 2024, None), ("13月3日", 2024, None),
])
def test_the_date_a_next_step_starts_with(text: str | None, year: int, expected: date | None) -> None:
    assert s.leading_date(text, year=year) == expected


@pytest.mark.parametrize(("value", "year", "expected"), [
    ("2023-10-10:会议讨论需求;2023-10-15:发送报价单", None,  # seed 004's example
     [(date(2023, 10, 10), "会议讨论需求"), (date(2023, 10, 15), "发送报价单")]),
    ("2023年10月10日：电话沟通；10月15日 发送报价单\n10月20日", None,
     [(date(2023, 10, 10), "电话沟通"), (date(2023, 10, 15), "发送报价单"), (date(2023, 10, 20), None)]),
    ("3月1日 面谈; 客户反馈预算紧张；3月5日-邮件", 2024,  # a piece without a date continues the entry before
     [(date(2024, 3, 1), "面谈；客户反馈预算紧张"), (date(2024, 3, 5), "邮件")]),
    ("２０２３／１０／１０：面谈", None, [(date(2023, 10, 10), "面谈")]),
    ("", None, []), (None, 2024, []),
])
def test_an_interaction_history_cell_as_dated_entries(value: object, year: int | None,
                                                      expected: list[tuple[date, str | None]]) -> None:
    assert s.parse_history(value, year=year) == expected


@pytest.mark.parametrize(("value", "message"), [
    ("客户很忙", '"客户很忙" has no date: write each contact as "2023-10-10: what happened", separated by ";"'),
    ("10月10日 电话", '"10月10日 电话" is not a real date, or has no year: write it as 2023-10-10'),
    ("2023-10-10 电话；2023-02-30 面谈", '"2023-02-30 面谈" is not a real date, or has no year: write it as 2023-10-10'),
])
def test_an_interaction_history_without_readable_dates_is_refused(value: str, message: str) -> None:
    with pytest.raises(s.BadValue) as refused:
        s.parse_history(value, year=None)
    assert str(refused.value) == message


@pytest.mark.parametrize(("text", "method"), [
    ("会议讨论需求", "meeting"), ("发送报价单", "other"), ("先打电话，再发邮件", "phone"), ("上门拜访", "visit"),
    ("微信沟通", "im"), ("Sent the quote by e-mail", "email"), (None, "other"),
])
def test_the_method_an_interaction_history_entry_names(text: str | None, method: str) -> None:
    assert s.method_in_text(text) == method


@pytest.mark.parametrize(("value", "expected"), [
    ("22万", Decimal("220000.00")), ("220,000", Decimal("220000.00")), ("250k", Decimal("250000.00")),
    ("250K", Decimal("250000.00")), ("¥1.5万元", Decimal("15000.00")), ("1亿", Decimal("100000000.00")),
    (220000, Decimal("220000.00")), (1234.5, Decimal("1234.50")), ("", None), (None, None),
])
def test_amounts(value: object, expected: Decimal | None) -> None:
    assert s.parse_amount(value) == expected


@pytest.mark.parametrize("value", ["about 20", "20-30万", "-5"])
def test_unreadable_amounts(value: str) -> None:
    with pytest.raises(s.BadValue):
        s.parse_amount(value)


@pytest.mark.parametrize(("parse", "value", "expected"), [
    (s.parse_status, "潜在客户", "lead"), (s.parse_status, "意向客户", "interested"),
    (s.parse_status, "需求确认", "needs_confirmed"), (s.parse_status, "谈判中", "negotiating"),
    (s.parse_status, "意向确认", "intent_confirmed"), (s.parse_status, "成交", "won"),
    (s.parse_status, "维护中", "maintaining"), (s.parse_status, "流失", "churned"),
    (s.parse_status, "Needs confirmed", "needs_confirmed"), (s.parse_status, "WON", "won"),
    (s.parse_status, "intent_confirmed", "intent_confirmed"), (s.parse_status, None, None),
    (s.parse_status, "高价值客户", "maintaining"), (s.parse_status, "活跃客户", "maintaining"),  # seed 004's classes
    (s.parse_method, "电话", "phone"), (s.parse_method, "面谈", "visit"), (s.parse_method, "拜访", "visit"),
    (s.parse_method, "邮件", "email"), (s.parse_method, "线上会议", "meeting"), (s.parse_method, "微信", "im"),
    (s.parse_method, "邮件+面谈", "email"), (s.parse_method, "Face to face", "visit"),
    (s.parse_method, "Online meeting", "meeting"), (s.parse_method, "phone", "phone"),
    (s.parse_stage, "潜在客户开发", "initial_contact"), (s.parse_stage, "需求深挖", "needs_analysis"),
    (s.parse_stage, "方案提供", "proposal"), (s.parse_stage, "商务谈判", "negotiation"),
    (s.parse_stage, "成交签约", "closing"), (s.parse_stage, "售后维护", "after_sales"),
    (s.parse_stage, "After-sales", "after_sales"),
    (s.parse_source, "行业展会", "trade_show"), (s.parse_source, "官网留资", "website"),
    (s.parse_source, "Customer referral", "customer_referral"), (s.parse_source, "朋友介绍", "other"),
    (s.parse_intent, "高", "high"), (s.parse_intent, "Medium", "medium"), (s.parse_grade, "a", "A"),
    (s.parse_grade, "B类", "B"), (s.parse_satisfaction, "4分", 4), (s.parse_satisfaction, 5, 5),
    (s.parse_tags, "高意向、价格敏感", ["high_intent", "price_sensitive"]), (s.parse_tags, "Technical", ["technical"]),
])
def test_words_in_chinese_or_english(parse: object, value: object, expected: object) -> None:
    assert parse(value) == expected  # type: ignore[operator]


@pytest.mark.parametrize(("parse", "value", "message"), [
    (s.parse_status, "冬眠客户", '"冬眠客户" is not a status (use one of 潜在客户, 意向客户, 需求确认, 谈判中, '
                                '意向确认, 成交, 维护中, 流失)'),
    (s.parse_method, "飞鸽传书", '"飞鸽传书" is not a follow-up method (use one of 电话, 面谈, 邮件, 线上会议, 微信, 其他)'),
    (s.parse_grade, "E", '"E" is not a grade (use A, B, C or D)'),
    (s.parse_satisfaction, "9", '"9" is not a satisfaction score (1 to 5)'),
])
def test_unknown_words_are_refused(parse: object, value: str, message: str) -> None:
    with pytest.raises(s.BadValue) as refused:
        parse(value)  # type: ignore[operator]
    assert str(refused.value) == message


@pytest.mark.parametrize(("value", "expected"), [
    ("'=1+2", "=1+2"), ("'+86 138", "+86 138"), ("'-5", "-5"), ("'@x", "@x"), ("'plain", "'plain"),
    (13856781234.0, "13856781234"), ("  a\r\nb ", "a\nb"), ("", None),
])
def test_cell_text(value: object, expected: str | None) -> None:
    assert s.text_of(value) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+86 138", "'+86 138"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"),
    ("Acme", "Acme"),
])
def test_formula_looking_text_is_quoted_for_csv(text: str, expected: str) -> None:
    assert s.formula_safe(text) == expected
    assert s.text_of(s.formula_safe(text)) == text


@pytest.mark.parametrize(("index", "letter"), [(0, "A"), (8, "I"), (25, "Z"), (26, "AA"), (701, "ZZ"), (702, "AAA")])
def test_column_letters(index: int, letter: str) -> None:
    assert s.column_letter(index) == letter


# The header of 000 §三 exactly as the seed file writes it (a Traditional conversion with pinyin left in).
SEED_TRADITIONAL = ["客戶編號", "客戶名稱", "所屬行業(yè)", "客戶規(guī)模", "聯(lián)系人", "職位", "聯(lián)系方式", "跟進階段",
                    "跟進日期", "跟進方式", "跟進內(nèi)容(含需求、方案、反饋等)", "客戶反饋(需求變化、疑慮、滿意度等)",
                    "下一步計劃(時間、動作、負責(zé)人)", "當前狀態(tài)", "負責(zé)人", "備注"]


def test_the_seed_header_as_the_seed_file_writes_it() -> None:
    header = s.find_header([(1, tuple(SEED_TRADITIONAL))])
    assert header is not None and header.layout == "followups" and header.ignored == ()
    assert [key for key, _ in sorted(header.fields.items(), key=lambda item: item[1])] == [
        "number", "company", "industry", "company_size", "contact_name", "contact_title", "phone", "stage", "date",
        "method", "content", "feedback", "next_step", "status", "owner", "notes"]
