"""The teams file: validated, with problems located by line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.config import EXAMPLE_IDS, ConfigError, check_teams_file, parse_teams_config
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
    assert problems("teams:\n  - name: East\n  name: x\n")[0].startswith("t.yml line 3: not valid YAML")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("teams:\n  - name: [East\n", "t.yml line 2: not valid YAML (the flow sequence opened at column 11 is not closed"),
        ("teams:\n  - name: [East\n    supervisor_channel: C0EAST\n", "t.yml line 2: not valid YAML (the flow sequence"),
        ("admins: {a: 1\nteams: []\n", "t.yml line 1: not valid YAML (the flow mapping opened at column 9"),
        ('teams:\n  - name: "East\n', "t.yml line 2: not valid YAML (the quoted scalar opened at column 11"),
    ],
)
def test_an_unclosed_bracket_or_quote_is_reported_where_it_opens(source: str, expected: str) -> None:
    assert problems(source)[0].startswith(expected), problems(source)


def test_a_key_written_twice_is_refused_with_both_lines() -> None:
    source = VALID.replace("    timezone: Asia/Shanghai\n", "    timezone: Asia/Shanghai\n    timezone: UTC\n", 1)
    assert problems(source) == ["t.yml line 7 (teams[0].timezone): key written twice (first on line 6): keep one"]


def test_every_duplicate_key_is_reported_at_any_depth() -> None:
    source = VALID.replace("language: en\n", "language: en\nlanguage: zh-CN\n", 1).replace(
        "reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0REP2]\n    policy: {grades: {a_min: 1, a_min: 2}}", 1)
    assert problems(source) == [
        "t.yml line 2 (language): key written twice (first on line 1): keep one",
        "t.yml line 12 (teams[0].policy.grades.a_min): key written twice (first on line 12): keep one",
    ]


def with_policy(policy: str) -> str:
    return VALID.replace("reps: [U0REP1, U0REP2]", f"reps: [U0REP1, U0REP2]\n    policy:\n{policy}", 1)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (with_policy("      grades: {a_min: 200000, b_min: 500000}\n"),
         "t.yml line 12 (teams[0].policy.grades.b_min): grade thresholds out of order: a_min (200000) > b_min "
         "(500000) > c_min (50000) >= 0 is needed"),
        (with_policy("      grades:\n        c_min: -1\n"),
         "t.yml line 13 (teams[0].policy.grades.c_min): grade thresholds out of order"),
        (with_policy("      grades: {potential_raises_at: 9}\n"),
         "t.yml line 12 (teams[0].policy.grades.potential_raises_at): 9 is not a potential score: use 1 to 5, or null"),
        (with_policy("      cadence:\n        key_stages: [proposal, propsal]\n"),
         "t.yml line 13 (teams[0].policy.cadence.key_stages[1]): unknown stage 'propsal' (stages are initial_contact, "
         "needs_analysis, proposal, negotiation, closing, after_sales)"),
        (with_policy("      deadlines:\n        log_within_hours: 0\n"),
         "t.yml line 13 (teams[0].policy.deadlines.log_within_hours): log_within_hours must be at least 1, not 0"),
        (with_policy("      cadence: {days_by_grade: {A: -5}}\n"),
         "t.yml line 12 (teams[0].policy.cadence.days_by_grade.A): days between follow-ups of A customers "
         "(null: none) must be at least 1, not -5"),
        (with_policy("      cadence:\n        days_by_grade:\n          A: 7\n          E: 3\n"),
         "t.yml line 15 (teams[0].policy.cadence.days_by_grade.E): unknown grade 'E' (grades are A, B, C, D)"),
        (with_policy("      cadence: {days_by_status: {prospect: 30}}\n"),
         "t.yml line 12 (teams[0].policy.cadence.days_by_status.prospect): unknown status 'prospect'"),
        (with_policy("      cadence: {ungraded_days: 0}\n"),
         "(teams[0].policy.cadence.ungraded_days): ungraded_days must be at least 1, not 0"),
        (with_policy("      churn: {weights: {silense: 30}}\n"),
         "t.yml line 12 (teams[0].policy.churn.weights.silense): unknown signal 'silense'"),
        (with_policy("      issues: {complaint_response_hours: 0}\n"),
         "(teams[0].policy.issues.complaint_response_hours): complaint_response_hours must be at least 1, not 0"),
        (with_policy("      repurchase: {min_satisfaction: 6}\n"),
         "(teams[0].policy.repurchase.min_satisfaction): 6 is not a satisfaction score: use 1 to 5"),
    ],
)
def test_policy_rules_are_located(source: str, expected: str) -> None:
    found = problems(source)
    assert any(p.startswith(expected) or expected in p for p in found), found
    assert len(found) == 1, found


def test_a_next_step_grace_of_zero_hours_is_allowed() -> None:
    team = parse_teams_config(with_policy("      deadlines: {next_step_grace_hours: 0}\n")).teams[0]
    assert team.policy.deadlines.next_step_grace_hours == 0


def test_a_rep_listed_twice_is_located_at_the_second_listing() -> None:
    found = problems(VALID.replace("reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0REP2, U0REP1]", 1))
    assert found == ["t.yml line 10 (teams[0].reps[2]): U0REP1 is listed twice in reps (items 1 and 3): keep one"]


def test_a_rep_in_two_teams_is_located_in_the_second_team() -> None:
    found = problems(VALID.replace("reps: [U0REPW]", "reps: [U0REPW, U0REP2]", 1))
    assert found == ["t.yml line 20 (teams[1].reps[1]): U0REP2 is a rep in two teams (East China and West Coast): "
                     "a rep belongs to one team"]


def test_a_supervisor_listed_as_a_rep() -> None:
    found = problems(VALID.replace("reps: [U0REP1, U0REP2]", "reps: [U0REP1, U0SUPEAST]", 1))
    assert found == ["t.yml line 10 (teams[0].reps[1]): U0SUPEAST is both a supervisor and a rep of East China: "
                     "list them once, under supervisors (they may do what a rep does)"]


def test_two_teams_with_one_name() -> None:
    found = problems(VALID.replace("name: West Coast", "name: East China", 1))
    assert found == ["t.yml line 11 (teams[1].name): two teams are called 'East China' (teams[0] too): "
                     "give each its own name"]


EXAMPLE = Path(__file__).parent.parent / "teams.example.yml"


def test_the_placeholder_ids_are_those_of_the_example() -> None:
    example = yaml.safe_load(EXAMPLE.read_text())
    team = example["teams"][0]
    assert {*example["admins"], team["supervisor_channel"], *team["supervisors"], *team["reps"]} == EXAMPLE_IDS


def test_check_config_reports_the_examples_placeholder_ids_by_line(tmp_path: Path) -> None:
    copied = tmp_path / "teams.yml"
    copied.write_text(EXAMPLE.read_text().replace("U0SUP1", "U07QF3KJ2"))
    found = check_teams_file(copied)
    assert [p.split(": ", 1)[0].removeprefix(str(copied)) for p in found] == [
        " line 3 (admins[0])", " line 6 (teams[0].supervisor_channel)", " line 13 (teams[0].reps[0])",
        " line 13 (teams[0].reps[1])"]
    assert found[0].endswith("U0ADMIN1 is a placeholder from teams.example.yml: put in the real Slack id (a "
                             "member's profile, More, Copy member ID; a channel's details, at the bottom)")


def test_check_config_passes_the_example_once_its_ids_are_real(tmp_path: Path) -> None:
    real = EXAMPLE.read_text()
    for i, placeholder in enumerate(sorted(EXAMPLE_IDS)):
        real = real.replace(placeholder, f"{placeholder[0]}07QF3KJ{i}")
    filled = tmp_path / "teams.yml"
    filled.write_text(real)
    assert check_teams_file(filled) == []


def test_a_file_that_is_not_a_mapping() -> None:
    assert problems("- just\n- a list\n") == ["t.yml: expected a mapping with `teams:` at the top"]


def test_at_least_one_team() -> None:
    assert any("line 2 (teams)" in p for p in problems("language: en\nteams: []\n"))
