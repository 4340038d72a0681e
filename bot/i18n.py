"""The message catalog: every user-facing string, in English and Simplified Chinese."""

from __future__ import annotations

from typing import Any

Lang = str  # "en" | "zh-CN"

CATALOG: dict[str, dict[str, str]] = {
    # General
    "not_in_team": {
        "en": "You are not in any sales team yet: ask an admin to add you to the teams file.",
        "zh-CN": "你还不在任何销售团队中：请联系管理员把你加入团队配置。",
    },
    "unknown_subcommand": {
        "en": "I don't know `{command} {word}`. Try `{command} help`.",
        "zh-CN": "没有 `{command} {word}` 这个命令。试试 `{command} help`。",
    },
    "internal_error": {
        "en": "Something went wrong on our side (error id {error_id}). Nothing was saved; please try again.",
        "zh-CN": "系统出错（错误编号 {error_id}），未保存任何内容，请重试。",
    },
    "not_authorized_decide": {
        "en": "Only a supervisor of {team} or an admin can decide this. Nothing was changed.",
        "zh-CN": "只有 {team} 的主管或管理员可以审批，未做任何更改。",
    },
    "already_decided": {
        "en": "Already decided: {decision} by <@{user}> at {when}.",
        "zh-CN": "已经处理：<@{user}> 于 {when} {decision}。",
    },
    "close": {"en": "Close", "zh-CN": "关闭"},
    "submit": {"en": "Submit", "zh-CN": "提交"},
    "cancel": {"en": "Cancel", "zh-CN": "取消"},
    # New lead modal
    "lead_title": {"en": "New lead", "zh-CN": "新线索"},
    "lead_resubmit_title": {"en": "Complete lead", "zh-CN": "补充线索信息"},
    "f_company": {"en": "Company", "zh-CN": "Company 企业全称"},
    "f_industry": {"en": "Industry", "zh-CN": "Industry 所属行业"},
    "f_company_size": {"en": "Company size", "zh-CN": "Company size 企业规模"},
    "f_company_size_hint": {"en": "Employees and/or annual revenue", "zh-CN": "员工人数和/或年营收"},
    "f_main_business": {"en": "Main business", "zh-CN": "Main business 主营业务"},
    "f_contact_name": {"en": "Contact name", "zh-CN": "Contact name 联系人"},
    "f_contact_title": {"en": "Contact title", "zh-CN": "Contact title 职务"},
    "f_phone": {"en": "Phone", "zh-CN": "Phone 电话"},
    "f_email": {"en": "Email", "zh-CN": "Email 邮箱"},
    "f_need": {"en": "Need", "zh-CN": "Need 初步需求"},
    "f_pain_points": {"en": "Pain points", "zh-CN": "Pain points 痛点"},
    "f_source": {"en": "Source", "zh-CN": "Source 来源渠道"},
    "f_acquired": {"en": "Acquired", "zh-CN": "Acquired 信息获取时间"},
    "f_acquired_hint": {"en": "When the lead was obtained", "zh-CN": "获得线索的时间"},
    "f_intent": {"en": "Intent", "zh-CN": "Intent 意向等级"},
    "f_tags": {"en": "Tags", "zh-CN": "Tags 标签"},
    "f_region": {"en": "Region", "zh-CN": "Region 区域"},
    "contact_hint": {"en": "Phone or email: at least one.", "zh-CN": "电话和邮箱至少填一项。"},
    "source_trade_show": {"en": "Trade show", "zh-CN": "展会"},
    "source_website": {"en": "Website form", "zh-CN": "官网留资"},
    "source_association": {"en": "Association referral", "zh-CN": "行业协会转介"},
    "source_customer_referral": {"en": "Customer referral", "zh-CN": "客户推荐"},
    "source_cold_call": {"en": "Cold call", "zh-CN": "电话陌拜"},
    "source_partner": {"en": "Partner", "zh-CN": "合作伙伴"},
    "source_other": {"en": "Other", "zh-CN": "其他"},
    "intent_high": {"en": "High", "zh-CN": "高"},
    "intent_medium": {"en": "Medium", "zh-CN": "中"},
    "intent_low": {"en": "Low", "zh-CN": "低"},
    "tag_high_intent": {"en": "High intent", "zh-CN": "高意向"},
    "tag_price_sensitive": {"en": "Price sensitive", "zh-CN": "价格敏感"},
    "tag_technical": {"en": "Technical", "zh-CN": "技术型"},
    "tag_long_term": {"en": "Long-term", "zh-CN": "长期合作"},
    # Lead validation
    "err_required": {"en": "This field is required.", "zh-CN": "此项必填。"},
    "err_too_long": {"en": "Keep this under {limit} characters.", "zh-CN": "请不要超过 {limit} 个字符。"},
    "err_contact_method": {
        "en": "Give at least one way to reach the contact: phone or email.",
        "zh-CN": "请至少填写一种联系方式：电话或邮箱。",
    },
    "err_email": {"en": "This is not an email address (name@example.com).", "zh-CN": "邮箱格式不正确（name@example.com）。"},
    "err_phone": {
        "en": "This is not a phone number: 7 to 15 digits, spaces, dashes and a leading + are fine.",
        "zh-CN": "电话格式不正确：7 到 15 位数字，可含空格、横线和开头的 +。",
    },
    "err_future": {"en": "This time is in the future.", "zh-CN": "这个时间在未来。"},
    "err_duplicate_own": {
        "en": "{company} is already registered as {number}, and it is yours.",
        "zh-CN": "{company} 已登记为 {number}，负责人是你。",
    },
    "err_duplicate_other": {
        "en": "This company is already registered; its owner is <@{owner}>. Talk to them or your supervisor.",
        "zh-CN": "该企业已被登记，负责人是 <@{owner}>。请与其或你的主管沟通。",
    },
    "lead_saved_title": {"en": "Lead registered", "zh-CN": "线索已登记"},
    "lead_saved": {
        "en": "*{number}* · {company}\nSent to your supervisors for review. You'll get a DM when they decide.",
        "zh-CN": "*{number}* · {company}\n已提交主管审核，审核结果会私信通知你。",
    },
    "lead_saved_dm": {
        "en": ":white_check_mark: Lead *{number}* · {company} registered and sent for review.",
        "zh-CN": ":white_check_mark: 线索 *{number}* · {company} 已登记并提交审核。",
    },
    # Review
    "review_header": {"en": "Lead registration review", "zh-CN": "客户登记审核"},
    "review_resubmitted": {"en": "Resubmitted with more information", "zh-CN": "补充信息后重新提交"},
    "review_by": {"en": "*Rep:* <@{user}>", "zh-CN": "*销售代表：* <@{user}>"},
    "review_late": {
        "en": ":warning: *Late:* submitted {hours} h after acquisition (limit {limit} h).",
        "zh-CN": ":warning: *逾期提交：* 获取线索后 {hours} 小时才提交（要求 {limit} 小时内）。",
    },
    "approve": {"en": "Approve", "zh-CN": "通过"},
    "needs_info": {"en": "Needs info", "zh-CN": "需补充信息"},
    "reject": {"en": "Reject", "zh-CN": "不通过"},
    "decision_approved": {"en": "approved", "zh-CN": "通过"},
    "decision_needs_info": {"en": "asked for more information", "zh-CN": "要求补充信息"},
    "decision_rejected": {"en": "rejected", "zh-CN": "不通过"},
    "decision_superseded": {"en": "replaced by a newer request", "zh-CN": "已被新的申请取代"},
    "decided_line": {
        "en": "*{decision_cap}* by <@{user}> · {when}",
        "zh-CN": "*{decision_cap}* · <@{user}> · {when}",
    },
    "reason_line": {"en": "*Reason:* {reason}", "zh-CN": "*原因：* {reason}"},
    "wanted_line": {"en": "*Information wanted:* {reason}", "zh-CN": "*需补充：* {reason}"},
    "needs_info_title": {"en": "Needs info", "zh-CN": "需补充信息"},
    "needs_info_label": {"en": "Fields wanted", "zh-CN": "需补充的信息"},
    "reject_title": {"en": "Reject lead", "zh-CN": "不通过"},
    "reject_label": {"en": "Reason", "zh-CN": "原因"},
    "dm_approved": {
        "en": ":white_check_mark: Your lead *{number}* · {company} was approved by <@{user}>.",
        "zh-CN": ":white_check_mark: 你的线索 *{number}* · {company} 已由 <@{user}> 审核通过。",
    },
    "dm_rejected": {
        "en": ":x: Your lead *{number}* · {company} was rejected by <@{user}>.\n*Reason:* {reason}",
        "zh-CN": ":x: 你的线索 *{number}* · {company} 未通过 <@{user}> 的审核。\n*原因：* {reason}",
    },
    "dm_needs_info": {
        "en": ":pencil2: <@{user}> needs more information on your lead *{number}* · {company}:\n> {reason}",
        "zh-CN": ":pencil2: <@{user}> 需要你为线索 *{number}* · {company} 补充信息：\n> {reason}",
    },
    "complete_lead": {"en": "Complete lead", "zh-CN": "补充信息"},
    "not_owner": {
        "en": "Only the owner of this lead can complete it.",
        "zh-CN": "只有该线索的负责人可以补充信息。",
    },
    "lead_not_awaiting_info": {
        "en": "This lead is not waiting for more information any more.",
        "zh-CN": "该线索已不需要补充信息。",
    },
    # Followup command (help only in this slice)
    "help": {
        "en": "*What I can do*\n• `/lead [company]` — register a new lead for review\n"
        "• `/followup help` — this help",
        "zh-CN": "*我能做什么*\n• `/lead [企业名]` — 登记新线索并提交审核\n• `/followup help` — 查看帮助",
    },
    # App Home
    "home_title": {"en": "Follow-ups", "zh-CN": "客户跟进"},
    "home_my_pending": {"en": "*My leads waiting for review:* {count}", "zh-CN": "*待审核的线索：* {count}"},
    "home_team_pending": {"en": "*Registrations waiting for you:* {count}", "zh-CN": "*待你审核的登记：* {count}"},
    "home_not_in_team": {
        "en": "You are not in a sales team yet. Ask an admin to add you.",
        "zh-CN": "你还不在销售团队中，请联系管理员。",
    },
}


def t(key: str, lang: Lang, **values: Any) -> str:
    entry = CATALOG[key]
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text


def lang_from_locale(locale: str | None) -> Lang | None:
    if not locale:
        return None
    return "zh-CN" if locale.lower().startswith("zh") else "en"
