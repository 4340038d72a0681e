"""Logs an operator can read: a level, text or one JSON object a line, libraries kept quiet."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logs import configure_logging
from bot.settings import Settings, SettingsError


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = {name: logging.getLogger(name).level for name in ("apscheduler", "alembic")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, value in libraries.items():
        logging.getLogger(name).setLevel(value)


def test_json_lines_carry_level_logger_message_and_extras(restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging("INFO", "json", stream=out)
    logging.getLogger("followup.test").info("delivered %d message(s)", 3, extra={"duty": "daily-due-lists"})
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("followup.test").exception("duty failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert {k: first[k] for k in ("level", "logger", "message", "duty")} == {
        "level": "INFO", "logger": "followup.test", "message": "delivered 3 message(s)", "duty": "daily-due-lists"}
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


def test_apscheduler_chatter_and_bolts_token_warning_are_quiet(restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging("INFO", "text", stream=out)
    logging.getLogger("apscheduler.executors.default").info('Running job "drain" (scheduled at ...)')
    logging.getLogger("apscheduler.scheduler").warning("Run time of job was missed")
    logging.getLogger("slack_bolt.App").warning("As you gave `client` as well, `token` will be unused.")
    logging.getLogger("followup-bot").info("followup-bot listening on http://0.0.0.0:3000/slack/events")
    lines = out.getvalue().splitlines()
    assert len(lines) == 2, lines
    assert "WARNING apscheduler.scheduler: Run time of job was missed" in lines[0]
    assert "INFO followup-bot: followup-bot listening" in lines[1]


def test_debug_lets_the_libraries_speak(restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging("DEBUG", "text", stream=out)
    logging.getLogger("apscheduler.executors.default").info("Running job")
    assert "Running job" in out.getvalue()


def test_warning_level_hides_info(restore_logging: None) -> None:
    out = io.StringIO()
    configure_logging("WARNING", "text", stream=out)
    logging.getLogger("followup-bot").info("started")
    assert out.getvalue() == ""


@pytest.mark.parametrize(("level", "fmt"), [("debug", "JSON"), (" Warning ", "text")])
def test_settings_read_level_and_format_in_any_case(level: str, fmt: str) -> None:
    settings = Settings(_env_file=None, log_level=level, log_format=fmt)
    assert settings.log_level == level.strip().upper() and settings.log_format == fmt.lower()


def test_a_bad_level_or_format_is_one_sentence() -> None:
    with pytest.raises(SettingsError, match=r"^LOG_LEVEL 'verbose' is not a log level: use one of DEBUG, INFO"):
        Settings(_env_file=None, log_level="verbose")
    with pytest.raises(SettingsError, match=r"^LOG_FORMAT 'xml' is not a log format: use text or json"):
        Settings(_env_file=None, log_format="xml")
