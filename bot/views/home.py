"""App Home."""

from __future__ import annotations

from typing import Any

from bot.i18n import Lang, t
from bot.services.home import HomeSummary
from bot.views.blocks import header, section


def home_view(lang: Lang, summary: HomeSummary) -> dict[str, Any]:
    blocks = [header(t("home_title", lang))]
    if not summary.in_team:
        blocks.append(section(t("home_not_in_team", lang)))
    else:
        blocks.append(section(t("home_my_pending", lang, count=summary.my_pending)))
        if summary.to_decide is not None:
            blocks.append(section(t("home_team_pending", lang, count=summary.to_decide)))
    return {"type": "home", "blocks": blocks}
