"""Pure Block Kit validators mirroring the limits the real Slack API enforces.

Every public function returns a list of human-readable error strings; an empty list means the
payload is valid.  Each error starts with the path of the offending value, e.g.
``blocks[3].elements[0].text: must be plain_text``.

The rules follow Slack's Block Kit reference (block / element / composition object pages).  They are
deliberately strict where Slack is strict (lengths, allowed element types per block, option
membership) so that a payload accepted here is very likely accepted by Slack too.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

__all__ = ["validate_message_blocks", "validate_view"]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

_SELECTS = {
    "static_select",
    "external_select",
    "users_select",
    "conversations_select",
    "channels_select",
}
_MULTI_SELECTS = {"multi_" + name for name in _SELECTS}

# Which interactive elements Slack accepts where ("Compatible blocks" on each element's docs page).
_ACCESSORY_ELEMENTS = (
    {
        "button",
        "checkboxes",
        "datepicker",
        "image",
        "overflow",
        "radio_buttons",
        "timepicker",
    }
    | _SELECTS
    | _MULTI_SELECTS
)
_ACTIONS_ELEMENTS = (
    {
        "button",
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "overflow",
        "radio_buttons",
        "timepicker",
    }
    | _SELECTS
    | _MULTI_SELECTS
)
_INPUT_ELEMENTS = (
    {
        "checkboxes",
        "datepicker",
        "datetimepicker",
        "email_text_input",
        "number_input",
        "plain_text_input",
        "radio_buttons",
        "timepicker",
        "url_text_input",
    }
    | _SELECTS
    | _MULTI_SELECTS
)

_RICH_TEXT_ELEMENTS = {"rich_text_section", "rich_text_list", "rich_text_preformatted", "rich_text_quote"}
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Errors(list[str]):
    """Error accumulator; ``add(path, msg)`` formats ``"<path>: <msg>"``."""

    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}")


# --------------------------------------------------------------------------------------------------
# Primitive checks
# --------------------------------------------------------------------------------------------------


def _check_str(
    obj: dict[str, Any],
    key: str,
    path: str,
    errors: _Errors,
    *,
    max_len: int | None = None,
    required: bool = False,
) -> str | None:
    """Check an optional/required string field; return it when it is a string."""
    p = f"{path}.{key}"
    if key not in obj:
        if required:
            errors.add(p, "is required")
        return None
    value = obj[key]
    if not isinstance(value, str):
        errors.add(p, "must be a string")
        return None
    if required and not value:
        errors.add(p, "must not be empty")
    if max_len is not None and len(value) > max_len:
        errors.add(p, f"must be at most {max_len} characters (got {len(value)})")
    return value


def _check_bool(obj: dict[str, Any], key: str, path: str, errors: _Errors, *, required: bool = False) -> None:
    if key not in obj:
        if required:
            errors.add(f"{path}.{key}", "is required")
        return
    if not isinstance(obj[key], bool):
        errors.add(f"{path}.{key}", "must be a boolean")


def _check_int(
    obj: dict[str, Any],
    key: str,
    path: str,
    errors: _Errors,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int | None:
    if key not in obj:
        return None
    value = obj[key]
    # bool is an int subclass, but Slack rejects true/false where a number is expected.
    if not isinstance(value, int) or isinstance(value, bool):
        errors.add(f"{path}.{key}", "must be an integer")
        return None
    if minimum is not None and value < minimum:
        errors.add(f"{path}.{key}", f"must be at least {minimum}")
    if maximum is not None and value > maximum:
        errors.add(f"{path}.{key}", f"must be at most {maximum}")
    return value


def _check_text(
    obj: Any,
    path: str,
    errors: _Errors,
    *,
    plain_only: bool = False,
    max_len: int | None = None,
) -> None:
    """Validate a text composition object (``plain_text`` or ``mrkdwn``)."""
    if not isinstance(obj, dict):
        errors.add(path, "must be a text object")
        return
    kind = obj.get("type")
    if kind not in ("plain_text", "mrkdwn"):
        errors.add(f"{path}.type", "must be plain_text or mrkdwn")
        return
    if plain_only and kind != "plain_text":
        errors.add(path, "must be plain_text")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        errors.add(f"{path}.text", "must be a non-empty string")
    elif max_len is not None and len(text) > max_len:
        errors.add(f"{path}.text", f"must be at most {max_len} characters (got {len(text)})")
    if "emoji" in obj:
        if kind != "plain_text":
            errors.add(f"{path}.emoji", "is only allowed on plain_text")
        elif not isinstance(obj["emoji"], bool):
            errors.add(f"{path}.emoji", "must be a boolean")
    if "verbatim" in obj:
        if kind != "mrkdwn":
            errors.add(f"{path}.verbatim", "is only allowed on mrkdwn")
        elif not isinstance(obj["verbatim"], bool):
            errors.add(f"{path}.verbatim", "must be a boolean")


def _check_optional_text(
    obj: dict[str, Any],
    key: str,
    path: str,
    errors: _Errors,
    *,
    plain_only: bool = True,
    max_len: int | None = None,
) -> None:
    if key in obj:
        _check_text(obj[key], f"{path}.{key}", errors, plain_only=plain_only, max_len=max_len)


def _check_confirm(el: dict[str, Any], path: str, errors: _Errors) -> None:
    if "confirm" not in el:
        return
    confirm, p = el["confirm"], f"{path}.confirm"
    if not isinstance(confirm, dict):
        errors.add(p, "must be a confirmation dialog object")
        return
    for key, limit in (("title", 100), ("confirm", 30), ("deny", 30)):
        if key not in confirm:
            errors.add(f"{p}.{key}", "is required")
        else:
            _check_text(confirm[key], f"{p}.{key}", errors, plain_only=True, max_len=limit)
    if "text" not in confirm:
        errors.add(f"{p}.text", "is required")
    else:
        _check_text(confirm["text"], f"{p}.text", errors, max_len=300)
    if "style" in confirm and confirm["style"] not in ("primary", "danger"):
        errors.add(f"{p}.style", "must be primary or danger")


# --------------------------------------------------------------------------------------------------
# Options
# --------------------------------------------------------------------------------------------------


def _option_key(option: Any) -> tuple[Any, Any, Any] | None:
    """Identity used to match ``initial_option(s)`` against ``options``: value plus displayed text."""
    if not isinstance(option, dict):
        return None
    text = option.get("text")
    if not isinstance(text, dict):
        return (option.get("value"), None, None)
    return (option.get("value"), text.get("type"), text.get("text"))


def _check_option(
    option: Any,
    path: str,
    errors: _Errors,
    *,
    plain_only: bool = True,
    allow_url: bool = False,
) -> None:
    if not isinstance(option, dict):
        errors.add(path, "must be an option object")
        return
    if "text" not in option:
        errors.add(f"{path}.text", "is required")
    else:
        _check_text(option["text"], f"{path}.text", errors, plain_only=plain_only, max_len=75)
    _check_str(option, "value", path, errors, max_len=150, required=True)
    _check_optional_text(option, "description", path, errors, plain_only=plain_only, max_len=75)
    if "url" in option:
        if allow_url:
            _check_str(option, "url", path, errors, max_len=3000)
        else:
            errors.add(f"{path}.url", "is only allowed on overflow menu options")


def _check_option_list(
    el: dict[str, Any],
    key: str,
    path: str,
    errors: _Errors,
    *,
    min_items: int,
    max_items: int,
    plain_only: bool = True,
    allow_url: bool = False,
    required: bool = True,
) -> list[Any]:
    """Validate ``el[key]`` as a list of options and return it (empty list if invalid/missing)."""
    p = f"{path}.{key}"
    if key not in el:
        if required:
            errors.add(p, "is required")
        return []
    options = el[key]
    if not isinstance(options, list):
        errors.add(p, "must be an array")
        return []
    if not min_items <= len(options) <= max_items:
        errors.add(p, f"must contain between {min_items} and {max_items} options (got {len(options)})")
    for i, option in enumerate(options):
        _check_option(option, f"{p}[{i}]", errors, plain_only=plain_only, allow_url=allow_url)
    return options


def _check_initial_options(
    el: dict[str, Any],
    path: str,
    errors: _Errors,
    options: list[Any],
    *,
    multi: bool,
    plain_only: bool = True,
) -> None:
    """``initial_option`` / ``initial_options`` must each equal one of ``options``."""
    known = {_option_key(o) for o in options}
    key = "initial_options" if multi else "initial_option"
    if key not in el:
        return
    p = f"{path}.{key}"
    if multi:
        initial = el[key]
        if not isinstance(initial, list):
            errors.add(p, "must be an array")
            return
        items = [(f"{p}[{i}]", o) for i, o in enumerate(initial)]
    else:
        items = [(p, el[key])]
    for item_path, option in items:
        _check_option(option, item_path, errors, plain_only=plain_only)
        if _option_key(option) not in known:
            errors.add(item_path, "must exactly match one of the options")


# --------------------------------------------------------------------------------------------------
# Elements
# --------------------------------------------------------------------------------------------------


def _check_button(el: dict[str, Any], path: str, errors: _Errors) -> None:
    if "text" not in el:
        errors.add(f"{path}.text", "is required")
    else:
        _check_text(el["text"], f"{path}.text", errors, plain_only=True, max_len=75)
    _check_str(el, "value", path, errors, max_len=2000)
    _check_str(el, "url", path, errors, max_len=3000)
    _check_str(el, "accessibility_label", path, errors, max_len=75)
    if "style" in el and el["style"] not in ("primary", "danger"):
        errors.add(f"{path}.style", "must be primary or danger")


def _check_select(el: dict[str, Any], path: str, errors: _Errors) -> None:
    kind: str = el["type"]
    multi = kind.startswith("multi_")
    base = kind.removeprefix("multi_")
    _check_optional_text(el, "placeholder", path, errors, max_len=150)
    _check_bool(el, "focus_on_load", path, errors)
    if multi:
        _check_int(el, "max_selected_items", path, errors, minimum=1)
    if base == "static_select":
        has_options, has_groups = "options" in el, "option_groups" in el
        if has_options == has_groups:
            errors.add(path, "must have exactly one of options or option_groups")
            return
        if has_options:
            options = _check_option_list(el, "options", path, errors, min_items=1, max_items=100)
        else:
            options = _check_option_groups(el, path, errors)
        _check_initial_options(el, path, errors, options, multi=multi)
    elif base == "external_select":
        _check_int(el, "min_query_length", path, errors, minimum=0)
        key = "initial_options" if multi else "initial_option"
        if key in el:
            initial = el[key] if multi else [el[key]]
            if not isinstance(initial, list):
                errors.add(f"{path}.{key}", "must be an array")
            else:
                for i, option in enumerate(initial):
                    _check_option(option, f"{path}.{key}[{i}]" if multi else f"{path}.{key}", errors)
    else:
        # users_select / conversations_select / channels_select (and multi_ variants): initial ids.
        noun = {"users_select": "user", "conversations_select": "conversation", "channels_select": "channel"}[
            base
        ]
        if multi:
            initial = el.get(f"initial_{noun}s")
            if initial is not None and not (
                isinstance(initial, list) and all(isinstance(v, str) and v for v in initial)
            ):
                errors.add(f"{path}.initial_{noun}s", "must be an array of ids")
        else:
            _check_str(el, f"initial_{noun}", path, errors)
        if base != "users_select":
            _check_bool(el, "default_to_current_conversation", path, errors)
            _check_bool(el, "response_url_enabled", path, errors)


def _check_option_groups(el: dict[str, Any], path: str, errors: _Errors) -> list[Any]:
    groups, p = el["option_groups"], f"{path}.option_groups"
    if not isinstance(groups, list):
        errors.add(p, "must be an array")
        return []
    if not 1 <= len(groups) <= 100:
        errors.add(p, f"must contain between 1 and 100 option groups (got {len(groups)})")
    options: list[Any] = []
    for i, group in enumerate(groups):
        gp = f"{p}[{i}]"
        if not isinstance(group, dict):
            errors.add(gp, "must be an option group object")
            continue
        if "label" not in group:
            errors.add(f"{gp}.label", "is required")
        else:
            _check_text(group["label"], f"{gp}.label", errors, plain_only=True, max_len=75)
        options += _check_option_list(group, "options", gp, errors, min_items=1, max_items=100)
    return options


def _check_plain_text_input(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_optional_text(el, "placeholder", path, errors, max_len=150)
    _check_bool(el, "multiline", path, errors)
    _check_bool(el, "focus_on_load", path, errors)
    min_length = _check_int(el, "min_length", path, errors, minimum=0, maximum=3000)
    max_length = _check_int(el, "max_length", path, errors, minimum=1, maximum=3000)
    if min_length is not None and max_length is not None and min_length > max_length:
        errors.add(f"{path}.min_length", "must not be greater than max_length")
    initial = _check_str(el, "initial_value", path, errors)
    if initial is not None and max_length is not None and len(initial) > max_length:
        errors.add(f"{path}.initial_value", f"must be at most max_length ({max_length}) characters")
    if "dispatch_action_config" in el:
        cfg, p = el["dispatch_action_config"], f"{path}.dispatch_action_config"
        triggers = cfg.get("trigger_actions_on") if isinstance(cfg, dict) else None
        if not isinstance(triggers, list) or not triggers:
            errors.add(f"{p}.trigger_actions_on", "must be a non-empty array")
        else:
            for i, trigger in enumerate(triggers):
                if trigger not in ("on_enter_pressed", "on_character_entered"):
                    errors.add(
                        f"{p}.trigger_actions_on[{i}]", "must be on_enter_pressed or on_character_entered"
                    )


def _check_datepicker(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_optional_text(el, "placeholder", path, errors, max_len=150)
    value = _check_str(el, "initial_date", path, errors)
    if value is None:
        return
    valid = bool(_DATE_RE.match(value))
    if valid:
        try:
            date.fromisoformat(value)
        except ValueError:
            valid = False
    if not valid:
        errors.add(f"{path}.initial_date", "must be a valid date in YYYY-MM-DD format")


def _check_timepicker(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_optional_text(el, "placeholder", path, errors, max_len=150)
    _check_str(el, "timezone", path, errors)
    value = _check_str(el, "initial_time", path, errors)
    if value is not None and not _TIME_RE.match(value):
        errors.add(f"{path}.initial_time", "must be in HH:mm format")


def _check_datetimepicker(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_int(el, "initial_date_time", path, errors, minimum=0)


def _check_checkboxes(el: dict[str, Any], path: str, errors: _Errors) -> None:
    # Checkbox and radio option texts may be mrkdwn, unlike select menus.
    options = _check_option_list(el, "options", path, errors, min_items=1, max_items=10, plain_only=False)
    _check_initial_options(el, path, errors, options, multi=el["type"] == "checkboxes", plain_only=False)


def _check_number_input(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_bool(el, "is_decimal_allowed", path, errors, required=True)
    _check_optional_text(el, "placeholder", path, errors, max_len=150)
    for key in ("initial_value", "min_value", "max_value"):
        _check_str(el, key, path, errors)


def _check_text_input(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_optional_text(el, "placeholder", path, errors, max_len=150)
    _check_str(el, "initial_value", path, errors)


def _check_overflow(el: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_option_list(el, "options", path, errors, min_items=2, max_items=5, allow_url=True)


def _check_image_element(el: dict[str, Any], path: str, errors: _Errors) -> None:
    if "slack_file" not in el:
        _check_str(el, "image_url", path, errors, max_len=3000, required=True)
    _check_str(el, "alt_text", path, errors, max_len=2000, required=True)


_ELEMENT_CHECKS: dict[str, Callable[[dict[str, Any], str, _Errors], None]] = {
    "button": _check_button,
    **{name: _check_select for name in _SELECTS | _MULTI_SELECTS},
    "plain_text_input": _check_plain_text_input,
    "datepicker": _check_datepicker,
    "timepicker": _check_timepicker,
    "datetimepicker": _check_datetimepicker,
    "checkboxes": _check_checkboxes,
    "radio_buttons": _check_checkboxes,
    "number_input": _check_number_input,
    "email_text_input": _check_text_input,
    "url_text_input": _check_text_input,
    "overflow": _check_overflow,
    "image": _check_image_element,
}


def _check_element(el: Any, path: str, errors: _Errors, *, allowed: set[str], where: str) -> None:
    if not isinstance(el, dict):
        errors.add(path, "must be an element object")
        return
    kind = el.get("type")
    if not isinstance(kind, str) or kind not in _ELEMENT_CHECKS:
        errors.add(f"{path}.type", f"unknown element type {kind!r}")
        return
    if kind not in allowed:
        errors.add(path, f"element type {kind!r} is not allowed in {where}")
        return
    if kind != "image":
        _check_str(el, "action_id", path, errors, max_len=255)
        _check_confirm(el, path, errors)
    _ELEMENT_CHECKS[kind](el, path, errors)


# --------------------------------------------------------------------------------------------------
# Blocks
# --------------------------------------------------------------------------------------------------


def _check_section(block: dict[str, Any], path: str, errors: _Errors) -> None:
    if "text" not in block and "fields" not in block:
        errors.add(path, "section requires text and/or fields")
    if "text" in block:
        _check_text(block["text"], f"{path}.text", errors, max_len=3000)
    if "fields" in block:
        fields, p = block["fields"], f"{path}.fields"
        if not isinstance(fields, list) or not fields:
            errors.add(p, "must be a non-empty array")
        else:
            if len(fields) > 10:
                errors.add(p, f"must contain at most 10 items (got {len(fields)})")
            for i, field in enumerate(fields):
                _check_text(field, f"{p}[{i}]", errors, max_len=2000)
    if "accessory" in block:
        _check_element(
            block["accessory"],
            f"{path}.accessory",
            errors,
            allowed=_ACCESSORY_ELEMENTS,
            where="section accessory",
        )
    _check_bool(block, "expand", path, errors)


def _check_header(block: dict[str, Any], path: str, errors: _Errors) -> None:
    if "text" not in block:
        errors.add(f"{path}.text", "is required")
    else:
        _check_text(block["text"], f"{path}.text", errors, plain_only=True, max_len=150)


def _check_context(block: dict[str, Any], path: str, errors: _Errors) -> None:
    elements, p = block.get("elements"), f"{path}.elements"
    if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
        errors.add(p, "must be an array of 1 to 10 elements")
        return
    for i, el in enumerate(elements):
        ep = f"{p}[{i}]"
        if isinstance(el, dict) and el.get("type") == "image":
            _check_image_element(el, ep, errors)
        elif isinstance(el, dict) and el.get("type") in ("plain_text", "mrkdwn"):
            _check_text(el, ep, errors)
        else:
            errors.add(ep, "context elements must be text objects or image elements")


def _check_actions(block: dict[str, Any], path: str, errors: _Errors) -> None:
    elements, p = block.get("elements"), f"{path}.elements"
    if not isinstance(elements, list) or not 1 <= len(elements) <= 25:
        errors.add(p, "must be an array of 1 to 25 elements")
        return
    seen: set[str] = set()
    for i, el in enumerate(elements):
        _check_element(el, f"{p}[{i}]", errors, allowed=_ACTIONS_ELEMENTS, where="actions blocks")
        action_id = el.get("action_id") if isinstance(el, dict) else None
        if isinstance(action_id, str):
            if action_id in seen:
                errors.add(f"{p}[{i}].action_id", f"duplicate action_id {action_id!r} within the block")
            seen.add(action_id)


def _check_input(block: dict[str, Any], path: str, errors: _Errors) -> None:
    if "label" not in block:
        errors.add(f"{path}.label", "is required")
    else:
        _check_text(block["label"], f"{path}.label", errors, plain_only=True, max_len=2000)
    if "element" not in block:
        errors.add(f"{path}.element", "is required")
    else:
        _check_element(
            block["element"], f"{path}.element", errors, allowed=_INPUT_ELEMENTS, where="input blocks"
        )
    _check_optional_text(block, "hint", path, errors, max_len=2000)
    _check_bool(block, "optional", path, errors)
    _check_bool(block, "dispatch_action", path, errors)


def _check_image_block(block: dict[str, Any], path: str, errors: _Errors) -> None:
    _check_image_element(block, path, errors)
    _check_optional_text(block, "title", path, errors, max_len=2000)


def _check_rich_text(block: dict[str, Any], path: str, errors: _Errors) -> None:
    # Only the outer structure is checked; rich text is normally produced by Slack clients.
    elements, p = block.get("elements"), f"{path}.elements"
    if not isinstance(elements, list) or not elements:
        errors.add(p, "must be a non-empty array")
        return
    for i, el in enumerate(elements):
        if not isinstance(el, dict) or el.get("type") not in _RICH_TEXT_ELEMENTS:
            errors.add(f"{p}[{i}]", f"must be one of {', '.join(sorted(_RICH_TEXT_ELEMENTS))}")
        elif not isinstance(el.get("elements"), list):
            errors.add(f"{p}[{i}].elements", "must be an array")


_BLOCK_CHECKS: dict[str, Callable[[dict[str, Any], str, _Errors], None]] = {
    "section": _check_section,
    "divider": lambda block, path, errors: None,
    "header": _check_header,
    "context": _check_context,
    "actions": _check_actions,
    "input": _check_input,
    "image": _check_image_block,
    "rich_text": _check_rich_text,
}


def _check_blocks(blocks: Any, errors: _Errors, *, max_blocks: int, surface: str) -> None:
    if not isinstance(blocks, list):
        errors.add("blocks", "must be an array")
        return
    if len(blocks) > max_blocks:
        errors.add("blocks", f"must contain at most {max_blocks} blocks (got {len(blocks)})")
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        path = f"blocks[{i}]"
        if not isinstance(block, dict):
            errors.add(path, "must be a block object")
            continue
        kind = block.get("type")
        if not isinstance(kind, str) or kind not in _BLOCK_CHECKS:
            errors.add(f"{path}.type", f"unknown block type {kind!r}")
            continue
        if kind == "input" and surface == "message":
            errors.add(path, "input blocks are not allowed in messages")
            continue
        block_id = _check_str(block, "block_id", path, errors, max_len=255)
        if block_id is not None:
            if block_id in block_ids:
                errors.add(f"{path}.block_id", f"duplicate block_id {block_id!r}")
            block_ids.add(block_id)
        _BLOCK_CHECKS[kind](block, path, errors)


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


def validate_message_blocks(blocks: Any) -> list[str]:
    """Validate the ``blocks`` of a message (chat.postMessage/update/postEphemeral, response_url)."""
    errors = _Errors()
    _check_blocks(blocks, errors, max_blocks=MAX_MESSAGE_BLOCKS, surface="message")
    return list(errors)


def validate_view(view: Any) -> list[str]:
    """Validate a modal or home tab view object (views.open/update/push/publish)."""
    errors = _Errors()
    if not isinstance(view, dict):
        return ["view: must be an object"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        errors.add("type", "must be modal or home")
        return list(errors)
    if kind == "modal":
        if "title" not in view:
            errors.add("title", "is required")
        else:
            _check_text(view["title"], "title", errors, plain_only=True, max_len=24)
        for key in ("submit", "close"):
            if key in view:
                _check_text(view[key], key, errors, plain_only=True, max_len=24)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            errors.add("submit", "is required when the modal contains input blocks")
        for key in ("clear_on_close", "notify_on_close"):
            if key in view and not isinstance(view[key], bool):
                errors.add(key, "must be a boolean")
    if "blocks" not in view:
        errors.add("blocks", "is required")
    else:
        _check_blocks(view["blocks"], errors, max_blocks=MAX_VIEW_BLOCKS, surface=kind)
    for key, limit in (("private_metadata", 3000), ("callback_id", 255), ("external_id", 255)):
        value = view.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            errors.add(key, "must be a string")
        elif len(value) > limit:
            errors.add(key, f"must be at most {limit} characters (got {len(value)})")
    return list(errors)
