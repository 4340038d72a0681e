"""Slack listeners. Each module exposes ``register(app, runtime)``; nothing registers on import.

``register_all`` installs the request pipeline first (``handlers.pipeline``: the middleware that
hands every listener its requester, typed metadata and form values, and the error handler), then
every listener.
"""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import (
    approvals,
    churn,
    deals,
    duelist,
    followup,
    grades,
    handover,
    home,
    issues,
    lead,
    pipeline,
)


def register_all(app: App, runtime: Runtime) -> None:
    pipeline.install(app, runtime)
    for module in (lead, approvals, followup, grades, deals, duelist, issues, churn, home, handover):
        module.register(app, runtime)
