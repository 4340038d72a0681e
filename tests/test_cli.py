"""The command line: bad or missing settings stop the start with one sentence, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import TEAMS_FILE

ROOT = Path(__file__).parent.parent


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_")) and k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], capture_output=True, text=True, timeout=60,
                          env={**base, "PYTHONPATH": str(ROOT), **(env or {})}, cwd=cwd or ROOT)


def one_sentence(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("mode", "env", "expected"),
    [
        ("serve", {}, "SLACK_BOT_TOKEN is not set"),
        ("serve", {"SLACK_BOT_TOKEN": "xoxb-1-real"}, "SLACK_SIGNING_SECRET is not set"),
        ("socket", {"SLACK_BOT_TOKEN": "xoxb-1-real"}, "SLACK_APP_TOKEN is not set"),
        ("serve", {"SLACK_BOT_TOKEN": "xoxb-your-token", "SLACK_SIGNING_SECRET": "s"}, "placeholder"),
    ],
)
def test_missing_settings_stop_the_start(tmp_path: Path, mode: str, env: dict, expected: str) -> None:
    assert expected in one_sentence(run(mode, env=env, cwd=tmp_path))


def test_a_bad_teams_file_stops_the_start(tmp_path: Path) -> None:
    bad = tmp_path / "teams.yml"
    bad.write_text("teams:\n  - name: East\n    supervisor_channel: general\n    supervisors: [U0SUP1]\n")
    env = {"SLACK_BOT_TOKEN": "xoxb-1-real", "SLACK_SIGNING_SECRET": "secret", "FOLLOWUP_CONFIG": str(bad)}
    line = one_sentence(run("serve", env=env, cwd=tmp_path))
    assert "teams.yml line 3 (teams[0].supervisor_channel)" in line and "not a Slack channel id" in line


def test_an_unreachable_database_stops_the_start(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1-real", "SLACK_SIGNING_SECRET": "secret", "FOLLOWUP_CONFIG": str(TEAMS_FILE),
           "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    line = one_sentence(run("serve", env=env, cwd=tmp_path))
    assert "Cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/none" in line
    assert "DATABASE_URL" in line


def test_a_refused_token_stops_the_start(tmp_path: Path, fake_slack) -> None:
    env = {"SLACK_BOT_TOKEN": "xoxb-1-wrong", "SLACK_SIGNING_SECRET": "secret", "FOLLOWUP_CONFIG": str(TEAMS_FILE),
           "SLACK_API_URL": fake_slack.url, "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"}
    line = one_sentence(run("serve", env=env, cwd=tmp_path))
    assert "Slack refused SLACK_BOT_TOKEN (invalid_auth)" in line


def test_check_config_reports_every_problem_by_line(tmp_path: Path) -> None:
    bad = tmp_path / "teams.yml"
    bad.write_text(
        "language: fr\n"
        "teams:\n"
        "  - name: East\n"
        "    supervisor_channel: C0EAST\n"
        "    timezone: Mars/Olympus\n"
        "    supervisors: [U0SUP1]\n"
        "    reps: [bob]\n"
        "    policy: {cadence: {days_by_grade: {A: seven}}}\n"
    )
    result = run("check-config", env={"FOLLOWUP_CONFIG": str(bad)})
    assert result.returncode == 1
    problems = result.stderr.splitlines()
    assert any(p.startswith(f"{bad} line 1 (language)") for p in problems)
    assert any("line 5 (teams[0].timezone): unknown time zone 'Mars/Olympus'" in p for p in problems)
    assert any("line 7 (teams[0].reps)" in p and "bob" in p for p in problems)
    assert any("line 8 (teams[0].policy.cadence.days_by_grade.A)" in p for p in problems)


def test_check_config_accepts_the_shipped_example_once_its_ids_are_real(tmp_path: Path) -> None:
    example = (ROOT / "teams.example.yml").read_text()
    as_shipped = run("check-config", env={"FOLLOWUP_CONFIG": str(ROOT / "teams.example.yml")})
    assert as_shipped.returncode == 1 and as_shipped.stdout == ""
    problems = as_shipped.stderr.splitlines()
    assert len(problems) == 5 and all("is a placeholder from teams.example.yml" in p for p in problems)
    filled = tmp_path / "teams.yml"
    filled.write_text(example.replace("U0ADMIN1", "U07ADM1N").replace("C0SUPEAST", "C07SALES")
                      .replace("U0SUP1", "U07SUP").replace("U0REP1", "U07REPA").replace("U0REP2", "U07REPB"))
    result = run("check-config", env={"FOLLOWUP_CONFIG": str(filled)})
    assert result.returncode == 0, result.stderr
    assert "OK — 1 team(s)" in result.stdout


def test_migrate_brings_an_empty_database_to_head(tmp_path: Path) -> None:
    result = run("migrate", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"})
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_serve_answers_slack_and_healthz(tmp_path: Path, fake_slack) -> None:
    """The real command: migrates the empty database, serves /healthz and /slack/events."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake_slack.url,
           "FOLLOWUP_CONFIG": str(TEAMS_FILE), "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
           "PYTHONPATH": str(ROOT)}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_"))}
    process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
                               env={**base, **env}, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    try:
        for line in process.stdout:  # type: ignore[union-attr]
            if "listening on" in line:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            assert response.status == 200 and b'"database": "ok"' in response.read()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=b"command=/lead", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=5)
        assert refused.value.code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_jobs_run_at_an_instant_delivers_the_digests(tmp_path: Path, fake_slack) -> None:
    """`followup-bot jobs run --now …` for cron: every duty at that instant, once, even when run twice."""
    db_url = f"sqlite:///{tmp_path / 'bot.db'}"
    env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_API_URL": fake_slack.url, "FOLLOWUP_CONFIG": str(TEAMS_FILE),
           "DATABASE_URL": db_url}
    from datetime import UTC, datetime

    from app.factory import build_runtime
    from bot.settings import Settings
    from tests.factories import make_customer

    class Seed:  # what make_customer needs of the test bot
        def __init__(self) -> None:
            self.runtime = build_runtime(Settings(_env_file=None, slack_bot_token="xoxb-test-token",
                                                  slack_api_url=fake_slack.url, database_url=db_url,
                                                  followup_config=TEAMS_FILE))
            self.clock = type("C", (), {"now": datetime(2026, 11, 20, 2, tzinfo=UTC)})()

    seed = Seed()
    seed.runtime.clock = lambda: seed.clock.now
    make_customer(seed, "U0REP1", "Cron Co")  # type: ignore[arg-type]
    seed.runtime.db.dispose()
    fake_slack.reset()
    first = run("jobs", "run", "--now", "2026-11-23T09:00:00+08:00", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "daily-due-lists 1" in first.stdout
    second = run("jobs", "run", "--now", "2026-11-23T09:05:00+08:00", env=env, cwd=tmp_path)
    assert "daily-due-lists 0" in second.stdout
    digests = [c for c in fake_slack.calls_to("chat.postMessage") if c.args["text"].startswith("Your follow-ups")]
    assert [c.args["channel"] for c in digests] == ["U0REP1"]


def test_jobs_run_refuses_an_instant_without_offset(tmp_path: Path) -> None:
    result = run("jobs", "run", "--now", "2026-11-23T09:00:00", env={"SLACK_BOT_TOKEN": "xoxb-1-real"}, cwd=tmp_path)
    assert result.returncode == 2 and "has no UTC offset" in result.stderr


def test_serve_with_workers_is_refused_on_sqlite(tmp_path: Path) -> None:
    result = run("serve", "--port", "0", "--workers", "2", env={
        "SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "secret", "FOLLOWUP_CONFIG": str(TEAMS_FILE),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}"})
    assert result.returncode == 2
    assert "--workers 2 needs PostgreSQL" in result.stderr


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


@pytest.mark.skipif(not (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql"),
                    reason="serve --workers is for PostgreSQL (TEST_DATABASE_URL)")
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads the worker processes from /proc")
@pytest.mark.parametrize("ending", ["sigterm", "a worker dies"])
def test_serve_with_workers_runs_them_on_one_port_and_stops_them_together(tmp_path: Path, fake_slack,
                                                                          ending: str) -> None:
    """`serve --workers 2`: two processes serving one port; SIGTERM stops all with 0;
    a worker that dies takes the others down with a non-zero status (the orchestrator restarts it)."""
    import signal
    import socket

    from tests.conftest import own_database

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with own_database(tmp_path, "workers") as url:
        env = {"SLACK_BOT_TOKEN": "xoxb-test-token", "SLACK_SIGNING_SECRET": "secret", "SLACK_API_URL": fake_slack.url,
               "FOLLOWUP_CONFIG": str(TEAMS_FILE), "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "FOLLOWUP_"))}
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port",
                                    str(port), "--workers", "2"], env={**base, **env}, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            listening = 0
            for line in process.stdout:  # type: ignore[union-attr]
                listening += "listening on" in line
                if listening == 2:
                    break
            workers = _children(process.pid)
            assert len(workers) == 2, workers
            for _ in range(10):
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    assert response.status == 200
                request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=b"command=/lead",
                                                 method="POST")
                with pytest.raises(urllib.error.HTTPError) as refused:
                    urllib.request.urlopen(request, timeout=5)
                assert refused.value.code == 401
            if ending == "sigterm":
                process.send_signal(signal.SIGTERM)
                assert process.wait(timeout=30) == 0
            else:
                os.kill(workers[1], signal.SIGKILL)
                assert process.wait(timeout=30) != 0
            assert all(not Path(f"/proc/{pid}").exists() for pid in workers)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
