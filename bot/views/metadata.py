"""What buttons and modals carry through Slack and back: small typed values.

Builders write them (``Meta.model_dump_json()`` into a modal's ``private_metadata``,
``button_value(id)`` into a button); the request pipeline reads them back with ``read_view`` and
``read_button``, and anything it cannot read — not JSON, a key missing, a wrong type, an id out of
range — is ``OutOfDate`` (an old or forged message), never a 500. Who acts is never carried here:
the payload's user is checked on the server. Nor is where a message is: the database knows which
message carries a record.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError

from bot.errors import OutOfDate
from bot.views import ids

MAX_ID = 2**62  # database ids: positive, and within a signed 64-bit integer on every backend
RecordId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
ResponseUrl = Annotated[str, Field(max_length=1000)]
_BUTTON_ID = re.compile(r"[1-9][0-9]{0,18}")  # ASCII digits only ("١٢" and "²" pass isdigit())


class Meta(BaseModel):
    # Unknown keys are ignored: a modal opened before an upgrade still reads (the channel and ts
    # older modals carried are never used).
    model_config = ConfigDict(frozen=True, extra="ignore")


class ButtonValue(Meta):
    """The record a button acts on (the value of every button that names one)."""

    id: RecordId


class NewOrEdit(Meta):
    """New lead (nothing) or completing one after Needs info (its customer)."""

    customer_id: RecordId | None = None


class FollowUpMeta(Meta):
    followup_id: RecordId | None = None  # editing this follow-up
    response_url: ResponseUrl | None = None


class CustomerMeta(Meta):
    """A modal about one customer: grade, snooze, report an issue."""

    customer_id: RecordId
    response_url: ResponseUrl | None = None


class DealMeta(CustomerMeta):
    outcome: Literal["won", "lost"]


ReasonDecision = Literal["needs_info", "rejected"]  # the decisions that ask for a reason


class ReasonMeta(Meta):
    request_id: RecordId
    decision: ReasonDecision


class DealCommentMeta(Meta):
    deal_id: RecordId


class IssueMeta(Meta):
    issue_id: RecordId


class AlertMeta(Meta):
    alert_id: RecordId


UserId = Annotated[str, Field(pattern=r"^[UW][A-Z0-9]{2,39}$")]
CustomerNumber = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{1,58}$")]


class HandoverMeta(Meta):
    """The Handover modal: whose customers go to whom (checked again on submit), maybe only some."""

    from_user: UserId
    to_user: UserId
    numbers: Annotated[tuple[CustomerNumber, ...], Field(max_length=50)] = ()
    response_url: ResponseUrl | None = None


ListName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,23}$")]
PageNumber = Annotated[StrictInt, Field(ge=0, le=100_000)]


M = TypeVar("M", bound=Meta)


class HomePages(Meta):
    """The page each paged list of App Home shows. The Home is published whole, so a pager button
    carries every list's page (the one it turns already turned); who clicks, and so what they may
    see, is decided on the server from the payload's user."""

    pages: dict[ListName, PageNumber] = Field(default_factory=dict, max_length=16)

    def page(self, name: str) -> int:
        return self.pages.get(name, 0)

    def turned(self, name: str, number: int) -> HomePages:
        return HomePages(pages={**self.pages, name: max(number, 0)})


class DuePage(Meta):
    """The page of the user's own due list an ephemeral `/followup due` answer shows."""

    page: PageNumber


def read_value(model: type[M], value: Any) -> M:
    """A button's JSON value read with ``model``; anything unreadable is an out-of-date button."""
    if not isinstance(value, str) or len(value) > 2000:
        raise OutOfDate("stale_button")
    try:
        return model.model_validate_json(value)
    except ValidationError:
        raise OutOfDate("stale_button") from None


# Which model a modal's private_metadata is read with (by callback id).
VIEWS: dict[str, type[Meta]] = {
    ids.LEAD_VIEW: NewOrEdit, ids.FOLLOWUP_VIEW: FollowUpMeta, ids.GRADE_VIEW: CustomerMeta,
    ids.SNOOZE_VIEW: CustomerMeta, ids.ISSUE_VIEW: CustomerMeta, ids.DEAL_VIEW: DealMeta,
    ids.DECISION_REASON_VIEW: ReasonMeta, ids.DEAL_COMMENT_VIEW: DealCommentMeta,
    ids.ISSUE_RESOLVE_VIEW: IssueMeta, ids.PLAN_VIEW: AlertMeta, ids.CHURNED_VIEW: AlertMeta,
    ids.HANDOVER_VIEW: HandoverMeta,
}
# Modals that are opened empty (their metadata may be blank).
OPTIONAL = {ids.LEAD_VIEW, ids.FOLLOWUP_VIEW}
# Buttons whose value names a record.
ID_BUTTONS = frozenset({
    ids.APPROVE, ids.NEEDS_INFO, ids.REJECT, ids.COMPLETE_LEAD, ids.LOG_FOLLOWUP, ids.EDIT_FOLLOWUP,
    ids.PROPOSE_GRADE, ids.REPORT_ISSUE, ids.SNOOZE, ids.PLAN_RETENTION, ids.ACKNOWLEDGE, ids.MARK_CHURNED,
    ids.ISSUE_RESPONDED, ids.ISSUE_RESOLVED, ids.DEAL_COMMENT,
})


def button_value(record_id: int) -> str:
    """A button's value naming a record: its id in decimal (as every message ever posted has it)."""
    return str(ButtonValue(id=record_id).id)


def record_id(value: Any) -> int | None:
    """An id as a button value or a select option carries it ("42"), or None when it is not one."""
    if not isinstance(value, str) or not _BUTTON_ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def read_button(value: Any) -> ButtonValue:
    number = record_id(value)
    if number is None:
        raise OutOfDate("stale_button")
    return ButtonValue(id=number)


def read_view(callback_id: str, raw: Any) -> Meta | None:
    """The typed metadata of a modal we built; None for a modal that carries none."""
    model = VIEWS.get(callback_id)
    if model is None:
        return None
    if callback_id in OPTIONAL and raw in (None, ""):
        return model()
    if not isinstance(raw, str):
        raise OutOfDate("stale_form")
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        raise OutOfDate("stale_form") from None
