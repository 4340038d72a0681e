"""The floor: a Bolt app whose listeners only acknowledge, served like the bot (own process).

Same WSGI stack as ``followup-bot serve`` (app.http.make_server: waitress with the same thread
count, /healthz answered from the database) and the same listener executor (32 workers, as in
app.factory.build_app); the New lead submission and ``/followup`` are acknowledged and nothing else.

    SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… DATABASE_URL=… \\
        python -m bench.bare_app --host 127.0.0.1 --port 3001
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import Ack, App
from slack_sdk import WebClient

from app.http import make_server
from bot import commands
from bot.views import ids
from storage.db import Database

LISTENER_WORKERS = 32  # app.factory.build_app


def bare_app(*, signing_secret: str, token: str, api_url: str) -> App:
    app = App(
        client=WebClient(token=token, base_url=api_url), signing_secret=signing_secret,
        token_verification_enabled=False, process_before_response=False,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_WORKERS, thread_name_prefix="bolt"),
    )

    @app.view(ids.LEAD_VIEW)
    def submit_lead(ack: Ack) -> None:
        ack()

    @app.command(commands.FOLLOWUP)
    def followup(ack: Ack) -> None:
        ack()

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    env = os.environ
    app = bare_app(signing_secret=env["SLACK_SIGNING_SECRET"], token=env["SLACK_BOT_TOKEN"],
                   api_url=env["SLACK_API_URL"])
    make_server(app, Database(env["DATABASE_URL"]), host=args.host, port=args.port).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
