"""The floor: a Bolt app whose listeners only acknowledge, served like the bot (own process).

Same WSGI stack as ``followup-bot serve`` (app.http.make_server: waitress with the same thread
count, /healthz answered from the database) and the same listener executor (32 workers, as in
app.factory.build_app); the New lead submission and ``/followup`` are acknowledged and nothing else.
The customer picker's type-ahead is answered by the indexed query floor (``bench.floor``:
a prefix query on company or number, nothing ranked, nobody's visibility).

    SLACK_SIGNING_SECRET=… SLACK_BOT_TOKEN=… SLACK_API_URL=… DATABASE_URL=… \\
        python -m bench.bare_app --host 127.0.0.1 --port 3001
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from app.factory import LISTENER_WORKERS
from app.http import make_server
from bench.floor import floor_rows
from bot import commands
from bot.views import ids
from storage.db import Database


def bare_app(*, signing_secret: str, token: str, api_url: str, db: Database | None = None) -> App:
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

    @app.options(ids.FU_CUSTOMER)
    def customer_options(ack: Ack, body: dict[str, Any]) -> None:
        rows = floor_rows(db, body.get("value") or "") if db is not None else []
        ack(options=[{"text": {"type": "plain_text", "text": f"{number} · {company}"[:75]}, "value": str(id_)}
                     for id_, number, company in rows])

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bare_app", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    env = os.environ
    db = Database(env["DATABASE_URL"])
    app = bare_app(signing_secret=env["SLACK_SIGNING_SECRET"], token=env["SLACK_BOT_TOKEN"],
                   api_url=env["SLACK_API_URL"], db=db)
    make_server(app, db, host=args.host, port=args.port).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
