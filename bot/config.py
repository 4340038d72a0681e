"""The teams file: who is in which team, where approvals go, and each team's policy.

Errors name the line of the file they concern, so ``followup-bot check-config`` can say
"teams.yml line 7 (teams[0].timezone): unknown time zone 'Asia/Shanghi'".
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
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.domain.policy import Policy

USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,}$")
NUMBER_FIELDS = {"year", "seq", "region", "industry"}

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

    @model_validator(mode="after")
    def _consistent(self) -> TeamsConfig:
        names = [t.name for t in self.teams]
        if len(set(names)) != len(names):
            raise ValueError("two teams have the same name")
        seen: dict[str, str] = {}
        for team in self.teams:
            for rep in team.reps:
                if rep in seen:
                    raise ValueError(f"{rep} is a rep in two teams ({seen[rep]} and {team.name})")
                seen[rep] = team.name
        return self

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
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([f"{name}{where}: not valid YAML ({problem})"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{name}: expected a mapping with `teams:` at the top"])
    lines = _line_index(node)
    try:
        return TeamsConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError([_describe(error, lines, name) for error in exc.errors()]) from None


def _line_index(node: Any, path: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
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


def _describe(error: Any, lines: dict[tuple[Any, ...], int], name: str) -> str:
    loc = tuple(error["loc"])
    line = None
    for cut in range(len(loc), -1, -1):
        if loc[:cut] in lines:
            line = lines[loc[:cut]]
            break
    where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "top level"
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "required key is missing"
    return f"{name} line {line} ({where}): {message}"
