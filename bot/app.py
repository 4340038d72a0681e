"""The composition root: settings → runtime → Bolt app with every listener registered."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy.exc import SQLAlchemyError

import handlers
from bot.config import ConfigError, load_teams_config
from bot.i18n import t
from bot.runtime import Runtime
from bot.services.directory import sync_directory
from bot.settings import Settings, SettingsError
from handlers.common import error_id
from storage.db import Database

log = logging.getLogger(__name__)


class StartupError(Exception):
    """Why the bot cannot start, in one sentence for the person running it."""


def slack_client(settings: Settings) -> WebClient:
    return WebClient(
        token=settings.secret("slack_bot_token") or None,
        base_url=settings.slack_api_url,
        timeout=10,
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
    )


def open_database(url: str, *, migrate_if_empty: bool = True) -> Database:
    db = Database(url)
    try:
        db.ping()
        if db.is_empty() and migrate_if_empty:
            db.migrate()
            return db
        current, head = db.current_revision(), db.head_revision()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StartupError(f"Cannot use the database at {_safe_url(url)}: {reason}. Check DATABASE_URL.") from None
    if migrate_if_empty and current != head:
        raise StartupError(
            f"The database schema is at {current or 'no version'}, this version needs {head}: "
            "run `followup-bot migrate` first."
        )
    return db


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def build_runtime(settings: Settings, *, check_token: bool = True) -> Runtime:
    try:
        config = load_teams_config(settings.followup_config)
    except ConfigError as exc:
        extra = f" (and {len(exc.problems) - 1} more: run `followup-bot check-config`)" if len(exc.problems) > 1 else ""
        raise StartupError(f"The teams file has a problem: {exc.problems[0]}{extra}.") from None
    db = open_database(settings.database_url)
    client = slack_client(settings)
    if check_token:
        try:
            client.auth_test()
        except SlackApiError as exc:
            raise StartupError(
                f"Slack refused SLACK_BOT_TOKEN ({exc.response.get('error')}): copy the Bot User OAuth Token again."
            ) from None
        except OSError as exc:
            raise StartupError(f"Cannot reach Slack at {settings.slack_api_url} ({exc}): check SLACK_API_URL.") from None
    runtime = Runtime(config=config, db=db, slack=client)
    sync_directory(runtime)
    return runtime


def build_app(runtime: Runtime, *, signing_secret: str | None, executor: ThreadPoolExecutor | None = None) -> App:
    app = App(
        client=runtime.slack,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        token_verification_enabled=False,
        process_before_response=False,
        listener_executor=executor or ThreadPoolExecutor(max_workers=32, thread_name_prefix="bolt"),
    )
    handlers.register_all(app, runtime)

    @app.error
    def unexpected(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
        """Anything a listener did not expect: log it under an id the user can quote."""
        ident = error_id()
        logger.exception("error %s handling %s", ident, body.get("type") or body.get("command"), exc_info=error)
        url = body.get("response_url") or next(
            (r.get("response_url") for r in body.get("response_urls") or []), None)
        if url:
            from slack_sdk.webhook import WebhookClient

            WebhookClient(url).send(text=t("internal_error", runtime.config.language, error_id=ident),
                                    response_type="ephemeral", replace_original=False)

    return app


__all__ = ["StartupError", "SettingsError", "build_app", "build_runtime", "open_database", "slack_client"]
