"""The request pipeline: what every listener gets, and the one place failures become answers.

``install(app, runtime)`` adds a Bolt middleware that, once per request and before any listener,
puts into Bolt's context (Bolt passes each key to a listener that names it as an argument):

- ``who``: the ``Requester`` — their team and role (from the teams file) and their Slack profile
  (language, time zone, deactivated: one read, none while the process remembers it; for a user
  never seen before, one users.info call bounded to a second, so their first answer is already in
  their language — the team's language only when Slack does not answer in time);
- ``meta``: the modal's ``private_metadata`` as its typed model (``bot.views.metadata``);
- ``ref``: the record a clicked button names (``ButtonValue``);
- ``form``: the submitted view's values flattened to ``{block_id: value}``.

Nothing else is queried there, so the acknowledgement is not delayed.

Failures are answered by ``answer_failure``, the one mapper: ``InvalidInput`` becomes field errors
(or its first message outside a modal), a refusal (``NotAuthorized``, ``NotFound``, ``OutOfDate``,
``AlreadyDecided``) an error at the modal's refusal field, the command's ephemeral answer or an
ephemeral message under the clicked button; anything else is logged under an id the user is told.
Listeners are wrapped by ``@answered``, which calls it: Bolt resets an acknowledgement already sent
to "none" when a listener raises afterwards (a quick failure could turn Slack's 200 into a 404), so
nothing may escape a listener once it has acknowledged. Before the acknowledgement the answer
depends on the request kind; a failure the mapper does not know is left to Bolt (HTTP 500) and the
app's error handler, which logs it under an id.
"""

from __future__ import annotations

import functools
import inspect
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltResponse
from slack_sdk.webhook import WebhookClient

from bot.domain.dates import format_when
from bot.errors import AlreadyDecided, InvalidInput, OutOfDate, UserFacingError
from bot.i18n import Lang, t
from bot.runtime import Runtime
from bot.services.directory import Requester
from bot.views import ids
from bot.views.blocks import escape
from bot.views.metadata import ID_BUTTONS, read_button, read_view

log = logging.getLogger(__name__)

# Set once the pipeline has run: the request passed signature verification (which runs first),
# so the error handler may answer to the response_url its body names.
PIPELINE_RAN = "followup_pipeline"


def install(app: App, runtime: Runtime) -> None:
    """The middleware and the error handler; ``handlers.register_all`` calls this first."""
    app.use(_context_middleware(runtime))

    @app.error
    def on_error(error: Exception, body: dict[str, Any], context: BoltContext,
                 response: BoltResponse | None) -> BoltResponse | None:
        if not context.get(PIPELINE_RAN):
            # Never answer to an address named by a body nobody vouched for.
            log.error("error handling an unverified request", exc_info=error)
            return None
        answer = map_failure(error, body=body, lang=_lang(context, runtime), tz=_team_tz(context))
        if answer is None:
            report_unexpected(error, body, _lang(context, runtime))
            return None
        _tell(body, answer.ephemeral)
        return None if response is None else Ack()(**answer.ack)  # None: Slack already has its answer


# The middleware ---------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str | None) -> str:
    """What users type, without control characters (PostgreSQL refuses NUL in text)."""
    return _CONTROL.sub("", text or "")


def form_values(view: dict[str, Any]) -> dict[str, Any]:
    """Flatten ``view.state.values`` to ``{block_id: value}`` whatever the element type."""
    values: dict[str, Any] = {}
    for block_id, elements in (view.get("state") or {}).get("values", {}).items():
        for element in elements.values():
            value = _element_value(element)
            values[block_id] = clean_text(value) if isinstance(value, str) else value
    return values


def _element_value(element: dict[str, Any]) -> Any:
    kind = element.get("type")
    if kind in ("static_select", "external_select", "radio_buttons"):
        selected = element.get("selected_option")
        return selected.get("value") if isinstance(selected, dict) else None
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [o.get("value") for o in element.get("selected_options") or [] if isinstance(o, dict)]
    if kind == "datetimepicker":
        return element.get("selected_date_time")
    if kind == "datepicker":
        return element.get("selected_date")
    if kind == "users_select":
        return element.get("selected_user")
    return element.get("value")



def _context_middleware(runtime: Runtime) -> Callable[..., Any]:
    def request_context(body: dict[str, Any], context: BoltContext, next: Callable[[], None]) -> BoltResponse | None:  # noqa: A002 - Bolt's name
        context[PIPELINE_RAN] = True
        user_id = user_of(body)
        if user_id:
            context["who"] = Requester(runtime, user_id)
        view = body.get("view") if isinstance(body.get("view"), dict) else None
        kind = body.get("type")
        try:
            if view is not None and kind in ("view_submission", "block_actions"):
                context["form"] = form_values(view)
                context["meta"] = read_view(str(view.get("callback_id") or ""), view.get("private_metadata"))
            if kind == "block_actions":
                action = (body.get("actions") or [{}])[0]
                if action.get("action_id") in ID_BUTTONS:
                    context["ref"] = read_button(action.get("value"))
        except OutOfDate as error:
            answer = map_failure(error, body=body, lang=_lang(context, runtime), tz="UTC")
            assert answer is not None
            _tell(body, answer.ephemeral)
            return Ack()(**answer.ack)
        next()
        return None

    return request_context


