"""Lead rules from DOMAIN §2–§3, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.leads import (
    LEAD_FIELDS,
    REQUIRED,
    TEXT_LIMITS,
    industry_code,
    is_late,
    is_valid_email,
    is_valid_phone,
    normalize_company_name,
    number_parts,
)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Acme Ltd", "ACME LIMITED"),
        ("Acme Ltd", "  acme   ltd. "),
        ("Acme Ltd", "ＡＣＭＥ　Ｌｔｄ"),
        ("Acme Ltd", "Acme Co., Ltd."),
        ("Acme Ltd", "Acme Inc"),
        ("Acme Ltd", "acme"),
        ("杭州阿里巴巴有限公司", "杭州阿里巴巴"),
        ("杭州阿里巴巴有限公司", "杭州 阿里巴巴 股份有限公司"),
        ("华为技术有限公司", "华为技术有限责任公司"),
        ("Globex Group Co., Ltd.", "GLOBEX"),
    ],
)
def test_same_company(a: str, b: str) -> None:
    assert normalize_company_name(a) == normalize_company_name(b)


@pytest.mark.parametrize(("a", "b"), [("Acme Ltd", "Acne Ltd"), ("华为", "华硕"), ("Acme Trading", "Acme")])
def test_different_companies(a: str, b: str) -> None:
    assert normalize_company_name(a) != normalize_company_name(b)


def test_a_name_that_is_only_a_suffix_is_kept() -> None:
    assert normalize_company_name("Ltd") == "ltd"
    assert normalize_company_name("有限公司") == "有限公司"


@given(st.text(max_size=80))
def test_normalising_is_idempotent_and_never_raises(name: str) -> None:
    key = normalize_company_name(name)
    assert isinstance(key, str)
    assert normalize_company_name(key) == normalize_company_name(key)


@pytest.mark.parametrize("phone", ["+86 138 0013 8000", "021-5555-0100", "(415) 555-0100", "13800138000"])
def test_valid_phones(phone: str) -> None:
    assert is_valid_phone(phone)


@pytest.mark.parametrize("phone", ["12345", "call me", "+86 1380013800012345", "138-0013-800x", ""])
def test_invalid_phones(phone: str) -> None:
    assert not is_valid_phone(phone)


@pytest.mark.parametrize(("email", "ok"), [("wang@acme.example", True), ("w.wang+crm@acme.com.cn", True),
                                           ("wang(at)acme", False), ("wang@acme", False), ("@acme.com", False),
                                           ("wang@@acme.com", False)])
def test_emails(email: str, ok: bool) -> None:
    assert is_valid_email(email) is ok


@pytest.mark.parametrize(
    ("fmt", "region", "industry", "seq", "key", "number"),
    [
        ("CL{year}{seq:03d}", "", "", 1, "CL2026#", "CL2026001"),
        ("CL{year}{seq:03d}", "", "", 999, "CL2026#", "CL2026999"),
        ("CL{year}{seq:03d}", "", "", 1000, "CL2026#", "CL20261000"),
        ("{region}-{industry}-{year}-{seq:03d}", "HZ", "IT", 1, "HZ-IT-2026-#", "HZ-IT-2026-001"),
        ("{region}-{industry}-{year}-{seq:03d}", "HZ", "IT", 12345, "HZ-IT-2026-#", "HZ-IT-2026-12345"),
        ("C{{{year}}}{seq}", "", "", 7, "C{2026}#", "C{2026}7"),
    ],
)
def test_customer_numbers(fmt: str, region: str, industry: str, seq: int, key: str, number: str) -> None:
    got_key, remaining = number_parts(fmt, year=2026, region=region, industry=industry)
    assert (got_key, remaining.format(seq=seq)) == (key, number)


def test_each_year_has_its_own_sequence() -> None:
    assert number_parts("CL{year}{seq:03d}", year=2026, region="", industry="")[0] != number_parts(
        "CL{year}{seq:03d}", year=2027, region="", industry="")[0]


@pytest.mark.parametrize(("industry", "codes", "code"), [
    ("IT", {}, "IT"), ("Information Technology", {}, "IT"), ("Manufacturing", {"manufacturing": "MFG"}, "MFG"),
    ("制造业", {}, "XX"), ("Retail", {}, "RET"),
])
def test_industry_codes(industry: str, codes: dict, code: str) -> None:
    assert industry_code(industry, codes) == code


NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(("hours_ago", "late"), [(0, False), (23.99, False), (24, False), (24.01, True), (72, True)])
def test_the_24_hour_rule(hours_ago: float, late: bool) -> None:
    assert is_late(start=NOW - timedelta(hours=hours_ago), done=NOW, hours=24) is late


def test_the_lead_fields_are_stated_once() -> None:
    """The form, its limits, what is required and the parsed lead all follow ``LEAD_FIELDS``."""
    from bot.services.leads import LeadInput
    from bot.views.lead import lead_modal

    assert list(LeadInput.model_fields) == list(LEAD_FIELDS)
    modal = lead_modal("en", now=datetime(2026, 11, 23, tzinfo=UTC))
    inputs = [block for block in modal["blocks"] if block["type"] == "input"]
    assert [block["block_id"] for block in inputs] == list(LEAD_FIELDS)
    assert {block["block_id"] for block in inputs if not block["optional"]} == set(REQUIRED)
    assert {block["block_id"]: block["element"]["max_length"] for block in inputs
            if block["element"]["type"] == "plain_text_input"} == TEXT_LIMITS
