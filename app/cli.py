"""`followup-bot`: run the bot (Socket Mode or HTTP), migrate, check the teams file."""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from apscheduler.schedulers.background import BackgroundScheduler
from pydantic import ValidationError
from sqlalchemy.engine import make_url

from app import spreadsheet_commands
from app.factory import StartupError, build_app, build_runtime, open_database, slack_client
from app.scheduler import run_once, start_background
from app.shutdown import Stopper
from bot.config import check_teams_file, load_teams_config
from bot.logs import configure_logging
from bot.settings import Settings, SettingsError

log = logging.getLogger("followup-bot")
T = TypeVar("T")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="followup-bot", description="The follow-up assistant for sales teams.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("socket", help="run over Socket Mode (no public URL needed)")
    serve = sub.add_parser("serve", help="run over HTTP (request URL /slack/events)")
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--no-scheduler", action="store_true", help="for extra replicas: no scheduled duties")
    serve.add_argument("--workers", type=int, default=1,
                       help="processes answering requests on the one port (PostgreSQL only; about one per core)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    check = sub.add_parser("check-config", help="validate the teams file")
    check.add_argument("--slack", action="store_true",
                       help="also ask Slack whether every id exists and the bot is in every supervisor channel")
    jobs = sub.add_parser("jobs", help="scheduled duties")
    jobs_sub = jobs.add_subparsers(dest="jobs_command", required=True)
    run = jobs_sub.add_parser("run", help="run once every duty due at an instant (for cron, or to catch up)")
    run.add_argument("--now", type=_instant, default=None, help="ISO 8601 instant with offset; default: now")
    spreadsheet_commands.add_arguments(sub)
    outbox = sub.add_parser("outbox", help="messages waiting to be delivered, or dropped")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", required=True)
    listing = outbox_sub.add_parser("list", help="pending and dropped messages, newest first")
    listing.add_argument("--dropped", action="store_true", help="only the dropped ones")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    again = outbox_sub.add_parser("retry", help="send dropped messages again (after fixing the cause)")
    again.add_argument("ids", type=int, nargs="+", metavar="ID", help="message ids, from `outbox list`")
    args = parser.parse_args(argv)
    try:
        settings = Settings()
        configure_logging(settings.log_level, settings.log_format)
        return COMMANDS[args.command](settings, args)
    except (StartupError, SettingsError) as exc:
        print(f"followup-bot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a file or socket the start needs: say which, not where in our code
        log.debug("start failed", exc_info=True)
        print(f"followup-bot: {exc.strerror or exc}{f' ({exc.filename})' if exc.filename else ''}.", file=sys.stderr)
        return 2
    except ValidationError as exc:
        first = exc.errors()[0]
        print(f"followup-bot: setting {'.'.join(map(str, first['loc'])).upper()} is invalid: {first['msg']}.",
              file=sys.stderr)
        return 2


def _freeze_startup_objects() -> None:
    """Keep the garbage collector off what start-up built (modules, app, engine: they live as long as
    the process): a full collection then walks only what requests make, and no answer waits tens
    of milliseconds for a walk through every object of the libraries."""
    gc.collect()
    gc.freeze()


def run_socket(settings: Settings, args: argparse.Namespace) -> int:
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    from app.shutdown import wait_until_stopped

    settings.require("slack_bot_token", "slack_app_token")
    runtime = build_runtime(settings)
    app = build_app(runtime, signing_secret=None)
    _freeze_startup_objects()
    handler = SocketModeHandler(app, settings.secret("slack_app_token"), web_client=runtime.slack)
    client_log, level = handler.client.logger, handler.client.logger.level
    client_log.setLevel(logging.CRITICAL + 1)  # a refused token is our one sentence, not a logged dump too
    try:
        handler.connect()
    except SlackApiError as exc:
        raise StartupError(f"Slack refused SLACK_APP_TOKEN ({exc.response.get('error')}): create an App-Level "
                           "Token with the connections:write scope (Basic Information) and copy it again.") from None
    finally:
        client_log.setLevel(level)
    stopper = Stopper().install()
    scheduler = start_background(runtime, duties=True, stop=stopper.event)
    log.info("followup-bot running over Socket Mode")
    try:
        wait_until_stopped(stopper)
    finally:
        handler.close()
        runtime.answers.finish()
        _stop_background(scheduler)
    return 0


def run_http(settings: Settings, args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise SettingsError(f"--port {args.port} is not a TCP port: use 1 to 65535 (3000 by default).")
    if args.workers < 1:
        raise SettingsError(f"--workers {args.workers}: at least one process must answer.")
    settings.require("slack_bot_token", "slack_signing_secret")
    if args.workers > 1:
        return _serve_workers(settings, args)
    return _serve_http(settings, args, sock=None, duties=not args.no_scheduler)


def _serve_http(settings: Settings, args: argparse.Namespace, *, sock: socket.socket | None, duties: bool) -> int:
    from app.http import make_server
    from app.shutdown import serve_until_stopped
    from bot.metrics import Metrics

    runtime = build_runtime(settings)
    app = build_app(runtime, signing_secret=settings.secret("slack_signing_secret"))
    _freeze_startup_objects()
    metrics = Metrics(runtime.db)
    metrics.watch_duty_failures()
    server = _listening(lambda: make_server(app, runtime.db, host=args.host, port=args.port, metrics=metrics,
                                            sock=sock), args)
    stopper = Stopper().install()
    scheduler = start_background(runtime, duties=duties, stop=stopper.event)
    metrics.watch_scheduler(scheduler)
    log.info("followup-bot listening on http://%s:%s/slack/events", args.host, server.effective_port)
    try:
        serve_until_stopped(server, stopper)
    finally:
        runtime.answers.finish()  # work after the last answers (stored leads, entries), then the delivery
        _stop_background(scheduler)
    return 0


def _listening(make: Callable[[], T], args: argparse.Namespace) -> T:
    try:
        return make()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise StartupError(f"Port {args.port} on {args.host} is already in use: stop the other process "
                               "or choose another --port.") from None
        raise StartupError(f"Cannot listen on {args.host}:{args.port} ({exc.strerror or exc}): "
                           "check --host and --port.") from None


def _serve_workers(settings: Settings, args: argparse.Namespace) -> int:
    """``serve --workers N``: one listening socket, N processes accepting on it, each a whole bot
    (its own interpreter lock, listener threads, database pool and outbox delivery), as replicas
    on one host are; only the first runs the scheduled duties. The parent only waits: SIGTERM and
    SIGINT are passed on, and a worker that dies stops the others (the orchestrator restarts the
    whole). SQLite lets one process write at a time, so there one process serves best."""
    if make_url(settings.database_url).get_backend_name() == "sqlite":
        raise SettingsError(f"--workers {args.workers} needs PostgreSQL: with SQLite one process answers best "
                            "(one writer at a time). Drop --workers, or point DATABASE_URL at PostgreSQL.")
    open_database(settings.database_url).dispose()  # the schema made or checked once, before the workers start
    sock = _listening(lambda: socket.create_server((args.host, args.port), backlog=1024), args)
    port = sock.getsockname()[1]
    workers: dict[int, int] = {}
    for index in range(args.workers):
        pid = os.fork()
        if pid == 0:  # the worker: serve until stopped, never return into the parent's code
            code = 1
            try:
                code = _serve_http(settings, args, sock=sock, duties=index == 0 and not args.no_scheduler)
            except (StartupError, SettingsError) as exc:
                print(f"followup-bot: {exc}", file=sys.stderr)
                code = 2
            except BaseException:
                log.exception("worker %d failed", index)
            finally:
                logging.shutdown()
                os._exit(code)
        workers[pid] = index
    sock.close()
    stopping = False

    def stop(*_: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("followup-bot serving http://%s:%s/slack/events with %d worker processes", args.host, port,
             args.workers)
    code = 0
    while workers:
        pid, status = os.wait()
        index = workers.pop(pid)
        exit_code = os.waitstatus_to_exitcode(status)
        if exit_code != 0 and not stopping:
            log.error("worker %d exited with %s: stopping the others", index, exit_code)
            code = exit_code if exit_code > 0 else 1
            stop()
    return code


def _stop_background(scheduler: BackgroundScheduler) -> None:
    """Let the job in progress (a duty, a delivery) finish; start no other."""
    scheduler.shutdown(wait=True)
    log.info("followup-bot stopped")


def migrate(settings: Settings, args: argparse.Namespace) -> int:
    db = open_database(settings.database_url, migrate_if_empty=False)
    db.migrate()
    print(f"Database schema is up to date ({db.current_revision()}).")
    return 0


def check_config(settings: Settings, args: argparse.Namespace) -> int:
    if args.slack:
        from bot.slack_check import check_with_slack

        settings.require("slack_bot_token")
        problems = check_with_slack(settings.followup_config, slack_client(settings))
    else:
        problems = check_teams_file(settings.followup_config)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    config = load_teams_config(settings.followup_config)
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


def run_outbox(settings: Settings, args: argparse.Namespace) -> int:
    from bot.outbox_admin import list_lines, retry

    db = open_database(settings.database_url)
    if args.outbox_command == "list":
        lines = list_lines(db, dropped_only=args.dropped, limit=args.limit)
        print("\n".join(lines) if lines else ("Nothing dropped." if args.dropped else "Nothing pending or dropped."))
        return 0
    answers = retry(db, args.ids, now=datetime.now(UTC))
    for done, sentence in answers:
        print(sentence, file=sys.stdout if done else sys.stderr)
    return 0 if all(done for done, _ in answers) else 1


def _instant(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 instant such as 2026-11-23T09:00:00+08:00") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset: add one, e.g. +08:00")
    return value


COMMANDS = {"socket": run_socket, "serve": run_http, "migrate": migrate, "check-config": check_config,
            "jobs": run_jobs, "outbox": run_outbox}
COMMANDS |= spreadsheet_commands.COMMANDS

if __name__ == "__main__":
    sys.exit(main())
