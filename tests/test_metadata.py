"""Typed metadata (bot/views/metadata.py): what buttons and modals carry reads back, anything else is out of date."""

from __future__ import annotations

import json

import pytest

from bot.errors import OutOfDate
from bot.views import ids
from bot.views.metadata import (
    MAX_ID,
    VIEWS,
    AlertMeta,
    CustomerMeta,
    DealMeta,
    FollowUpMeta,
    NewOrEdit,
    ReasonMeta,
    button_value,
    read_button,
    read_view,
    record_id,
)


@pytest.mark.parametrize("value", ["1", "42", str(MAX_ID)])
def test_a_button_value_reads_back(value: str) -> None:
    assert read_button(value).id == int(value)
    assert button_value(int(value)) == value


@pytest.mark.parametrize("value", [None, "", "0", "-5", "abc", "1.5", "1e3", " 7", "7 ", "+7", "0x1f", "٧", "²",
                                   "１２", str(MAX_ID + 1), "99999999999999999999", '{"id": 1}', 7, ["7"]])
def test_anything_else_on_a_button_is_out_of_date(value: object) -> None:
    with pytest.raises(OutOfDate) as caught:
        read_button(value)
    assert caught.value.key == "stale_button"
    assert record_id(value) is None


@pytest.mark.parametrize(("callback_id", "meta"), [
    (ids.DECISION_REASON_VIEW, ReasonMeta(request_id=3, decision="rejected")),
    (ids.GRADE_VIEW, CustomerMeta(customer_id=9, response_url="https://hooks.slack.com/commands/T/1/x")),
    (ids.DEAL_VIEW, DealMeta(customer_id=9, outcome="lost", response_url=None)),
    (ids.PLAN_VIEW, AlertMeta(alert_id=MAX_ID)),
    (ids.FOLLOWUP_VIEW, FollowUpMeta(followup_id=5, response_url=None)),
    (ids.LEAD_VIEW, NewOrEdit(customer_id=8)),
])
def test_what_a_builder_writes_reads_back(callback_id: str, meta: object) -> None:
    assert read_view(callback_id, meta.model_dump_json()) == meta  # type: ignore[attr-defined]


def test_an_old_modal_with_channel_and_ts_still_reads_and_they_are_dropped() -> None:
    meta = read_view(ids.ISSUE_RESOLVE_VIEW, json.dumps({"issue_id": 4, "channel": "C0OTHER", "ts": "1.2"}))
    assert meta is not None and meta.model_dump() == {"issue_id": 4}


def test_modals_opened_empty_may_carry_nothing() -> None:
    assert read_view(ids.LEAD_VIEW, "") == NewOrEdit()
    assert read_view(ids.FOLLOWUP_VIEW, None) == FollowUpMeta()


@pytest.mark.parametrize("callback_id", sorted(set(VIEWS) - {ids.LEAD_VIEW, ids.FOLLOWUP_VIEW}))
@pytest.mark.parametrize("raw", ["", None, "not json", "[]", "null", "{}", '{"customer_id": "7"}',
                                 '{"request_id": true, "decision": "rejected"}'])
def test_malformed_metadata_is_out_of_date(callback_id: str, raw: str | None) -> None:
    with pytest.raises(OutOfDate) as caught:
        read_view(callback_id, raw)
    assert caught.value.key == "stale_form"


@pytest.mark.parametrize("bad", [0, -1, MAX_ID + 1, 1.5, "1", True, None])
def test_ids_in_metadata_are_positive_bounded_integers(bad: object) -> None:
    with pytest.raises(OutOfDate):
        read_view(ids.CHURNED_VIEW, json.dumps({"alert_id": bad}))


def test_a_modal_we_do_not_type_carries_nothing() -> None:
    assert read_view("someone_elses_modal", "anything") is None
