"""Process settings from the environment and ``.env`` (names as in PRODUCT.md)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = ("changeme", "xoxb-your", "xapp-your", "your-", "replace-me", "...")


class SettingsError(Exception):
    """A setting is missing or unusable; the message is one sentence naming what to fix."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///followup.db"
    followup_config: Path = Path("teams.yml")
    # How long a message Slack keeps refusing with 5xx or network errors is retried before it is
    # dropped (with its reason; the admins are told).
    outbox_give_up_hours: float = Field(default=6.0, gt=0)

    def require(self, *names: str) -> None:
        """Stop with one sentence when a setting the chosen mode needs is missing or a placeholder."""
        for name in names:
            value = getattr(self, name)
            secret = value.get_secret_value() if isinstance(value, SecretStr) else value
            if not secret:
                raise SettingsError(f"{name.upper()} is not set: put it in the environment or in .env.")
            if any(p in str(secret).lower() for p in PLACEHOLDERS):
                raise SettingsError(f"{name.upper()} still holds a placeholder value: set the real one.")

    def secret(self, name: str) -> str:
        value = getattr(self, name)
        return value.get_secret_value() if value is not None else ""


@lru_cache
def get_settings() -> Settings:
    return Settings()
