"""The teams file: who is in which team, where approvals go, and each team's policy.

Errors name the line of the file they concern, so ``followup-bot check-config`` can say
"teams.yml line 7 (teams[0].timezone): unknown time zone 'Asia/Shanghi'". Three passes, each
reporting every problem it finds: YAML syntax and keys written twice (the node tree keeps the
line marks); types and unknown keys (pydantic); then the rules between values (a rep listed
twice, thresholds out of order, unknown stages and grades, deadlines of zero hours).
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, available_timezones

import holidays as holiday_calendars
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bot.domain.followups import STAGES, STATUSES
from bot.domain.grades import GRADES
from bot.domain.policy import ChurnPolicy, Policy

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
NUMBER_FIELDS = {"year", "seq", "region", "industry"}
# The ids of teams.example.yml: a file that still holds one was copied and not filled in.
EXAMPLE_IDS = frozenset({"U0ADMIN1", "U0SUP1", "U0REP1", "U0REP2", "C0SUPEAST"})
SIGNALS = tuple(ChurnPolicy().weights)

Loc = tuple[Any, ...]

Role = Literal["rep", "supervisor", "admin"]
Language = Literal["en", "zh-CN"]


class ConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _user_ids(values: list[str]) -> list[str]:
    bad = [v for v in values if not USER_ID.match(v)]
    if bad:
        raise ValueError(f"not Slack user ids (they look like U0123ABCD): {', '.join(map(str, bad))}")
    return values


class TeamConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=200)
    supervisor_channel: str
    timezone: str = "UTC"
    holidays: str | None = None
    customer_number: str = "CL{year}{seq:03d}"
    region: str | None = None
    industry_codes: dict[str, str] = Field(default_factory=dict)
    language: Language | None = None
    supervisors: list[str] = Field(min_length=1)
    reps: list[str] = Field(default_factory=list)
    policy: Policy = Field(default_factory=Policy)

    @field_validator("supervisor_channel")
    @classmethod
    def _channel(cls, value: str) -> str:
        if not CHANNEL_ID.match(value):
            raise ValueError(f"'{value}' is not a Slack channel id (it looks like C0123ABCD)")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"unknown time zone '{value}' (use an IANA name such as Asia/Shanghai)")
        return value

    @field_validator("holidays")
    @classmethod
    def _holidays(cls, value: str | None) -> str | None:
        if value is None or value.lower() == "none":
            return None
        if value.upper() not in holiday_calendars.list_supported_countries():
            raise ValueError(f"unknown holiday calendar '{value}' (use a country code such as CN, or none)")
        return value.upper()

    @field_validator("customer_number")
    @classmethod
    def _number_format(cls, value: str) -> str:
        fields = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
        if "seq" not in fields:
            raise ValueError("the customer number format needs {seq}, e.g. CL{year}{seq:03d}")
        unknown = fields - NUMBER_FIELDS
        if unknown:
            raise ValueError(f"unknown field(s) {', '.join(sorted(unknown))}; use {', '.join(sorted(NUMBER_FIELDS))}")
        try:
            value.format(year=2026, seq=1, region="R", industry="I")
        except (ValueError, IndexError) as exc:
            raise ValueError(f"bad customer number format: {exc}") from exc
        return value

    @field_validator("supervisors", "reps")
    @classmethod
    def _users(cls, values: list[str]) -> list[str]:
        return _user_ids(values)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class TeamsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    language: Language = "en"
    admins: list[str] = Field(default_factory=list)
    teams: list[TeamConfig] = Field(min_length=1)

    @field_validator("admins")
    @classmethod
    def _admins(cls, values: list[str]) -> list[str]:
        return _user_ids(values)

    def team(self, name: str) -> TeamConfig:
        return next(t for t in self.teams if t.name == name)

    @cached_property
    def memberships(self) -> dict[str, list[Membership]]:
        found: dict[str, list[Membership]] = {}
        for team in self.teams:
            for user in team.supervisors:
                found.setdefault(user, []).append(Membership(team.name, "supervisor"))
            for user in team.reps:
                if user not in team.supervisors:
                    found.setdefault(user, []).append(Membership(team.name, "rep"))
        return found


@dataclass(frozen=True)
class Membership:
    team: str
    role: Role


def load_teams_config(path: Path) -> TeamsConfig:
    """Read and validate the teams file; every problem is reported with its line."""
    try:
        source = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"{path}: the teams file does not exist (set FOLLOWUP_CONFIG)"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path}: is a folder, not the teams file (set FOLLOWUP_CONFIG to the file)"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot be read ({exc.strerror})"]) from None
    except UnicodeDecodeError as exc:
        line = exc.object[:exc.start].count(b"\n") + 1
        raise ConfigError([f"{path} line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
                           "save the file as UTF-8"]) from None
    return parse_teams_config(source, name=str(path))


def parse_teams_config(source: str, *, name: str = "teams file") -> TeamsConfig:
    try:
        node = yaml.compose(source, Loader=yaml.SafeLoader)
        data = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise ConfigError([_syntax_problem(exc, name)]) from None
    if not isinstance(data, dict) or node is None:
        raise ConfigError([f"{name}: expected a mapping with `teams:` at the top"])
    duplicates = _duplicate_keys(node)
    if duplicates:
        raise ConfigError([f"{name} line {line} ({_where(loc)}): {message}" for loc, line, message in duplicates])
    lines = _line_index(node)
    try:
        config = TeamsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(error, lines, name) for error in exc.errors()]) from None
    problems = [_locate(loc, message, lines, name) for loc, message in _rule_problems(config)]
    if problems:
        raise ConfigError(problems)
    return config


def check_teams_file(path: Path) -> list[str]:
    """Every problem ``followup-bot check-config`` reports: those that stop the start, and ids
    still copied from teams.example.yml (a running bot cannot tell those from real ones)."""
    try:
        config = load_teams_config(path)
    except ConfigError as exc:
        return exc.problems
    return locate_in_file(path, _placeholder_problems(config))


def locate_in_file(path: Path, found: list[tuple[Loc, str]]) -> list[str]:
    """``path line N (where): message`` for problems found in a teams file that loaded."""
    lines = _line_index(yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))
    return [_locate(loc, message, lines, str(path)) for loc, message in found]


def _syntax_problem(exc: yaml.YAMLError, name: str) -> str:
    """A YAML syntax error at the line a person would fix.

    An unclosed ``[``, ``{`` or quote is only noticed where the parser runs into the next thing
    (often the following line, or the end of the file): name the line where it was opened.
    """
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context: str = getattr(exc, "context", None) or ""
    context_mark = getattr(exc, "context_mark", None)
    if context_mark is not None and any(w in context for w in ("flow", "quoted")):
        what = context.removeprefix("while parsing a ").removeprefix("while scanning a ")
        problem = f"the {what} opened at column {context_mark.column + 1} is not closed: {problem}"
        mark = context_mark
    where = f" line {mark.line + 1}" if mark is not None else ""
    return f"{name}{where}: not valid YAML ({problem})"


def _duplicate_keys(node: Any, path: Loc = ()) -> list[tuple[Loc, int, str]]:
    """Keys written twice in one mapping: YAML keeps the last silently, which hides a mistake."""
    found: list[tuple[Loc, int, str]] = []
    if isinstance(node, yaml.MappingNode):
        first: dict[str, int] = {}
        for key, value in node.value:
            line = key.start_mark.line + 1
            if isinstance(key, yaml.ScalarNode) and key.value != "<<":
                if key.value in first:
                    found.append(((*path, key.value), line,
                                  f"key written twice (first on line {first[key.value]}): keep one"))
                else:
                    first[key.value] = line
            found += _duplicate_keys(value, (*path, key.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            found += _duplicate_keys(item, (*path, i))
    return found


def _rule_problems(config: TeamsConfig) -> list[tuple[Loc, str]]:
    """What types cannot say: the rules between values, each located at the value to change."""
    found: list[tuple[Loc, str]] = []
    names: dict[str, int] = {}
    rep_teams: dict[str, str] = {}
    for t, team in enumerate(config.teams):
        at: Loc = ("teams", t)
        if team.name in names:
            found.append(((*at, "name"), f"two teams are called '{team.name}' (teams[{names[team.name]}] too): "
                                         "give each its own name"))
        names.setdefault(team.name, t)
        for role in ("supervisors", "reps"):
            seen: dict[str, int] = {}
            for i, user in enumerate(getattr(team, role)):
                if user in seen:
                    found.append(((*at, role, i), f"{user} is listed twice in {role} "
                                                  f"(items {seen[user] + 1} and {i + 1}): keep one"))
                seen.setdefault(user, i)
        for i, rep in enumerate(team.reps):
            if rep in team.supervisors:
                found.append(((*at, "reps", i), f"{rep} is both a supervisor and a rep of {team.name}: "
                                                "list them once, under supervisors (they may do what a rep does)"))
            elif rep in rep_teams and rep_teams[rep] != team.name:
                found.append(((*at, "reps", i), f"{rep} is a rep in two teams ({rep_teams[rep]} and {team.name}): "
                                                "a rep belongs to one team"))
            rep_teams.setdefault(rep, team.name)
        found += [((*at, "policy", *loc), message) for loc, message in _policy_problems(team.policy)]
    return found


def _policy_problems(policy: Policy) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []

    def at_least(loc: Loc, value: int | None, low: int, what: str) -> None:
        if value is not None and value < low:
            found.append((loc, f"{what} must be at least {low}, not {value}"))

    cadence = policy.cadence
    for grade, days in cadence.days_by_grade.items():
        if grade not in GRADES:
            found.append((("cadence", "days_by_grade", grade),
                          f"unknown grade '{grade}' (grades are {', '.join(GRADES)})"))
        else:
            at_least(("cadence", "days_by_grade", grade), days, 1,
                     f"days between follow-ups of {grade} customers (null: none)")
    for status, days in cadence.days_by_status.items():
        if status not in STATUSES:
            found.append((("cadence", "days_by_status", status),
                          f"unknown status '{status}' (statuses are {', '.join(STATUSES)})"))
        else:
            at_least(("cadence", "days_by_status", status), days, 1, f"days between follow-ups of {status} customers")
    for i, stage in enumerate(cadence.key_stages):
        if stage not in STAGES:
            found.append((("cadence", "key_stages", i), f"unknown stage '{stage}' (stages are {', '.join(STAGES)})"))
    for key in ("ungraded_days", "key_stage_days", "first_contact_hours", "first_contact_working_days",
                "paused_reactivation_months"):
        at_least(("cadence", key), getattr(cadence, key), 1, key)
    for key, value in policy.deadlines.model_dump().items():
        at_least(("deadlines", key), value, 0 if key == "next_step_grace_hours" else 1, key)

    grades = policy.grades
    if not grades.a_min > grades.b_min > grades.c_min >= 0:
        wrong = "c_min" if grades.c_min < 0 else ("b_min" if grades.b_min >= grades.a_min else "c_min")
        found.append((("grades", wrong), f"grade thresholds out of order: a_min ({grades.a_min}) > b_min "
                                         f"({grades.b_min}) > c_min ({grades.c_min}) >= 0 is needed"))
    if grades.potential_raises_at is not None and not 1 <= grades.potential_raises_at <= 5:
        found.append((("grades", "potential_raises_at"),
                      f"{grades.potential_raises_at} is not a potential score: use 1 to 5, or null"))
    at_least(("grades", "regrade_window_days"), grades.regrade_window_days, 1, "regrade_window_days")

    at_least(("alerts", "a_silence_days"), policy.alerts.a_silence_days, 1, "a_silence_days")
    at_least(("alerts", "d_max_followups_per_month"), policy.alerts.d_max_followups_per_month, 0,
             "d_max_followups_per_month")
    after = policy.after_sales
    at_least(("after_sales", "first_revisit_working_days"), after.first_revisit_working_days, 1,
             "first_revisit_working_days")
    for i, months in enumerate(after.revisit_months):
        at_least(("after_sales", "revisit_months", i), months, 1, "a revisit (months after delivery)")
    at_least(("after_sales", "review_months"), after.review_months, 1, "review_months")

    churn = policy.churn
    for signal, points in churn.weights.items():
        if signal not in SIGNALS:
            found.append((("churn", "weights", signal), f"unknown signal '{signal}' (signals are {', '.join(SIGNALS)})"))
        else:
            at_least(("churn", "weights", signal), points, 0, f"the weight of {signal}")
    for key in ("threshold", "window_days", "no_cadence_days", "payment_delay_full_days"):
        at_least(("churn", key), getattr(churn, key), 1, key)
    for key, value in policy.issues.model_dump().items():
        at_least(("issues", key), value, 1, key)
    repurchase = policy.repurchase
    at_least(("repurchase", "contract_months"), repurchase.contract_months, 1, "contract_months")
    at_least(("repurchase", "days_before_end"), repurchase.days_before_end, 0, "days_before_end")
    if not 1 <= repurchase.min_satisfaction <= 5:
        found.append((("repurchase", "min_satisfaction"),
                      f"{repurchase.min_satisfaction} is not a satisfaction score: use 1 to 5"))
    return found


def _placeholder_problems(config: TeamsConfig) -> list[tuple[Loc, str]]:
    found: list[tuple[Loc, str]] = []
    fix = "put in the real Slack id (a member's profile, More, Copy member ID; a channel's details, at the bottom)"

    def check(loc: Loc, value: str) -> None:
        if value in EXAMPLE_IDS:
            found.append((loc, f"{value} is a placeholder from teams.example.yml: {fix}"))

    for i, admin in enumerate(config.admins):
        check(("admins", i), admin)
    for t, team in enumerate(config.teams):
        check(("teams", t, "supervisor_channel"), team.supervisor_channel)
        for role in ("supervisors", "reps"):
            for i, user in enumerate(getattr(team, role)):
                check(("teams", t, role, i), user)
    return found


def _line_index(node: Any, path: Loc = ()) -> dict[Loc, int]:
    """Map each key path of the YAML document to the line where it starts (1-based)."""
    index = {path: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            index[(*path, key.value)] = key.start_mark.line + 1
            index.update({k: v for k, v in _line_index(value, (*path, key.value)).items() if k != (*path, key.value)})
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            index.update(_line_index(item, (*path, i)))
    return index


def _describe(error: Any, lines: dict[Loc, int], name: str) -> str:
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    return _locate(tuple(error["loc"]), message, lines, name)


def _locate(loc: Loc, message: str, lines: dict[Loc, int], name: str) -> str:
    """``name line N (where): message``, N the line of the deepest part of ``loc`` in the file."""
    line = None
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    return f"{name} line {line} ({_where(loc)}): {message}"


def _where(loc: Loc) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "top level"
