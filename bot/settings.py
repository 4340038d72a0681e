"""Process settings from the environment and ``.env`` (names as in PRODUCT.md).

A value that cannot work stops the start with one sentence naming the setting and the fix
(``SettingsError``), never a traceback: a placeholder left from the README or ``.env.example``,
a non-ASCII character in a token, a database URL SQLAlchemy cannot read, a Web API URL that is
not one. The URLs hosting providers hand out (``postgres://``, ``postgresql://``) are accepted
and read as ``postgresql+psycopg://``.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.logs import FORMATS, LEVELS

# Words that only a value nobody filled in contains.
PLACEHOLDERS = ("changeme", "change-me", "change_me", "your-", "your_", "replace-me", "replace_me", "...", "\u2026")
# `<your token>`, `<signing secret>`; a token prefix with nothing real after it (`xoxb-`, `xapp-xxxx`).
PLACEHOLDER_PATTERNS = (re.compile(r"<[^<>]*>"), re.compile(r"^(xox[a-z]|xapp)-[-x*._]*$", re.IGNORECASE))
DATABASES = ("sqlite", "postgresql")
DEFAULT_DATABASE_URL = "sqlite:///followup.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class SettingsError(Exception):
    """A setting is missing or unusable; the message is one sentence naming what to fix."""


def looks_like_placeholder(value: str) -> bool:
    lowered = value.strip().lower()
    return any(p in lowered for p in PLACEHOLDERS) or any(p.search(lowered) for p in PLACEHOLDER_PATTERNS)


def database_url(value: str) -> str:
    """The URL SQLAlchemy will use, or a ``SettingsError`` naming DATABASE_URL and the fix."""
    value = value.strip()
    if not value:
        raise SettingsError(f"DATABASE_URL is empty: remove it to use {DEFAULT_DATABASE_URL}, or set a database URL.")
    if any(p in value for p in ("...", "\u2026")) or PLACEHOLDER_PATTERNS[0].search(value):
        raise SettingsError("DATABASE_URL still holds a placeholder value: set the real database URL "
                            "(docs/postgresql.md).")
    scheme, sep, rest = value.partition("://")
    if sep and scheme.lower() in ("postgres", "postgresql"):
        value = f"postgresql+psycopg://{rest}"  # what hosting providers hand out: we use psycopg 3
    try:
        url = make_url(value)
        url.port  # noqa: B018 - a port that is not a number fails here
    except (ArgumentError, ValueError):
        raise SettingsError(
            f"DATABASE_URL is not a database URL SQLAlchemy can read ({_hide_password(value)}): "
            f"use {DEFAULT_DATABASE_URL} or postgresql+psycopg://user:password@host:5432/dbname."
        ) from None
    if url.get_backend_name() not in DATABASES:
        raise SettingsError(
            f"DATABASE_URL names a {url.get_backend_name()} database: followup-bot runs on SQLite "
            f"({DEFAULT_DATABASE_URL}) or PostgreSQL (postgresql+psycopg://user:password@host:5432/dbname)."
        )
    if url.get_backend_name() == "postgresql" and url.get_driver_name() == "psycopg" \
            and importlib.util.find_spec("psycopg") is None:
        raise SettingsError("DATABASE_URL names PostgreSQL but its driver is not installed: "
                            "pip install 'followup-bot[postgres]' (or '.[postgres]' from a clone).")
    return value


def slack_api_url(value: str) -> str:
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or looks_like_placeholder(value):
        raise SettingsError(
            f"SLACK_API_URL {value!r} is not an http(s) URL: remove it to use {DEFAULT_SLACK_API_URL}, "
            "or set your proxy's or GovSlack's Web API address (https://slack-gov.com/api/)."
        )
    return value if value.endswith("/") else f"{value}/"  # slack_sdk appends the method name


def _hide_password(value: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", value)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    followup_config: Path = Path("teams.yml")
    # How long a message Slack keeps refusing with 5xx or network errors is retried before it is
    # dropped (with its reason; the admins are told).
    outbox_give_up_hours: float = Field(default=6.0, gt=0)
    log_level: str = "INFO"
    log_format: str = "text"

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except UnicodeDecodeError as exc:
            # Only the .env file is decoded here (the environment is text already).
            raise SettingsError(
                f".env is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at position {exc.start}): "
                "save it as UTF-8."
            ) from None

    # Not ValueError: pydantic passes other exceptions through, so the sentence arrives as written.
    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return database_url(value)

    @field_validator("slack_api_url")
    @classmethod
    def _slack_api_url(cls, value: str) -> str:
        return slack_api_url(value)

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in LEVELS:
            raise SettingsError(f"LOG_LEVEL {value!r} is not a log level: use one of {', '.join(LEVELS)}.")
        return level

    @field_validator("log_format")
    @classmethod
    def _log_format(cls, value: str) -> str:
        fmt = value.strip().lower()
        if fmt not in FORMATS:
            raise SettingsError(f"LOG_FORMAT {value!r} is not a log format: use text or json (one object a line).")
        return fmt

    def require(self, *names: str) -> None:
        """Stop with one sentence when a setting the chosen mode needs is missing or a placeholder."""
        for name in names:
            value = getattr(self, name)
            secret = value.get_secret_value() if isinstance(value, SecretStr) else value
            secret = str(secret or "").strip()
            if not secret:
                raise SettingsError(f"{name.upper()} is not set: put it in the environment or in .env.")
            if looks_like_placeholder(secret):
                raise SettingsError(f"{name.upper()} still holds a placeholder value: set the real one "
                                    "(.env.example says where to find it).")
            if not secret.isascii():
                bad = next(c for c in secret if not c.isascii())
                raise SettingsError(f"{name.upper()} contains {bad!r} (U+{ord(bad):04X}), which no Slack token or "
                                    "secret has: copy it again from the Slack app's settings.")

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        return value.get_secret_value().strip() if value is not None else ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
