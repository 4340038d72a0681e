"""The composition root: settings → runtime → Bolt app with every listener registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

import handlers
from app.dedup import ExactlyOnceApp
from bot.config import ConfigError, load_teams_config
from bot.runtime import Runtime
from bot.services.cadence import recompute_all_if_policy_changed
from bot.services.directory import sync_directory
from bot.settings import Settings, SettingsError
from storage.db import Database

# Listener threads (the work after an answer has threads of its own: bot/answers.py).
LISTENER_WORKERS = 32


class StartupError(Exception):
    """Why the bot cannot start, in one sentence for the person running it."""


def slack_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.secret("slack_bot_token") or None,
        base_url=settings.slack_api_url,
        timeout=10,
        # views.*, users.info and other interactive calls: one more try on a 429 (after Retry-After)
        # or a 5xx. The outbox posts with a client of its own that never retries behind its back.
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2), RateLimitErrorRetryHandler(max_retry_count=1),
                        ServerErrorRetryHandler(max_retry_count=1)],
    )


def _quiet_client(settings: Settings) -> WebClient:
    """A client for the start-up token check: its failure becomes our one sentence, not a log dump."""
    quiet = logging.getLogger("followup.startup.slack")
    quiet.propagate = False
    quiet.addHandler(logging.NullHandler())
    return WebClient(token=settings.secret("slack_bot_token") or None, base_url=settings.slack_api_url, timeout=10,
                     logger=quiet, retry_handlers=[])


def open_database(url: str, *, migrate_if_empty: bool = True) -> Database:
    """Connect (and, for an empty database, create the schema); refuse an outdated schema."""
    db = connect_database(url)
    if migrate_if_empty:
        prepare_schema(db)
    return db


def connect_database(url: str) -> Database:
    db = Database(url)
    try:
        db.ping()
    except SQLAlchemyError as exc:
        raise StartupError(f"Cannot use the database at {_safe_url(url)}: {_reason(exc)}. Check DATABASE_URL.") from None
    return db


def prepare_schema(db: Database) -> None:
    try:
        if db.is_empty():
            db.migrate()
            return
        current, head = db.current_revision(), db.head_revision()
    except SQLAlchemyError as exc:
        raise StartupError(f"Cannot prepare the database at {_safe_url(db.url)}: {_reason(exc)}.") from None
    if current != head:
        raise StartupError(
            f"The database schema is at {current or 'no version'}, this version needs {head}: "
            "run `followup-bot migrate` first."
        )


def _reason(exc: SQLAlchemyError) -> str:
    return str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]


def _safe_url(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def build_runtime(settings: Settings, *, check_token: bool = True) -> Runtime:
    try:
        config = load_teams_config(settings.followup_config)
    except ConfigError as exc:
        extra = f" (and {len(exc.problems) - 1} more: run `followup-bot check-config`)" if len(exc.problems) > 1 else ""
        raise StartupError(f"The teams file has a problem: {exc.problems[0]}{extra}.") from None
    db = connect_database(settings.database_url)
    client = slack_client(settings)
    if check_token:
        try:
            _quiet_client(settings).auth_test()
        except SlackApiError as exc:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}): copy the Bot User OAuth Token again."
            ) from None
        except OSError as exc:
            raise StartupError(f"Cannot reach Slack at {settings.slack_api_url} ({exc}): check SLACK_API_URL.") from None
    prepare_schema(db)
    runtime = Runtime(config=config, db=db, slack=client,
                      give_up_after=timedelta(hours=settings.outbox_give_up_hours))
    sync_directory(runtime)
    recompute_all_if_policy_changed(runtime)
    return runtime


def build_app(runtime: Runtime, *, signing_secret: str | None, executor: ThreadPoolExecutor | None = None) -> App:
    app = ExactlyOnceApp(
        runtime=runtime,
        client=runtime.slack,
        signing_secret=signing_secret,
        request_verification_enabled=signing_secret is not None,
        token_verification_enabled=False,
        process_before_response=False,
        listener_executor=executor or ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="bolt"),
    )
    handlers.register_all(app, runtime)  # listeners, the request middleware and the one error handler
    return app


__all__ = ["StartupError", "SettingsError", "build_app", "build_runtime", "open_database", "slack_client"]
