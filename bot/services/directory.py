"""Who a Slack user is to us: their team, their role, their language and time zone."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import TeamConfig, TeamsConfig
from bot.i18n import Lang, lang_from_locale, t
from bot.runtime import Runtime
from storage import queries
from storage.models import Member, Team

log = logging.getLogger(__name__)
USER_CACHE_TTL = timedelta(hours=12)
# Every request needs the user's language: remember it in the process for a few minutes.
LOCALE_MEMORY_SECONDS = 300
# A user's first request: users.info is asked before the acknowledgement, once, waiting at most this
# long for Slack (no retry), so the answer is already in their language; on a timeout or a failure
# the team's language stands in and the profile is asked for again after the acknowledgement.
FIRST_PROFILE_TIMEOUT = 1  # seconds


@dataclass(frozen=True)
class Actor:
    user_id: str
    is_admin: bool
    team: TeamConfig | None  # the team whose leads this user owns (first membership)
    supervises: tuple[str, ...]  # names of teams this user supervises

    @property
    def is_supervisor(self) -> bool:
        return bool(self.supervises)

    def may_decide_for(self, team_name: str) -> bool:
        return self.is_admin or team_name in self.supervises


def resolve_actor(config: TeamsConfig, user_id: str) -> Actor | None:
    """None for a user listed in no team and not an admin."""
    memberships = config.memberships.get(user_id, [])
    is_admin = user_id in config.admins
    if not memberships and not is_admin:
        return None
    team = config.team(memberships[0].team) if memberships else None
    supervises = tuple(m.team for m in memberships if m.role == "supervisor")
    return Actor(user_id=user_id, is_admin=is_admin, team=team, supervises=supervises)


def sync_directory(runtime: Runtime) -> None:
    """Mirror the teams file into the database (teams and members), so queries can join on them.

    Replicas starting together take turns (a lock across processes), so none trips over a team
    another one has just inserted.
    """
    with runtime.db.lock("directory", wait=120):
        _sync_directory(runtime)


def _sync_directory(runtime: Runtime) -> None:
    config = runtime.config
    with runtime.db.write() as session:
        existing = {t.name: t for t in session.scalars(select(Team))}
        for team_config in config.teams:
            team = existing.get(team_config.name) or Team(name=team_config.name)
            team.supervisor_channel = team_config.supervisor_channel
            team.timezone = team_config.timezone
            team.holidays = team_config.holidays
            team.customer_number_format = team_config.customer_number
            team.language = team_config.language or config.language
            session.add(team)
        session.flush()
        team_ids = {t.name: t.id for t in session.scalars(select(Team))}
        runtime.team_ids = {t.name: team_ids[t.name] for t in config.teams}
        wanted = {
            (user, team_ids[m.team], m.role) for user, ms in config.memberships.items() for m in ms
        } | {(admin, None, "admin") for admin in config.admins}
        for member in session.scalars(select(Member)):
            key = (member.slack_user_id, member.team_id, member.role)
            member.active = key in wanted
            wanted.discard(key)
        for user, team_id, role in wanted:
            session.add(Member(slack_user_id=user, team_id=team_id, role=role, active=True))


def team_language(config: TeamsConfig, team: TeamConfig | None) -> Lang:
    return (team.language if team and team.language else None) or config.language


@dataclass(frozen=True)
class SlackProfile:
    """What Slack told us of a user (users.info, cached in ``slack_users``)."""

    tz: str | None
    locale: str | None
    deleted: bool
    fetched_at: datetime | None = None  # when Slack said so (None: not known to this process)


def cached_profile(runtime: Runtime, user_id: str, *, session: Session | None = None) -> SlackProfile | None:
    """The user's cached Slack profile: one read, none while the process remembers it.

    Inside a write transaction pass its session: taking a second connection while holding the
    write lock can starve the pool under load.
    """
    remembered = runtime.profiles.get(user_id)
    if remembered is not None and time.monotonic() - remembered[0] < LOCALE_MEMORY_SECONDS:
        return remembered[1]
    if session is None:
        with runtime.db.read() as own:
            cached = queries.get_slack_user(session=own, user_id=user_id)
    else:
        cached = queries.get_slack_user(session=session, user_id=user_id)
    if cached is None:
        return None
    profile = SlackProfile(tz=cached.tz, locale=cached.locale, deleted=cached.deleted, fetched_at=cached.fetched_at)
    runtime.profiles[user_id] = (time.monotonic(), profile)
    return profile


def user_language(runtime: Runtime, user_id: str, team: TeamConfig | None = None, *,
                  session: Session | None = None) -> Lang:
    """The user's Slack locale when we know it, else the team's language, else the default."""
    profile = cached_profile(runtime, user_id, session=session)
    return lang_from_locale(profile.locale if profile else None) or team_language(runtime.config, team)


def user_timezone(runtime: Runtime, actor: Actor) -> str:
    """The user's Slack time zone (asked of Slack now when we have none yet), else their team's."""
    profile = cached_profile(runtime, actor.user_id)
    if profile is None or not profile.tz:
        refresh_user(runtime, actor.user_id, now=runtime.now())
        profile = cached_profile(runtime, actor.user_id)
    if profile is not None and profile.tz:
        return profile.tz
    return actor.team.timezone if actor.team else "UTC"


class Requester:
    """Who sends a request, resolved once by the request pipeline: their place in the teams (from
    the teams file, no query) and their Slack profile (one read, none while remembered)."""

    def __init__(self, runtime: Runtime, user_id: str) -> None:
        self._runtime = runtime
        self.user_id = user_id
        self.actor: Actor | None = resolve_actor(runtime.config, user_id)
        self.profile = cached_profile(runtime, user_id) or first_profile(runtime, user_id)
        team = self.actor.team if self.actor else None
        self.lang: Lang = lang_from_locale(self.profile.locale if self.profile else None) or team_language(
            runtime.config, team)
        self._tz: str | None = None

    def t(self, key: str, **values: Any) -> str:
        """A catalog message in the user's language."""
        return t(key, self.lang, **values)

    @property
    def team_tz(self) -> str:
        """The time zone of the user's team (decisions are shown in it)."""
        return self.actor.team.timezone if self.actor and self.actor.team else "UTC"

    @property
    def tz(self) -> str:
        """The user's own time zone (for members; read once per request)."""
        if self._tz is None:
            self._tz = user_timezone(self._runtime, self.actor) if self.actor else "UTC"
        return self._tz


