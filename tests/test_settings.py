"""Settings: every bad value stops the start with one sentence naming the setting and the fix.

The end-to-end cases run the real command line as a subprocess, as a newcomer would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.settings import Settings, SettingsError, looks_like_placeholder
from tests.conftest import TEAMS_FILE
from tests.test_cli import ROOT, one_sentence, run

TOKENS = {"SLACK_BOT_TOKEN": "xoxb-1-real", "SLACK_SIGNING_SECRET": "secret", "FOLLOWUP_CONFIG": str(TEAMS_FILE)}


def fails(result) -> str:  # type: ignore[no-untyped-def]
    line = one_sentence(result)
    assert result.returncode == 2, result.stderr
    return line


# --- .env.example ----------------------------------------------------------------------------------

EXAMPLE = ROOT / ".env.example"


def example_keys() -> dict[str, str]:
    pairs = [line.split("=", 1) for line in EXAMPLE.read_text().splitlines() if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


def test_env_example_names_every_setting() -> None:
    assert set(example_keys()) == {name.upper() for name in Settings.model_fields}


def test_env_example_is_ascii_without_placeholders() -> None:
    text = EXAMPLE.read_bytes()
    assert text.isascii()
    for key, value in example_keys().items():
        assert not looks_like_placeholder(value), key


def test_env_example_copied_as_is_asks_for_the_token(tmp_path: Path) -> None:
    settings = Settings(_env_file=EXAMPLE)
    assert settings.database_url == "sqlite:///followup.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN is not set"):
        settings.require("slack_bot_token")


# --- placeholders ----------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "value",
    ["xoxb-\u2026", "xoxb-", "xapp-", "xoxb-xxxx", "xoxb-...", "...", "\u2026", "your-token", "xoxb-your-token",
     "changeme", "CHANGEME", "<signing secret>", "replace-me"],
)
def test_placeholders_are_refused_naming_the_setting(value: str) -> None:
    settings = Settings(_env_file=None, slack_signing_secret=value)
    with pytest.raises(SettingsError) as error:
        settings.require("slack_signing_secret")
    assert str(error.value).startswith("SLACK_SIGNING_SECRET still holds a placeholder value")


@pytest.mark.parametrize("value", ["xoxb-123-456-abcDEF", "xapp-1-A0-123-abc", "8f14e45fceea167a5a36dedd4bea2543"])
def test_real_looking_values_pass(value: str) -> None:
    Settings(_env_file=None, slack_bot_token=value).require("slack_bot_token")


def test_a_non_ascii_token_is_named_not_a_latin_1_crash() -> None:
    settings = Settings(_env_file=None, slack_bot_token="xoxb-1-r\u00e9al")
    with pytest.raises(SettingsError, match=r"^SLACK_BOT_TOKEN contains '\u00e9' \(U\+00E9\)"):
        settings.require("slack_bot_token")


# --- database and Web API URLs ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u:p@db.example.com:5432/app?sslmode=require",
         "postgresql+psycopg://u:p@db.example.com:5432/app?sslmode=require"),
        ("postgresql://u@db/app", "postgresql+psycopg://u@db/app"),
        ("postgresql+psycopg://u@db/app", "postgresql+psycopg://u@db/app"),
        ("sqlite:///followup.db", "sqlite:///followup.db"),
    ],
)
def test_hosting_providers_postgres_urls_use_psycopg(given: str, used: str) -> None:
    assert Settings(_env_file=None, database_url=given).database_url == used


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("not a url", "DATABASE_URL is not a database URL SQLAlchemy can read"),
        ("postgresql://u:secret@db:port/app", "DATABASE_URL is not a database URL SQLAlchemy can read "
                                              "(postgresql+psycopg://u:***@db:port/app)"),
        ("mysql://u@db/app", "DATABASE_URL names a mysql database"),
        ("postgresql://user:pass@host/\u2026", "DATABASE_URL still holds a placeholder value"),
        ("", "DATABASE_URL is empty"),
    ],
)
def test_bad_database_urls(value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as error:
        Settings(_env_file=None, database_url=value)
    assert str(error.value).startswith(expected)
    assert "secret" not in str(error.value)


def test_the_web_api_url_gets_its_trailing_slash() -> None:
    assert Settings(_env_file=None, slack_api_url="https://slack-gov.com/api").slack_api_url == "https://slack-gov.com/api/"


@pytest.mark.parametrize("value", ["notaurl", "slack.com/api/", "ftp://slack.com/api/", "https://"])
def test_bad_web_api_urls(value: str) -> None:
    with pytest.raises(SettingsError, match=r"^SLACK_API_URL .* is not an http\(s\) URL"):
        Settings(_env_file=None, slack_api_url=value)


# --- the command line, as a subprocess: one sentence, exit status 2, no traceback --------------------

@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SLACK_BOT_TOKEN": "xoxb-\u2026"}, "SLACK_BOT_TOKEN still holds a placeholder value"),
        ({"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"},
         "Cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/none"),
        ({"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none"},
         "Cannot use the database at postgresql+psycopg://nobody@127.0.0.1:1/none"),
        ({"DATABASE_URL": "postgresql//nobody@127.0.0.1/none"}, "DATABASE_URL is not a database URL"),
        ({"SLACK_API_URL": "notaurl"}, "SLACK_API_URL 'notaurl' is not an http(s) URL"),
        ({"OUTBOX_GIVE_UP_HOURS": "soon"}, "OUTBOX_GIVE_UP_HOURS"),
    ],
)
def test_bad_settings_stop_serve_with_one_sentence(tmp_path: Path, env: dict[str, str], expected: str) -> None:
    assert expected in fails(run("serve", env={**TOKENS, **env}, cwd=tmp_path))


def test_the_readme_placeholder_app_token_stops_socket(tmp_path: Path) -> None:
    env = {**TOKENS, "SLACK_APP_TOKEN": "xapp-\u2026"}
    assert "SLACK_APP_TOKEN still holds a placeholder value" in fails(run("socket", env=env, cwd=tmp_path))


def test_a_dotenv_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / ".env").write_bytes("SLACK_BOT_TOKEN=xoxb-1-real\n# caf\u00e9\n".encode("latin-1"))
    assert fails(run("serve", env={"SLACK_SIGNING_SECRET": "s"}, cwd=tmp_path)).startswith(
        "followup-bot: .env is not UTF-8 text (byte 0xe9")


def test_a_teams_file_that_is_not_utf8(tmp_path: Path) -> None:
    teams = tmp_path / "teams.yml"
    teams.write_bytes(TEAMS_FILE.read_text().replace("East China", "\u534e\u4e1c").encode("gbk"))  # saved as GBK
    line = fails(run("serve", env={**TOKENS, "FOLLOWUP_CONFIG": str(teams)}, cwd=tmp_path))
    assert re.search(r"teams\.yml line 4: not UTF-8 text \(byte 0xbb\); save the file as UTF-8", line), line
    checked = run("check-config", env={"FOLLOWUP_CONFIG": str(teams)}, cwd=tmp_path)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert "line 4: not UTF-8 text" in checked.stderr


def test_postgresql_without_its_driver_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if `pip install .` without [postgres]
    with pytest.raises(SettingsError, match=r"^DATABASE_URL names PostgreSQL but its driver is not installed: "
                                            r"pip install 'followup-bot\[postgres\]'"):
        Settings(_env_file=None, database_url="postgres://u@db/app")