def user_of(body: dict[str, Any]) -> str | None:
    """Who sent it: interactive payloads, slash commands and events name the user differently."""
    user = body.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), str):
        return user["id"]
    if isinstance(body.get("user_id"), str):
        return body["user_id"]
    event = body.get("event")
    if isinstance(event, dict) and isinstance(event.get("user"), str):
        return event["user"]
    return None


# The one mapper ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    ack: dict[str, Any] = field(default_factory=dict)  # what to acknowledge with
    ephemeral: str | None = None  # and what to tell under the clicked message


def map_failure(error: Exception, *, body: dict[str, Any], lang: Lang, tz: str) -> Answer | None:
    """The user's answer to an expected failure of this request, or None for an unexpected one."""
    if isinstance(error, InvalidInput):
        errors = field_errors(error, lang)
        if body.get("type") == "view_submission":
            return Answer(ack={"response_action": "errors", "errors": errors})
        message = next(reversed(errors.values()))
    elif isinstance(error, (UserFacingError, AlreadyDecided)):
        if body.get("type") == "view_submission":  # modal errors are plain text
            message = user_message(error, lang, tz, mrkdwn=False)
            return Answer(ack={"response_action": "errors", "errors": {refusal_field(body): message}})
        message = user_message(error, lang, tz)
    else:
        return None
    if body.get("command"):
        return Answer(ack={"text": message, "response_type": "ephemeral"})
    if body.get("type") == "block_suggestion":
        return Answer(ack={"options": []})
    return Answer(ephemeral=message)


def refusal_field(body: dict[str, Any]) -> str:
    """The input block of the submitted modal that shows a refusal."""
    view = body.get("view") or {}
    named = ids.REFUSAL_FIELDS.get(str(view.get("callback_id")))
    if named:
        return named
    first = next((b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"), None)
    return str(first or "")


def field_errors(error: InvalidInput, lang: Lang) -> dict[str, str]:
    return {field: t(key, lang, **values) for field, (key, values) in error.errors.items()}


def user_message(error: UserFacingError | AlreadyDecided, lang: Lang, tz: str = "UTC", *,
                 mrkdwn: bool = True) -> str:
    """The sentence a user sees for an expected failure; in mrkdwn what the user typed is escaped
    (a customer reference such as ``<!channel>`` comes back as text)."""
    if isinstance(error, AlreadyDecided):
        return t("already_decided", lang, decision=t(f"decision_{error.state}", lang), user=error.decided_by,
                 when=format_when(error.decided_at, tz=tz, lang=lang) if error.decided_at else "")
    values = {name: escape(value) if mrkdwn and isinstance(value, str) else value
              for name, value in error.values.items()}
    return t(error.key, lang, **values)


def failure_text(error: InvalidInput | UserFacingError | AlreadyDecided, lang: Lang, tz: str = "UTC") -> str:
    """An expected failure in one text (every field's message, one a line)."""
    if isinstance(error, InvalidInput):
        return "\n".join(field_errors(error, lang).values())
    return user_message(error, lang, tz)


def answer_failure(error: Exception, *, ack: Ack, body: dict[str, Any], lang: Lang, tz: str) -> None:
    """Answer a listener's failure, before or after its acknowledgement."""
    answer = map_failure(error, body=body, lang=lang, tz=tz)
    if ack.response is None:
        if answer is None:
            raise error  # Bolt answers 500 and the error handler logs it under an id
        ack(**answer.ack)
        _tell(body, answer.ephemeral)
        return
    if answer is None:
        report_unexpected(error, body, lang)
    elif answer.ephemeral:
        _tell(body, answer.ephemeral)
    else:
        log.warning("after the answer to %s: %s", body.get("type") or body.get("command"), error)


def answered(listener: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a listener so that its failures are answered by the one mapper (see the module doc).

    The wrapper asks Bolt for ``ack``, ``body`` and ``context`` besides what the listener names.
    """
    wanted = list(inspect.signature(listener).parameters)
    asked = wanted + [name for name in ("ack", "body", "context") if name not in wanted]

    @functools.wraps(listener)
    def wrapper(**kwargs: Any) -> Any:
        try:
            return listener(**{name: kwargs[name] for name in wanted})
        except Exception as error:
            context = kwargs["context"]
            who: Requester | None = context.get("who")
            answer_failure(error, ack=kwargs["ack"], body=kwargs["body"] or {},
                           lang=who.lang if who else "en", tz=who.team_tz if who else "UTC")
            return None

    del wrapper.__wrapped__  # Bolt reads the arguments to pass from the wrapper's own signature
    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in asked])
    return wrapper


def report_unexpected(error: Exception, body: dict[str, Any], lang: Lang) -> None:
    """Log an unexpected failure under an id, and tell the user that id when Slack lets us."""
    ident = uuid.uuid4().hex[:8]
    log.error("error %s handling %s", ident, body.get("type") or body.get("command"), exc_info=error)
    _tell(body, t("internal_error", lang, error_id=ident))


def _tell(body: dict[str, Any], text: str | None) -> None:
    """An ephemeral message where the user acted (a message or a command), if Slack gave us a way."""
    url = body.get("response_url") or next((r.get("response_url") for r in body.get("response_urls") or []), None)
    if text and url:
        WebhookClient(url).send(text=text, response_type="ephemeral", replace_original=False)


def _lang(context: BoltContext, runtime: Runtime) -> Lang:
    who: Requester | None = context.get("who")
    return who.lang if who else runtime.config.language


def _team_tz(context: BoltContext) -> str:
    who: Requester | None = context.get("who")
    return who.team_tz if who else "UTC"
