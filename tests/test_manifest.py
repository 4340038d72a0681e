"""manifest.yml declares what the code uses, so "Create app from manifest" gives a working app."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

from bot import commands

ROOT = Path(__file__).parent.parent
MANIFEST = yaml.safe_load((ROOT / "manifest.yml").read_text())


def test_every_slash_command_is_declared_and_nothing_else() -> None:
    declared = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared == set(commands.ALL)


def test_events_listened_to_are_subscribed() -> None:
    listened = set()
    for path in (ROOT / "handlers").glob("*.py"):
        listened |= set(re.findall(r'app\.event\("([a-z_]+)"\)', path.read_text()))
    assert listened == set(MANIFEST["settings"]["event_subscriptions"]["bot_events"])


def test_socket_mode_and_interactivity_are_on() -> None:
    assert MANIFEST["settings"]["socket_mode_enabled"] is True
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_scopes_cover_the_web_api_methods_the_bot_calls() -> None:
    needs = {"chat_postMessage": "chat:write", "chat_update": "chat:write", "users_info": "users:read",
             "views_open": "commands", "views_publish": None, "chat_postEphemeral": "chat:write",
             "files_upload_v2": "files:write", "conversations_open": "im:write",
             "conversations_info": "channels:read"}
    called = set()
    for path in [*ROOT.joinpath("bot").rglob("*.py"), *ROOT.joinpath("handlers").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in needs:
                called.add(node.attr)
    scopes = set(MANIFEST["oauth_config"]["scopes"]["bot"])
    assert {needs[m] for m in called if needs[m]} <= scopes
    assert "chat_postMessage" in called and "users_info" in called
    assert {needs[m] for m in needs if needs[m]} - {needs[m] for m in called if needs[m]} == set()


def test_private_supervisor_channels_can_be_checked_too() -> None:
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    assert "groups:read" in scopes and "channels:read" in scopes