def refresh_user(runtime: Runtime, user_id: str, *, now: datetime) -> None:
    """Ask Slack for the user's locale and time zone when our copy is missing or stale.

    Called after the request is acknowledged; a failure leaves the old copy in place. No read when
    the process remembers a copy that is fresh (the stored one can only be as fresh or fresher).
    """
    remembered = runtime.profiles.get(user_id)
    if (remembered is not None and time.monotonic() - remembered[0] < LOCALE_MEMORY_SECONDS
            and remembered[1].fetched_at is not None and now - remembered[1].fetched_at < USER_CACHE_TTL):
        return
    with runtime.db.read() as session:
        cached = queries.get_slack_user(session=session, user_id=user_id)
    if cached is not None and now - cached.fetched_at < USER_CACHE_TTL:
        return
    try:
        user = runtime.slack.users_info(user=user_id, include_locale=True)["user"]
    except SlackApiError as exc:
        log.warning("users.info %s failed: %s", user_id, exc.response.get("error"))
        return
    _keep_profile(runtime, user_id, user, now=now, background=True)


def first_profile(runtime: Runtime, user_id: str) -> SlackProfile | None:
    """The profile of a user we have never seen, asked of Slack inside the acknowledgement's budget.

    One try, at most ``FIRST_PROFILE_TIMEOUT`` of waiting for Slack; what it answers is kept (in
    the process and in ``slack_users``). None on a timeout or any failure: the caller falls back
    to the team's language, and the refresh after the acknowledgement tries again.
    """
    quick = WebClient(token=runtime.slack.token, base_url=runtime.slack.base_url, timeout=FIRST_PROFILE_TIMEOUT,
                      retry_handlers=[], logger=log)
    try:
        user = quick.users_info(user=user_id, include_locale=True)["user"]
    except SlackApiError as exc:
        log.warning("users.info %s (first request) failed: %s", user_id, exc.response.get("error"))
        return None
    except Exception as exc:  # a timeout, a refused connection: the answer must not wait for Slack
        log.warning("users.info %s (first request) failed: %r", user_id, exc)
        return None
    try:
        return _keep_profile(runtime, user_id, user, now=runtime.now(), background=False)
    except Exception:  # the database refused: keep it in the process, the refresh stores it later
        log.warning("could not store the profile of %s", user_id, exc_info=True)
        return runtime.profiles[user_id][1]


def _keep_profile(runtime: Runtime, user_id: str, user: dict[str, Any], *, now: datetime,
                  background: bool) -> SlackProfile:
    """Remember what users.info answered, in the process and in ``slack_users``."""
    profile = SlackProfile(tz=user.get("tz"), locale=user.get("locale"), deleted=bool(user.get("deleted")),
                           fetched_at=now)
    runtime.profiles[user_id] = (time.monotonic(), profile)
    with runtime.db.write(background=background) as session:
        queries.save_slack_user(
            session=session,
            user_id=user_id,
            tz=user.get("tz"),
            locale=user.get("locale"),
            real_name=user.get("real_name"),
            deleted=bool(user.get("deleted")),
            now=now,
        )
    return profile


@dataclass(frozen=True)
class Profile:
    tz: str | None
    lang: Lang | None
    deleted: bool


def user_profiles(runtime: Runtime, user_ids: list[str], *, now: datetime, refresh_limit: int = 50) -> dict[str, Profile]:
    """Time zone, language and whether the account is deactivated, for many users at once.

    Cached copies younger than the TTL are used as they are; up to ``refresh_limit`` missing or
    stale ones are asked of Slack (users.info is rate-limited), the rest keep their old copy.
    """
    with runtime.db.read() as session:
        cached = queries.slack_users(session=session, user_ids=user_ids)
    stale = [u for u in user_ids if u not in cached or now - cached[u].fetched_at >= USER_CACHE_TTL]
    for user_id in stale[:refresh_limit]:
        refresh_user(runtime, user_id, now=now)
    if stale:
        with runtime.db.read() as session:
            cached = queries.slack_users(session=session, user_ids=user_ids)
    return {
        u: Profile(tz=cached[u].tz, lang=lang_from_locale(cached[u].locale), deleted=cached[u].deleted)
        if u in cached else Profile(tz=None, lang=None, deleted=False)
        for u in user_ids
    }
