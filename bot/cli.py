"""`followup-bot`: run the bot (Socket Mode or HTTP), migrate, check the teams file."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.app import StartupError, build_app, build_runtime, open_database
from bot.config import ConfigError, load_teams_config
from bot.scheduler import start_background
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
    start_background(runtime)
    log.info("followup-bot running over Socket Mode")
    SocketModeHandler(app, settings.secret("slack_app_token"), web_client=runtime.slack).start()
    return 0


def run_http(settings: Settings, args: argparse.Namespace) -> int:
    from bot.http import make_server

    settings.require("slack_bot_token", "slack_signing_secret")
    runtime = build_runtime(settings)
    app = build_app(runtime, signing_secret=settings.secret("slack_signing_secret"))
    start_background(runtime)
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


COMMANDS = {"socket": run_socket, "serve": run_http, "migrate": migrate, "check-config": check_config}

if __name__ == "__main__":
    sys.exit(main())
