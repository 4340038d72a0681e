"""Slack listeners. Each module exposes ``register(app, runtime)``; nothing registers on import."""

from __future__ import annotations

from slack_bolt import App

from bot.runtime import Runtime
from handlers import approvals, churn, deals, duelist, followup, grades, home, issues, lead


def register_all(app: App, runtime: Runtime) -> None:
    for module in (lead, approvals, followup, grades, deals, duelist, issues, churn, home):
        module.register(app, runtime)
