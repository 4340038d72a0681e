"""`followup-bot`: run the bot (Socket Mode or HTTP), migrate, check the teams file."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from pydantic import ValidationError

from app.factory import StartupError, build_app, build_runtime, open_database
from app.scheduler import run_once, start_background
from bot.config import ConfigError, load_teams_config
from bot.settings import Settings, SettingsError

log = logging.getLogger("followup-bot")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="followup-bot", description="The follow-up assistant for sales teams.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("socket", help="run over Socket Mode (no public URL needed)")
    serve = sub.add_parser("serve", help="run over HTTP (request URL /slack/events)")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--no-scheduler", action="store_true", help="for extra replicas: no scheduled duties")
    sub.add_parser("migrate", help="bring the database schema up to date")
    sub.add_parser("check-config", help="validate the teams file")
    jobs = sub.add_parser("jobs", help="scheduled duties")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run = jobs_sub.add_parser("run", help="run once every duty due at an instant (for cron, or to catch up)")
    run.add_argument("--now", type=_instant, default=None, help="ISO 8601 instant with offset; default: now")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        settings = Settings()
        return COMMANDS[args.command](settings, args)
    except (StartupError, SettingsError) as exc:
        print(f"followup-bot: {exc}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"followup-bot: setting {'.'.join(map(str, first['loc'])).upper()} is invalid: {first['msg']}.",
              file=sys.stderr)
        return 2


def run_socket(settings: Settings, args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    settings.require("slack_bot_token", "slack_app_token")
    runtime = build_runtime(settings)
    app = build_app(runtime, signing_secret=None)
    start_background(runtime, duties=True)
    log.info("followup-bot running over Socket Mode")
    SocketModeHandler(app, settings.secret("slack_app_token"), web_client=runtime.slack).start()
    return 0


def run_http(settings: Settings, args: argparse.Namespace) -> int:
    from app.http import make_server

    settings.require("slack_bot_token", "slack_signing_secret")
    runtime = build_runtime(settings)
    app = build_app(runtime, signing_secret=settings.secret("slack_signing_secret"))
    start_background(runtime, duties=not args.no_scheduler)
    server = make_server(app, runtime.db, host=args.host, port=args.port)
    log.info("followup-bot listening on http://%s:%s/slack/events", args.host, args.port)
    server.run()
    return 0


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    db = open_database(settings.database_url, migrate_if_empty=False)
    db.migrate()
    print(f"Database schema is up to date ({db.current_revision()}).")
    return 0


def check_config(settings: Settings, args: argparse.Namespace) -> int:
    try:
        config = load_teams_config(settings.followup_config)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    people = len({u for u in config.memberships} | set(config.admins))
    print(f"{settings.followup_config}: OK — {len(config.teams)} team(s), {people} people.")
    return 0


def run_jobs(settings: Settings, args: argparse.Namespace) -> int:
    settings.require("slack_bot_token")
    runtime = build_runtime(settings)
    if args.now is not None:
        # Run as if it were that instant, with time going on from there (Retry-After waits work).
        offset = args.now - runtime.now()
        real_clock = runtime.clock
        runtime.clock = lambda: real_clock() + offset
    decided, sent = run_once(runtime)
    summary = ", ".join(f"{duty} {count}" for duty, count in decided.items())
    print(f"Decided: {summary}. Delivered {sent} message(s).")
    return 0


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 instant such as 2026-11-23T09:00:00+08:00") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset: add one, e.g. +08:00")
    return value


COMMANDS = {"socket": run_socket, "serve": run_http, "migrate": migrate, "check-config": check_config,
            "jobs": run_jobs}

if __name__ == "__main__":
    sys.exit(main())
