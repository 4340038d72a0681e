"""The teams file: validated, with problems located by line."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_teams_config
from tests.conftest import TEAMS_FILE

VALID = TEAMS_FILE.read_text()


def problems(source: str) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_teams_config(source, name="t.yml")
    return error.value.problems


def test_the_test_file_is_valid_and_knows_everyone() -> None:
    config = parse_teams_config(VALID)
    assert [t.name for t in config.teams] == ["East China", "West Coast"]
    assert config.memberships["U0REP1"][0].role == "rep"
    assert config.memberships["U0SUPWEST"][0].team == "West Coast"
    assert config.teams[0].policy.deadlines.registration_hours == 24


def test_policy_overrides_keep_the_other_defaults() -> None:
    source = VALID.replace("reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0REP2]\n    policy: {deadlines: {registration_hours: 48}}")
    team = parse_teams_config(source).teams[0]
    assert team.policy.deadlines.registration_hours == 48
    assert team.policy.deadlines.log_within_hours == 24
    assert team.policy.cadence.days_by_grade["B"] == 7


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("C0EAST", "general"), "t.yml line 5 (teams[0].supervisor_channel): 'general' is not a Slack channel id"),
        (("Asia/Shanghai", "Asia/Shanghi"), "t.yml line 6 (teams[0].timezone): unknown time zone"),
        (("holidays: CN", "holidays: XX"), "t.yml line 7 (teams[0].holidays): unknown holiday calendar 'XX'"),
        (('"CL{year}{seq:03d}"', '"CL{year}"'), "t.yml line 8 (teams[0].customer_number): the customer number format needs {seq}"),
        (('"CL{year}{seq:03d}"', '"CL{yr}{seq}"'), "unknown field(s) yr"),
        (("supervisors: [U0SUPEAST]", "supervisors: []"), "line 9 (teams[0].supervisors)"),
        (("reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0REPW]"), "U0REPW is a rep in two teams"),
        (("language: en\n", "language: fr\n"), "line 1 (language)"),
        (("admins: [U0ADMIN]", "admins: [admin]"), "line 2 (admins): not Slack user ids"),
        (("reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0REP2]\n    colour: blue"), "line 11 (teams[0].colour): unknown key"),
    ],
)
def test_problems_are_located(change: tuple[str, str], expected: str) -> None:
    found = problems(VALID.replace(*change, 1))
    assert any(expected in p for p in found), found


def test_yaml_syntax_errors_have_a_line() -> None:
    assert problems("teams:\n  - name: [East\n") [0].startswith("t.yml line 3: not valid YAML")


def test_a_file_that_is_not_a_mapping() -> None:
    assert problems("- just\n- a list\n") == ["t.yml: expected a mapping with `teams:` at the top"]


def test_at_least_one_team() -> None:
    assert any("line 2 (teams)" in p for p in problems("language: en\nteams: []\n"))
