"""The command line as an operator meets it: a port that cannot be used, quiet and structured logs,
a graceful stop on SIGTERM, check-config asking Slack. Each runs the real command as a subprocess."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEAMS_FILE
from tests.test_cli import ROOT, one_sentence, run


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(tmp_path: Path, fake_slack, **extra: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake_slack.url,
            "FOLLOWUP_CONFIG": str(TEAMS_FILE), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}", **extra}


@pytest.mark.parametrize("port", ["99999", "-1"])
def test_a_port_out_of_range_is_one_sentence(tmp_path: Path, port: str) -> None:
    result = run("serve", "--port", port, env={"SLACK_BOT_TOKEN": "xoxb-1-real", "SLACK_SIGNING_SECRET": "s"},
                 cwd=tmp_path)
    assert one_sentence(result) == f"followup-bot: --port {port} is not a TCP port: use 1 to 65535 (3000 by default)."
    assert result.returncode == 2


def test_a_port_in_use_is_one_sentence(tmp_path: Path, fake_slack) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("serve", "--host", "127.0.0.1", "--port", str(port), env=serve_env(tmp_path, fake_slack),
                     cwd=tmp_path)
    assert one_sentence(result) == (f"followup-bot: Port {port} on 127.0.0.1 is already in use: stop the other "
                                    "process or choose another --port.")
    assert result.returncode == 2


def start_serve(tmp_path: Path, env: dict[str, str], port: int) -> tuple[subprocess.Popen, list[str]]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_", "LOG_"))}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env={**base, "PYTHONPATH": str(ROOT), **env}, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    for line in process.stdout:  # type: ignore[union-attr]
        lines.append(line.rstrip("\n"))
        if "listening on" in line:
            return process, lines
    raise AssertionError(f"serve did not start: {lines}")


def test_serve_metrics_then_sigterm_stops_gracefully_with_quiet_json_logs(tmp_path: Path, fake_slack) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    process, lines = start_serve(tmp_path, serve_env(tmp_path, fake_slack, LOG_FORMAT="json"), port)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200
        unsigned = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=b"command=/lead", method="POST")
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(unsigned, timeout=5)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            metrics = response.read().decode()
        assert 'followup_requests_total{kind="command",status="4xx"} 1.0' in metrics
        assert 'followup_ack_seconds_count{kind="command"} 1.0' in metrics
        assert 'followup_outbox_messages{state="dropped"} 0.0' in metrics
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    lines += out.splitlines()
    assert process.returncode == 0, lines
    records = [json.loads(line) for line in lines if line.strip()]  # every line is one JSON object
    messages = [r["message"] for r in records]
    assert any(m.startswith("followup-bot listening on http://127.0.0.1:") for m in messages)
    assert messages[-1] == "followup-bot stopped"
    assert not [r for r in records if r["logger"].startswith("apscheduler")], records
    assert not [m for m in messages if "will be unused" in m]
    assert not [r for r in records if r["level"] in ("ERROR", "CRITICAL") or "Traceback" in r.get("exception", "")]
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)


def test_log_level_warning_keeps_the_start_silent(tmp_path: Path, fake_slack) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    env = serve_env(tmp_path, fake_slack, LOG_LEVEL="WARNING")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_", "LOG_"))}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env={**base, "PYTHONPATH": str(ROOT), **env}, cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    break
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and out == "", out


def test_check_config_with_slack_names_the_ids_slack_does_not_know(tmp_path: Path, fake_slack) -> None:  # type: ignore[no-untyped-def]
    teams = tmp_path / "teams.yml"
    teams.write_text(TEAMS_FILE.read_text().replace("reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0REP2, U0NOBODY]"))
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake_slack.url, "FOLLOWUP_CONFIG": str(teams)}
    result = run("check-config", "--slack", env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [f"{teams} line 10 (teams[0].reps[2]): U0NOBODY is not a member of this "
                                          "Slack workspace: copy their member id again"]
    ok = run("check-config", "--slack", env={**env, "FOLLOWUP_CONFIG": str(TEAMS_FILE)}, cwd=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "OK — 2 team(s)" in ok.stdout


def test_check_config_with_slack_needs_the_token(tmp_path: Path) -> None:
    result = run("check-config", "--slack", env={"FOLLOWUP_CONFIG": str(TEAMS_FILE)}, cwd=tmp_path)
    assert "SLACK_BOT_TOKEN is not set" in one_sentence(result)


def test_outbox_list_and_retry_from_the_command_line(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from storage.db import Database
    from storage.models import OutboxMessage

    url = f"sqlite:///{tmp_path / 'bot.db'}"
    db = Database(url)
    db.migrate()
    now = datetime.now(UTC)
    with db.write() as session:
        session.add(OutboxMessage(key="alert:C0GONE:1", method="chat.postMessage", channel="C0GONE", payload={},
                                  state="dropped", attempts=0, last_error="channel_not_found", created_at=now,
                                  not_before=now))
    db.dispose()
    env = {"DATABASE_URL": url}
    listed = run("outbox", "list", "--dropped", env=env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.split()[:2] == ["1", "dropped"] and "channel_not_found" in listed.stdout
    retried = run("outbox", "retry", "1", env=env, cwd=tmp_path)
    assert retried.returncode == 0 and retried.stdout.startswith("Message 1 (dropped) will be sent")
    assert run("outbox", "list", "--dropped", env=env, cwd=tmp_path).stdout.strip() == "Nothing dropped."
    missing = run("outbox", "retry", "7", env=env, cwd=tmp_path)
    assert missing.returncode == 1 and "there is no such message" in missing.stderr


def test_sigterm_stops_socket_mode_gracefully(tmp_path: Path) -> None:
    from tests.conftest import USERS
    from tests.fakeslack import FakeSlack
    from tests.fakeslack.socket_mode import SocketModeServer

    app_token = "xapp-1-A0TEST-1-sigterm"
    with FakeSlack(token="xoxb-test-token", app_token=app_token) as fake, SocketModeServer() as server:
        for user, tz in USERS.items():
            fake.add_user(user, tz=tz)
        fake.socket_mode = server
        env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_APP_TOKEN": app_token, "SLACK_API_URL": fake.url,
               "FOLLOWUP_CONFIG": str(TEAMS_FILE), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_", "LOG_"))}
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "socket"], env={**base, "PYTHONPATH": str(ROOT),
                                   **env}, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            lines = []
            for line in process.stdout:  # type: ignore[union-attr]
                lines.append(line.rstrip("\n"))
                if "running over Socket Mode" in line:
                    break
            server.wait_for_connection()
            process.send_signal(signal.SIGTERM)
            out, _ = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
    lines += out.splitlines()
    assert process.returncode == 0, lines
    assert lines[-1].endswith("followup-bot stopped") and not [line for line in lines if "Traceback" in line]


def test_a_refused_app_token_stops_socket_with_one_sentence(tmp_path: Path) -> None:
    from tests.fakeslack import FakeSlack
    from tests.fakeslack.socket_mode import SocketModeServer

    with FakeSlack(token="xoxb-test-token", app_token="xapp-1-A0TEST-1-right") as fake, SocketModeServer() as server:
        fake.socket_mode = server
        env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_APP_TOKEN": "xapp-1-A0TEST-1-wrong", "SLACK_API_URL": fake.url,
               "FOLLOWUP_CONFIG": str(TEAMS_FILE), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
        result = run("socket", env=env, cwd=tmp_path)
    line = one_sentence(result)
    assert result.returncode == 2
    assert line.startswith("followup-bot: Slack refused SLACK_APP_TOKEN (invalid_auth): create an App-Level Token")
