"""The message catalog: every user-facing string, in English and Simplified Chinese.

Counted words use one mechanism, a plural choice after the count's placeholder:
``"every {days} {days:day|days}"`` prints "every 1 day", "every 2 days". The part before ``|``
is the "one" form, the part after it the "other" form, chosen by the CLDR rule of the message's
language (``plural_form``): English "one" for exactly 1, Chinese has no plural (always "other",
so Chinese texts need no choice).
"""

from __future__ import annotations

import string
from decimal import Decimal
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
    "stale_button": {
        "en": "This button is out of date: nothing was changed. Use the buttons of the latest message.",
        "zh-CN": "此按钮已过期，未做任何更改。请使用最新消息中的按钮。",
    },
    "stale_form": {
        "en": "This form is out of date: nothing was saved. Close it and open it again.",
        "zh-CN": "此表单已过期，未保存任何内容。请关闭后重新打开。",
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
    "err_too_long": {"en": "Keep this under {limit} {limit:character|characters}.", "zh-CN": "请不要超过 {limit} 个字符。"},
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
    "lead_saving_title": {"en": "Registering…", "zh-CN": "正在登记…"},
    "lead_saving": {"en": ":hourglass_flowing_sand: Registering *{company}*…", "zh-CN": ":hourglass_flowing_sand: 正在登记 *{company}*……"},
    "lead_not_saved_title": {"en": "Not registered", "zh-CN": "未登记"},
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

    # Follow-ups
    "fu_title": {"en": "Log follow-up", "zh-CN": "记录跟进"},
    "fu_edit_title": {"en": "Edit follow-up", "zh-CN": "修改跟进记录"},
    "save": {"en": "Save", "zh-CN": "保存"},
    "f_customer": {"en": "Customer", "zh-CN": "Customer 客户"},
    "f_customer_placeholder": {"en": "Number, company or contact", "zh-CN": "客户编号、企业名或联系人"},
    "f_method": {"en": "Method", "zh-CN": "Method 跟进方式"},
    "f_when": {"en": "When", "zh-CN": "When 跟进时间"},
    "f_when_placeholder": {"en": "now — or e.g. yesterday 3pm, 昨天下午", "zh-CN": "现在 — 或如：昨天下午3点"},
    "f_stage": {"en": "Stage", "zh-CN": "Stage 阶段"},
    "f_notes": {"en": "Notes", "zh-CN": "Notes 沟通内容"},
    "f_feedback": {"en": "Customer feedback", "zh-CN": "Customer feedback 客户反馈"},
    "f_next_step": {"en": "Next step", "zh-CN": "Next step 下一步计划"},
    "f_next_step_date": {"en": "Next step date", "zh-CN": "Next step date 下一步日期"},
    "f_next_step_date_placeholder": {"en": "e.g. next Wednesday 3pm, in 3 days, 3月12日",
                                     "zh-CN": "如：下周三下午3点、3天后、3月12日"},
    "f_satisfaction": {"en": "Satisfaction", "zh-CN": "Satisfaction 满意度"},
    "f_budget_range": {"en": "Budget range", "zh-CN": "Budget range 预算范围"},
    "f_decision_makers": {"en": "Decision makers", "zh-CN": "Decision makers 决策人"},
    "f_proposal_version": {"en": "Proposal version", "zh-CN": "Proposal version 方案版本"},
    "f_objection": {"en": "Objection", "zh-CN": "Objection 客户异议"},
    "f_objection_answer": {"en": "Answer to the objection", "zh-CN": "Answer 异议答复"},
    "method_phone": {"en": "Phone", "zh-CN": "电话"},
    "method_visit": {"en": "Visit / face to face", "zh-CN": "拜访/面谈"},
    "method_email": {"en": "Email", "zh-CN": "邮件"},
    "method_meeting": {"en": "Online meeting", "zh-CN": "线上会议"},
    "method_im": {"en": "Instant message / WeChat", "zh-CN": "即时消息/微信"},
    "method_other": {"en": "Other", "zh-CN": "其他"},
    "stage_initial_contact": {"en": "Initial contact", "zh-CN": "初次接触"},
    "stage_needs_analysis": {"en": "Needs analysis", "zh-CN": "需求分析"},
    "stage_proposal": {"en": "Proposal review", "zh-CN": "方案评审"},
    "stage_negotiation": {"en": "Contract negotiation", "zh-CN": "合同谈判"},
    "stage_closing": {"en": "Closing", "zh-CN": "促成签约"},
    "stage_after_sales": {"en": "After-sales", "zh-CN": "售后维护"},
    "status_lead": {"en": "Lead", "zh-CN": "潜在客户"},
    "status_interested": {"en": "Interested", "zh-CN": "意向客户"},
    "status_needs_confirmed": {"en": "Needs confirmed", "zh-CN": "需求确认"},
    "status_negotiating": {"en": "Negotiating", "zh-CN": "谈判中"},
    "status_intent_confirmed": {"en": "Intent confirmed", "zh-CN": "意向确认"},
    "status_won": {"en": "Won", "zh-CN": "成交"},
    "status_maintaining": {"en": "Maintaining", "zh-CN": "维护中"},
    "status_churned": {"en": "Churned", "zh-CN": "流失"},
    "registration_pending": {"en": "awaiting review", "zh-CN": "待审核"},
    "registration_needs_info": {"en": "needs more information", "zh-CN": "待补充信息"},
    "registration_approved": {"en": "approved", "zh-CN": "已通过"},
    "registration_rejected": {"en": "rejected", "zh-CN": "未通过"},
    "date_reads_as": {"en": "→ {when} ({tz})", "zh-CN": "→ {when}（{tz}）"},
    "date_unreadable": {"en": ":warning: I can't read “{text}” as a date.", "zh-CN": ":warning: 无法识别日期“{text}”。"},
    "err_date": {"en": "I can't read “{text}” as a date: try “next Wednesday 3pm”, “in 3 days” or “3月12日”.",
                 "zh-CN": "无法识别日期“{text}”：可以写“下周三下午3点”、“3天后”或“3月12日”。"},
    "err_past": {"en": "This date has already passed.", "zh-CN": "这个日期已经过去了。"},
    "err_customer_fixed": {"en": "The customer of a logged follow-up cannot change.",
                           "zh-CN": "已记录的跟进不能更换客户。"},
    "customer_not_found": {
        "en": "No customer you can see matches “{reference}”.",
        "zh-CN": "没有找到你可查看的、与“{reference}”匹配的客户。",
    },
    "customer_not_found_field": {"en": "Choose one of your customers.", "zh-CN": "请选择你负责的客户。"},
    "followup_not_found": {"en": "That follow-up no longer exists.", "zh-CN": "该跟进记录不存在。"},
    "followup_not_yours": {"en": "Only its author or a supervisor can change this follow-up.",
                           "zh-CN": "只有记录人或主管可以修改这条跟进。"},
    "logged": {"en": ":white_check_mark: Logged a {method} follow-up with *{number}* · {company} ({when}).",
               "zh-CN": ":white_check_mark: 已记录与 *{number}* · {company} 的{method}跟进（{when}）。"},
    "edited": {"en": ":pencil2: Updated the follow-up with *{number}* · {company} ({when}).",
               "zh-CN": ":pencil2: 已修改与 *{number}* · {company} 的跟进（{when}）。"},
    "logged_next": {"en": "*Next step:* {step} — {when}", "zh-CN": "*下一步：* {step} — {when}"},
    "logged_no_next": {"en": "No next step set.", "zh-CN": "未设置下一步。"},
    "logged_late": {
        "en": ":warning: Logged more than {hours} h after it happened: marked late.",
        "zh-CN": ":warning: 跟进发生超过 {hours} 小时后才记录，已标记为逾期。",
    },
    "status_moved": {"en": "Status: {before} → {after}", "zh-CN": "状态：{before} → {after}"},
    "edit": {"en": "Edit", "zh-CN": "修改"},
    "log_followup": {"en": "Log follow-up", "zh-CN": "记录跟进"},
    "qe_open_form": {"en": "Type `{command} {number}` to fill in the form.",
                     "zh-CN": "输入 `{command} {number}` 打开表单填写。"},
    "qe_intro": {"en": "I couldn't log that in one go, so here it is to check:",
                 "zh-CN": "这条记录无法直接保存，请核对后提交："},
    "qe_no_next_date": {"en": "the next step has no date I can read", "zh-CN": "下一步没有可识别的日期"},
    "qe_past_next_date": {"en": "the next step date has already passed", "zh-CN": "下一步日期已经过去"},
    "qe_no_notes": {"en": "there is nothing about the call itself", "zh-CN": "缺少沟通内容"},
    "qe_two_next_steps": {"en": "there are two next steps", "zh-CN": "写了两个下一步"},
    "qe_customer": {"en": "the customer is not one you can log for", "zh-CN": "无法为该客户记录"},
    "qe_no_customer": {"en": "I couldn't tell which customer this is", "zh-CN": "无法确定是哪个客户"},
    "matches": {"en": "Customers matching “{reference}”:", "zh-CN": "与“{reference}”匹配的客户："},
    "matches_more": {
        "en": "Showing the best {shown} of {total} matches: type more of the name to narrow it down, or use "
              "`/followup export` for all the customers you may see.",
        "zh-CN": "共 {total} 个匹配，显示最相关的 {shown} 个：请输入更完整的名称缩小范围，或用 `/followup export` 导出你可查看的全部客户。",
    },
    "matches_more_capped": {
        "en": "Showing the best {shown} of more than {total} matches: type more of the name to narrow it down, or "
              "use `/followup export` for all the customers you may see.",
        "zh-CN": "匹配超过 {total} 个，显示最相关的 {shown} 个：请输入更完整的名称缩小范围，或用 `/followup export` 导出你可查看的全部客户。",
    },
    "card_status": {"en": "*Status:* {status}{paused}", "zh-CN": "*状态：* {status}{paused}"},
    "card_registration": {"en": "*Registration:* {state}", "zh-CN": "*登记：* {state}"},
    "card_grade": {"en": "*Grade:* {grade}", "zh-CN": "*等级：* {grade}"},
    "card_owner": {"en": "*Owner:* <@{owner}>", "zh-CN": "*负责人：* <@{owner}>"},
    "card_next_due": {"en": "*Next due:* {when}", "zh-CN": "*下次跟进：* {when}"},
    "card_contact": {"en": "*Contact:* {contact}", "zh-CN": "*联系人：* {contact}"},
    "card_need": {"en": "*Need:* {need}", "zh-CN": "*需求：* {need}"},
    "card_history": {"en": "*Last follow-ups*", "zh-CN": "*最近跟进*"},
    "card_history_more": {
        "en": "The last {shown} of {total} {total:follow-up|follow-ups}: {more} earlier {more:one is|ones are} in `/followup export`.",
        "zh-CN": "显示最近 {shown} 条，共 {total} 条跟进记录；更早的 {more} 条见 `/followup export`。",
    },
    "card_no_history": {"en": "No follow-ups yet.", "zh-CN": "暂无跟进记录。"},
    "none": {"en": "none", "zh-CN": "无"},
    "late_mark": {"en": ":warning: late", "zh-CN": ":warning: 逾期"},
    "paused_mark": {"en": " (paused)", "zh-CN": "（暂停跟进）"},
    "find_usage": {"en": "Tell me what to look for: `/followup find <words>`.",
                   "zh-CN": "请输入要查找的内容：`/followup find <关键词>`。"},
    "show_usage": {"en": "Which customer? `/followup show CL2026001`.", "zh-CN": "哪个客户？`/followup show CL2026001`。"},

    # Grades
    "grade_title": {"en": "Propose grade", "zh-CN": "提议客户等级"},
    "grade_review_header": {"en": "Grade proposal", "zh-CN": "客户等级审批"},
    "review_replaces": {"en": "Replaces the earlier open proposal for this customer.",
                        "zh-CN": "替代该客户之前未处理的等级提议。"},
    "grade_customer": {"en": "*{number}* · {company}\nCurrent grade: *{grade}*",
                       "zh-CN": "*{number}* · {company}\n当前等级：*{grade}*"},
    "f_grade": {"en": "Grade", "zh-CN": "Grade 等级"},
    "f_annual_purchase": {"en": "Annual purchase", "zh-CN": "Annual purchase 年采购额"},
    "f_annual_purchase_placeholder": {"en": "CNY, e.g. 250000 or 25万", "zh-CN": "人民币，如 250000 或 25万"},
    "f_potential": {"en": "Potential", "zh-CN": "Potential 潜力"},
    "f_potential_hint": {"en": "1–5: industry outlook, growth, room to expand", "zh-CN": "1–5：行业前景、成长性、拓展空间"},
    "f_reason": {"en": "Reason", "zh-CN": "Reason 理由"},
    "f_reason_hint": {"en": "Required when your grade differs from the suggested one.",
                      "zh-CN": "与建议等级不同时必填。"},
    "f_grade_change": {"en": "Grade", "zh-CN": "等级"},
    "f_suggested_grade": {"en": "Suggested by the thresholds", "zh-CN": "按标准建议"},
    "grade_thresholds": {"en": "A ≥ {a} · B ≥ {b} · C ≥ {c} · D below (CNY a year)",
                         "zh-CN": "A ≥ {a} · B ≥ {b} · C ≥ {c} · 其余为 D（年采购额，人民币）"},
    "grade_suggested": {"en": ":bulb: Suggested grade: *{grade}*", "zh-CN": ":bulb: 建议等级：*{grade}*"},
    "grade_differs": {"en": ":warning: Your grade differs from the suggestion: give a reason.",
                      "zh-CN": ":warning: 与建议等级不同，请填写理由。"},
    "grade_suggestion_pending": {"en": "Type the annual purchase and pick the potential to see the suggested grade.",
                                 "zh-CN": "填写年采购额并选择潜力后显示建议等级。"},
    "grade_amount_unreadable": {"en": ":warning: The annual purchase is not a number.",
                                "zh-CN": ":warning: 年采购额不是有效数字。"},
    "err_amount": {"en": "Give a positive amount in CNY, e.g. 250000 or 25万.",
                   "zh-CN": "请填写正数金额（人民币），如 250000 或 25万。"},
    "err_reason_differs": {"en": "The suggested grade is {suggested}: say why you propose another.",
                           "zh-CN": "建议等级为 {suggested}，请说明为何提议其他等级。"},
    "grade_sent": {"en": ":outbox_tray: Grade {grade} for *{number}* · {company} sent to your supervisors.",
                   "zh-CN": ":outbox_tray: *{number}* · {company} 的等级 {grade} 已提交主管审批。"},
    "grade_sent_replaced": {"en": "It replaces your earlier open proposal.", "zh-CN": "它替代了你之前未处理的提议。"},
    "grade_applied": {"en": ":white_check_mark: *{number}* · {company} is now grade {grade}.",
                      "zh-CN": ":white_check_mark: *{number}* · {company} 的等级已设为 {grade}。"},
    "dm_grade_approved": {"en": ":white_check_mark: <@{user}> approved grade {grade} for *{number}* · {company}.",
                          "zh-CN": ":white_check_mark: <@{user}> 已批准 *{number}* · {company} 的等级 {grade}。"},
    "dm_grade_rejected": {
        "en": ":x: <@{user}> rejected grade {grade} for *{number}* · {company}.\n*Reason:* {reason}",
        "zh-CN": ":x: <@{user}> 未批准 *{number}* · {company} 的等级 {grade}。\n*原因：* {reason}",
    },
    "propose_grade": {"en": "Propose grade", "zh-CN": "提议等级"},
    # Deals
    "deal_won_title": {"en": "Deal won", "zh-CN": "成交复盘"},
    "deal_lost_title": {"en": "Deal lost", "zh-CN": "丢单复盘"},
    "f_contract_number": {"en": "Contract number", "zh-CN": "Contract number 合同编号"},
    "f_amount": {"en": "Amount", "zh-CN": "Amount 合同金额"},
    "f_amount_placeholder": {"en": "CNY, e.g. 380000 or 38万", "zh-CN": "人民币，如 380000 或 38万"},
    "f_signed_on": {"en": "Signing date", "zh-CN": "Signing date 签约日期"},
    "f_expected_payment_on": {"en": "Expected payment date", "zh-CN": "Expected payment date 预计回款日期"},
    "f_delivered_on": {"en": "Delivery date", "zh-CN": "Delivery date 交付日期"},
    "f_delivered_on_hint": {"en": "After-sales revisits count from delivery; empty means the signing date.",
                            "zh-CN": "售后回访从交付日起算；不填则按签约日期。"},
    "f_success_factors": {"en": "Success factors", "zh-CN": "Success factors 成功因素"},
    "f_failure_reasons": {"en": "Failure reasons", "zh-CN": "Failure reasons 丢单原因"},
    "f_failure_detail": {"en": "Details", "zh-CN": "Details 详细说明"},
    "f_improvement": {"en": "Improvement notes", "zh-CN": "Improvement notes 改进建议"},
    "factor_need_match": {"en": "Need match", "zh-CN": "需求匹配"},
    "factor_price_advantage": {"en": "Price advantage", "zh-CN": "价格优势"},
    "factor_decision_chain": {"en": "Smooth decision chain", "zh-CN": "决策链顺畅"},
    "factor_customised_solution": {"en": "Customised solution", "zh-CN": "定制化方案"},
    "factor_relationship": {"en": "Relationship", "zh-CN": "客户关系"},
    "factor_other": {"en": "Other", "zh-CN": "其他"},
    "failure_price_objection": {"en": "Price objection", "zh-CN": "价格异议"},
    "failure_competitor": {"en": "Competitor", "zh-CN": "竞争对手"},
    "failure_unclear_need": {"en": "Unclear need", "zh-CN": "需求不明确"},
    "failure_budget": {"en": "No budget", "zh-CN": "预算不足"},
    "failure_no_decision": {"en": "No decision", "zh-CN": "迟迟未决策"},
    "failure_other": {"en": "Other", "zh-CN": "其他"},
    "deal_won_header": {"en": "Deal won: {number} · {company}", "zh-CN": "成交：{number} · {company}"},
    "deal_lost_header": {"en": "Deal lost: {number} · {company}", "zh-CN": "丢单：{number} · {company}"},
    "deal_cycle": {"en": "*Deal cycle:* {days} {days:day|days} from acquisition", "zh-CN": "*成交周期：* 自获取线索起 {days} 天"},
    "deal_contract": {"en": "*Contract:* {contract} · {amount} CNY", "zh-CN": "*合同：* {contract} · {amount} 元"},
    "deal_signed": {"en": "*Signed:* {signed} · *expected payment:* {payment}",
                    "zh-CN": "*签约：* {signed} · *预计回款：* {payment}"},
    "deal_factors": {"en": "*Success factors:* {factors}", "zh-CN": "*成功因素：* {factors}"},
    "deal_reasons": {"en": "*Why it was lost:* {reasons}", "zh-CN": "*丢单原因：* {reasons}"},
    "deal_improvement": {"en": "*Improvement:* {text}", "zh-CN": "*改进建议：* {text}"},
    "deal_comment_line": {"en": ":speech_balloon: *<@{user}>:* {text}", "zh-CN": ":speech_balloon: *<@{user}>：* {text}"},
    "comment": {"en": "Comment", "zh-CN": "点评"},
    "comment_title": {"en": "Supervisor comment", "zh-CN": "主管点评"},
    "f_comment": {"en": "Comment", "zh-CN": "点评"},
    "dm_deal_comment": {"en": ":speech_balloon: <@{user}> commented on the review of *{number}* · {company}:\n> {comment}",
                        "zh-CN": ":speech_balloon: <@{user}> 点评了 *{number}* · {company} 的复盘：\n> {comment}"},
    "deal_not_found": {"en": "That deal review no longer exists.", "zh-CN": "该复盘记录不存在。"},
    "deal_recorded_won": {
        "en": ":trophy: *{number}* · {company} won. Revisits are due on {revisits}.",
        "zh-CN": ":trophy: *{number}* · {company} 已成交。售后回访：{revisits}。",
    },
    "deal_recorded_lost": {"en": ":memo: *{number}* · {company} recorded as lost; the review went to your supervisors.",
                           "zh-CN": ":memo: *{number}* · {company} 已记录为丢单，复盘已发送给主管。"},
    "err_pick_one": {"en": "Pick at least one.", "zh-CN": "请至少选择一项。"},
    "err_future_date": {"en": "This date is in the future.", "zh-CN": "这个日期在未来。"},
    "err_before_signing": {"en": "This date is before the signing date.", "zh-CN": "这个日期早于签约日期。"},
    # Pause
    "err_pause_reason": {"en": "Say why: `/followup pause CL2026001 <reason>`.",
                         "zh-CN": "请写明原因：`/followup pause CL2026001 <原因>`。"},
    "err_not_paused": {"en": "{number} is not paused.", "zh-CN": "{number} 没有暂停跟进。"},
    "paused_ok": {"en": ":double_vertical_bar: *{number}* · {company} is paused ({reason}). It comes back for a "
                  "reactivation on {when}.",
                  "zh-CN": ":double_vertical_bar: *{number}* · {company} 已暂停跟进（{reason}），将于 {when} 提醒重新激活。"},
    "resumed_ok": {"en": ":arrow_forward: *{number}* · {company} is back in your follow-ups.",
                   "zh-CN": ":arrow_forward: *{number}* · {company} 已恢复跟进。"},
    "usage_customer": {"en": "Which customer? `/followup {word} CL2026001`.",
                       "zh-CN": "哪个客户？`/followup {word} CL2026001`。"},

    # Due lists
    "due_title": {"en": "Your follow-ups — {day}", "zh-CN": "你的跟进清单 — {day}"},
    "due_overdue": {"en": ":red_circle: *Overdue* ({count})", "zh-CN": ":red_circle: *已逾期*（{count}）"},
    "due_today": {"en": ":large_orange_circle: *Due today* ({count})", "zh-CN": ":large_orange_circle: *今天到期*（{count}）"},
    "due_upcoming": {"en": ":white_circle: *Next 3 days* ({count})", "zh-CN": ":white_circle: *未来 3 天*（{count}）"},
    "due_line": {"en": "*{number}* · {company} — {grade} · {status}\n{why} · due {when}",
                 "zh-CN": "*{number}* · {company} — {grade} · {status}\n{why} · 到期 {when}"},
    "due_overdue_part": {"en": ":red_circle: *Overdue* ({first}–{last} of {count})",
                         "zh-CN": ":red_circle: *已逾期*（共 {count} 项中的第 {first}–{last} 项）"},
    "due_today_part": {"en": ":large_orange_circle: *Due today* ({first}–{last} of {count})",
                       "zh-CN": ":large_orange_circle: *今天到期*（共 {count} 项中的第 {first}–{last} 项）"},
    "due_upcoming_part": {"en": ":white_circle: *Next 3 days* ({first}–{last} of {count})",
                          "zh-CN": ":white_circle: *未来 3 天*（共 {count} 项中的第 {first}–{last} 项）"},
    "due_more": {"en": "…and {count} more. Type `/followup due` to page through the whole list "
                       "(it is on the app's *Home* tab too).",
                 "zh-CN": "……还有 {count} 项。输入 `/followup due` 可逐页查看完整清单（应用的*主页*标签中也有）。"},
    "due_hidden": {"en": "Not shown here: {groups}.", "zh-CN": "此处未显示：{groups}。"},
    "due_group_overdue": {"en": "{count} overdue", "zh-CN": "逾期 {count} 项"},
    "due_group_today": {"en": "{count} due today", "zh-CN": "今天到期 {count} 项"},
    "due_group_upcoming": {"en": "{count} in the next 3 days", "zh-CN": "未来 3 天 {count} 项"},
    "due_total": {"en": "{count} in all", "zh-CN": "共 {count} 项"},
    "page_position": {"en": "Showing {first}–{last} of {total} · page {page} of {pages}",
                      "zh-CN": "第 {first}–{last} 项，共 {total} 项 · 第 {page}/{pages} 页"},
    "page_previous": {"en": "◀ Previous", "zh-CN": "◀ 上一页"},
    "page_next": {"en": "Next ▶", "zh-CN": "下一页 ▶"},
    "due_nothing": {"en": "Nothing due in the next 3 days. :tada:", "zh-CN": "未来 3 天没有待跟进的客户。:tada:"},
    "ungraded": {"en": "ungraded", "zh-CN": "未分级"},
    "why_cadence": {"en": "every {days} {days:day|days} for grade {grade}", "zh-CN": "{grade} 级客户每 {days} 天跟进"},
    "why_cadence_status": {"en": "every {days} {days:day|days}", "zh-CN": "每 {days} 天跟进"},
    "why_key_stage": {"en": "daily in a key stage", "zh-CN": "关键阶段每日跟进"},
    "why_first_contact": {"en": "first contact due since assignment", "zh-CN": "新客户首次联系"},
    "why_next_step": {"en": "your planned next step", "zh-CN": "你计划的下一步"},
    "why_regrade": {"en": "quarterly re-grade ({note})", "zh-CN": "季度重新评级（{note}）"},
    "why_revisit_first": {"en": "after-sales revisit after delivery", "zh-CN": "交付后售后回访"},
    "why_revisit_months": {"en": "after-sales revisit, {months} {months:month|months}", "zh-CN": "售后回访（{months} 个月）"},
    "why_other": {"en": "{kind} {note}", "zh-CN": "{kind} {note}"},
    "why_review_half_year": {"en": "half-year customer review", "zh-CN": "半年度客户回顾"},
    "why_reactivation": {"en": "paused — time to reactivate ({note})", "zh-CN": "暂停跟进 — 该重新激活了（{note}）"},
    "snooze": {"en": "Snooze", "zh-CN": "稍后提醒"},
    "snooze_title": {"en": "Snooze", "zh-CN": "稍后提醒"},
    "f_snooze_for": {"en": "For how long", "zh-CN": "推迟多久"},
    "snooze_1d": {"en": "1 day", "zh-CN": "1 天"},
    "snooze_3d": {"en": "3 days", "zh-CN": "3 天"},
    "snooze_week": {"en": "Until next week", "zh-CN": "到下周"},
    "snoozed_ok": {"en": ":zzz: Snoozed *{number}* · {company} until {when}.",
                   "zh-CN": ":zzz: 已将 *{number}* · {company} 推迟到 {when}。"},
    # Reminders and alerts
    "remind_next_step": {
        "en": ":alarm_clock: The next step you planned for *{number}* · {company} — “{step}”, due {when} — passed "
        "{hours} h ago with no follow-up logged.",
        "zh-CN": ":alarm_clock: 你为 *{number}* · {company} 计划的下一步“{step}”（{when}）已过去 {hours} 小时，尚未记录跟进。",
    },
    "escalate_next_step": {
        "en": ":rotating_light: *Missed next step* — *{number}* · {company} (owner <@{owner}>): “{step}” was due "
        "{when}; nothing logged for {hours} h, and the rep was reminded. Rule: a planned next step is followed up "
        "within 24 h.",
        "zh-CN": ":rotating_light: *下一步逾期* — *{number}* · {company}（负责人 <@{owner}>）：“{step}”应于 {when} 完成，"
        "已 {hours} 小时无跟进记录，已提醒过销售。规则：计划的下一步须在 24 小时内跟进。",
    },
    "remind_first_contact": {
        "en": ":alarm_clock: New lead *{number}* · {company} has not been contacted: first contact was due {when}.",
        "zh-CN": ":alarm_clock: 新客户 *{number}* · {company} 尚未联系：应于 {when} 前完成首次联系。",
    },
    "escalate_first_contact": {
        "en": ":rotating_light: *First contact missed* — *{number}* · {company} (owner <@{owner}>): assigned "
        "{assigned}, first contact was due {when}, still nothing logged. Rule: first contact within {limit}.",
        "zh-CN": ":rotating_light: *首次联系逾期* — *{number}* · {company}（负责人 <@{owner}>）：分配于 {assigned}，"
        "应于 {when} 前首次联系，至今无记录。规则：{limit}内首次联系。",
    },
    "limit_hours": {"en": "{hours} h of assignment", "zh-CN": "分配后 {hours} 小时"},
    "limit_working_days": {"en": "{days} working {days:day|days} of assignment", "zh-CN": "分配后 {days} 个工作日"},
    "alert_a_silence": {
        "en": ":warning: *Long silence* — *{number}* · {company}, grade A (owner <@{owner}>): last contact {last} "
        "({days} {days:day|days} ago). Rule: no A customer goes more than {limit} {limit:day|days} without contact.",
        "zh-CN": ":warning: *长期失联* — *{number}* · {company}，A 级（负责人 <@{owner}>）：最近联系 {last}"
        "（{days} 天前）。规则：A 级客户不得超过 {limit} 天未联系。",
    },
    "never": {"en": "never", "zh-CN": "从未联系"},
    "alert_over_contact": {
        "en": ":warning: *Over-contact* — *{number}* · {company}, grade D (owner <@{owner}>): {count} {count:follow-up|follow-ups} in "
        "{month} (limit {limit}). D customers get no individual follow-up beyond that.",
        "zh-CN": ":warning: *过度跟进* — *{number}* · {company}，D 级（负责人 <@{owner}>）：{month} 已跟进 {count} 次"
        "（上限 {limit} 次）。",
    },
    "remind_objection": {
        "en": ":speech_balloon: The objection raised by *{number}* · {company} on {when} is still unanswered: “{objection}”. "
        "Objections are answered within {hours} h.",
        "zh-CN": ":speech_balloon: *{number}* · {company} 于 {when} 提出的异议尚未答复：“{objection}”。异议须在 {hours} 小时内答复。",
    },
    # Weekly digest
    "weekly_title": {"en": "Weekly follow-up check — {team}, week of {day}", "zh-CN": "每周跟进检查 — {team}，{day} 当周"},
    "weekly_rep": {
        "en": "<@{user}>: {logged} {logged:follow-up|follow-ups} logged · {late} late · {overdue} overdue · "
        "{missed} missed next {missed:step|steps} · "
        "{over} over-contacted",
        "zh-CN": "<@{user}>：记录跟进 {logged} 条 · 逾期记录 {late} · 逾期客户 {overdue} · 错过下一步 {missed} · 过度跟进 {over}",
    },
    "weekly_title_part": {"en": "Weekly follow-up check ({part}/{parts}) — {team}, week of {day}",
                          "zh-CN": "每周跟进检查（{part}/{parts}）— {team}，{day} 当周"},
    "weekly_reps": {"en": "*Follow-ups by team member:* {count} in the team", "zh-CN": "*按成员统计：* 团队共 {count} 人"},
    "weekly_attention": {"en": "*Customers that need attention:* {count} overdue",
                         "zh-CN": "*需要关注的客户：* 逾期 {count} 个"},
    "weekly_attention_more": {
        "en": "…and {count} more overdue, oldest first. Supervisors see them all on the app's *Home* tab "
              "(*Overdue in my teams*, page by page).",
        "zh-CN": "……还有 {count} 个逾期客户（按逾期时间排序）。主管可在应用的*主页*标签（*团队逾期客户*，可翻页）查看全部。",
    },
    "weekly_attention_line": {"en": "*{number}* · {company} (<@{owner}>) — overdue since {when}",
                              "zh-CN": "*{number}* · {company}（<@{owner}>）— 自 {when} 起逾期"},
    "weekly_all_good": {"en": "No customer is overdue. :white_check_mark:", "zh-CN": "没有逾期客户。:white_check_mark:"},

    # Issues
    "issue_title": {"en": "Complaint / issue", "zh-CN": "投诉/问题"},
    "f_issue_category": {"en": "Category", "zh-CN": "Category 类别"},
    "f_issue_complaint": {"en": "Complaint", "zh-CN": "Complaint 是否投诉"},
    "f_issue_complaint_hint": {"en": "A complaint must be answered within 2 hours.", "zh-CN": "投诉须在 2 小时内响应。"},
    "issue_is_complaint": {"en": "This is a complaint", "zh-CN": "这是客户投诉"},
    "f_issue_severity": {"en": "Severity", "zh-CN": "Severity 严重程度"},
    "f_issue_description": {"en": "Description", "zh-CN": "Description 问题描述"},
    "severity_normal": {"en": "Normal (response within 24 h)", "zh-CN": "一般（24 小时内响应）"},
    "severity_complex": {"en": "Complex (solution within 48 h)", "zh-CN": "复杂（48 小时内给出方案）"},
    "issue_cat_quality": {"en": "Quality", "zh-CN": "质量"},
    "issue_cat_logistics": {"en": "Logistics", "zh-CN": "物流"},
    "issue_cat_after_sales": {"en": "After-sales support", "zh-CN": "售后服务"},
    "issue_cat_billing": {"en": "Billing", "zh-CN": "账单"},
    "issue_cat_other": {"en": "Other", "zh-CN": "其他"},
    "issue_complaint": {"en": "Complaint", "zh-CN": "投诉"},
    "issue_issue": {"en": "Issue", "zh-CN": "问题"},
    "issue_facts": {"en": "*{category}* · {severity} · owner <@{owner}> · reported by <@{user}>",
                    "zh-CN": "*{category}* · {severity} · 负责人 <@{owner}> · 登记人 <@{user}>"},
    "issue_deadline_response": {"en": ":hourglass: Response due {when}", "zh-CN": ":hourglass: 须于 {when} 前响应"},
    "issue_deadline_solution": {"en": ":hourglass: Solution due {when}", "zh-CN": ":hourglass: 须于 {when} 前给出方案"},
    "issue_responded_line": {"en": "Responded by <@{user}> · {when}", "zh-CN": "<@{user}> 已响应 · {when}"},
    "issue_resolved_line": {"en": ":white_check_mark: *Resolved* by <@{user}> · {when}\n{resolution}\n"
                            "*Customer satisfaction:* {satisfaction}/5",
                            "zh-CN": ":white_check_mark: *已解决* · <@{user}> · {when}\n{resolution}\n*客户满意度：* {satisfaction}/5"},
    "responded": {"en": "Responded", "zh-CN": "已响应"},
    "resolved": {"en": "Resolved", "zh-CN": "已解决"},
    "resolve_title": {"en": "Resolve", "zh-CN": "解决问题"},
    "f_resolution": {"en": "Resolution", "zh-CN": "Resolution 解决方案"},
    "report_issue": {"en": "Report issue", "zh-CN": "登记问题"},
    "issue_dm_owner": {"en": ":rotating_light: {number}: <@{user}> reported an issue for *{customer}* · {company}. {deadline}.",
                       "zh-CN": ":rotating_light: {number}：<@{user}> 为 *{customer}* · {company} 登记了问题。{deadline}。"},
    "issue_reported": {"en": ":memo: Issue {number} recorded for *{customer}* · {company}. {deadline}.",
                       "zh-CN": ":memo: 已为 *{customer}* · {company} 登记问题 {number}。{deadline}。"},
    "issue_not_yours": {"en": "Only the customer's owner or a supervisor of {team} can handle this issue.",
                        "zh-CN": "只有客户负责人或 {team} 的主管可以处理该问题。"},
    "issue_not_found": {"en": "That issue no longer exists.", "zh-CN": "该问题记录不存在。"},
    "issue_already_resolved": {"en": "{number} is already resolved.", "zh-CN": "{number} 已解决。"},
    "escalate_issue": {
        "en": ":rotating_light: *{kind} {number} missed its deadline* — *{customer}* · {company} (owner <@{owner}>): "
        "{what} was due {when}; reported {reported}. Rule: complaints answered within {complaint} h, issues within "
        "{normal} h, complex issues solved within {complex} h.",
        "zh-CN": ":rotating_light: *{kind} {number} 已逾期* — *{customer}* · {company}（负责人 <@{owner}>）："
        "{what}应于 {when} 完成；登记于 {reported}。规则：投诉 {complaint} 小时内响应，一般问题 {normal} 小时内响应，"
        "复杂问题 {complex} 小时内解决。",
    },
    "issue_what_response": {"en": "a response", "zh-CN": "响应"},
    "issue_what_solution": {"en": "a solution", "zh-CN": "解决方案"},
    # Churn
    "churn_header": {"en": "Churn warning: {number} · {company}", "zh-CN": "流失预警：{number} · {company}"},
    "churn_facts": {"en": "Owner <@{owner}> · grade {grade} · {status} · last contact {last}\n*Risk score:* {score} "
                    "(threshold {threshold})",
                    "zh-CN": "负责人 <@{owner}> · {grade} 级 · {status} · 最近联系 {last}\n*风险分：* {score}（阈值 {threshold}）"},
    "churn_signals": {"en": "*Why:*\n{lines}", "zh-CN": "*原因：*\n{lines}"},
    "churn_signal_line": {"en": "• {signal}: {points} {points:point|points} ({share}%)", "zh-CN": "• {signal}：{points} 分（{share}%）"},
    "signal_silence": {"en": "Silence longer than the grade's cadence", "zh-CN": "超过等级跟进周期未联系"},
    "signal_frequency_drop": {"en": "Fewer contacts than in the previous 90 days", "zh-CN": "联系频率低于前 90 天"},
    "signal_low_satisfaction": {"en": "Low satisfaction", "zh-CN": "满意度低"},
    "signal_complaints": {"en": "Open or late complaints", "zh-CN": "未解决或逾期的投诉"},
    "signal_payment_delay": {"en": "Payment delay", "zh-CN": "回款延迟"},
    "signal_competitor": {"en": "Competitor mentioned", "zh-CN": "提及竞争对手"},
    "plan_retention": {"en": "Plan retention", "zh-CN": "制定挽回计划"},
    "acknowledge": {"en": "Acknowledge", "zh-CN": "知悉"},
    "mark_churned": {"en": "Mark churned", "zh-CN": "标记流失"},
    "churn_plan_title": {"en": "Retention plan", "zh-CN": "挽回计划"},
    "f_plan_actions": {"en": "Actions", "zh-CN": "Actions 挽回措施"},
    "f_plan_date": {"en": "Date", "zh-CN": "Date 日期"},
    "churn_mark_title": {"en": "Mark churned", "zh-CN": "标记流失"},
    "churn_acknowledged_line": {"en": ":eyes: Acknowledged by <@{user}> · {when}", "zh-CN": ":eyes: <@{user}> 已知悉 · {when}"},
    "churn_plan_line": {"en": ":clipboard: *Retention plan* by <@{user}> for {when}: {plan}",
                        "zh-CN": ":clipboard: *挽回计划*（<@{user}>，{when}）：{plan}"},
    "churn_outcome_line": {"en": "*Outcome:* {outcome} — {reason} · <@{user}> · {when}",
                           "zh-CN": "*结果：* {outcome} — {reason} · <@{user}> · {when}"},
    "outcome_churned": {"en": "churned", "zh-CN": "已流失"},
    "outcome_retained": {"en": "retained", "zh-CN": "已挽回"},
    "outcome_repurchase": {"en": "repurchase", "zh-CN": "已复购"},
    "churn_cleared_note": {"en": ":white_check_mark: The risk score fell to {score}, below the threshold {threshold}: "
                           "*{number}* is no longer flagged.",
                           "zh-CN": ":white_check_mark: 风险分降至 {score}，低于阈值 {threshold}：*{number}* 已解除预警。"},
    "churn_not_yours": {"en": "Only the customer's owner or a supervisor of {team} can act on this warning.",
                        "zh-CN": "只有客户负责人或 {team} 的主管可以处理该预警。"},
    "churn_alert_closed": {"en": "This warning is closed.", "zh-CN": "该预警已关闭。"},
    "retention_planned_ok": {"en": ":clipboard: Retention plan saved; it is due on {when}.",
                             "zh-CN": ":clipboard: 挽回计划已保存，{when} 到期。"},
    "why_retention": {"en": "retention plan ({note})", "zh-CN": "挽回计划（{note}）"},
    "why_repurchase": {"en": "contract ends soon: repurchase opportunity ({note})",
                       "zh-CN": "合同即将到期：复购机会（{note}）"},
    "f_contract_ends_on": {"en": "Contract end date", "zh-CN": "Contract end date 合同到期日"},
    "f_contract_ends_on_hint": {"en": "Empty means 12 months after signing.", "zh-CN": "不填则按签约后 12 个月。"},
    "f_payment_delay_days": {"en": "Payment delay (days)", "zh-CN": "Payment delay 回款延迟（天）"},
    "err_whole_days": {"en": "Give a whole number of days.", "zh-CN": "请填写整数天数。"},
    "err_past_date": {"en": "This date has already passed.", "zh-CN": "这个日期已经过去了。"},
    # Help
    "help": {
        "en": "*What I can do*\n"
        "• `/lead [company]` — register a new lead for review\n"
        "• `/followup` — log a follow-up (`/followup CL2026001` or `/followup Acme` picks the customer)\n"
        "• `/followup CL2026001 called Wang, wants demo; next: send proposal next Wednesday` — log it in one line "
        "(`via email`, `via visit` …; `下一步:` works too)\n"
        "• `/followup show CL2026001` — the customer card\n"
        "• `/followup find <words>` — search your customers\n"
        "• `/followup due` — what is due: overdue, today, the next 3 days\n"
        "• `/followup grade CL2026001` — propose a grade\n"
        "• `/followup won CL2026001` / `/followup lost CL2026001` — the deal review\n"
        "• `/followup pause CL2026001 <reason>` / `/followup resume CL2026001`\n"
        "• `/followup issue CL2026001` — record a complaint or an issue (deadlines by severity)\n"
        "• `/followup report [YYYY-MM]` — the monthly report with charts, by DM (default: last month)\n"
        "• `/followup export` — a spreadsheet of the customers you can see, sent to you by DM\n"
        "• `/followup handover @from @to [CL2026001 …]` — hand a rep's customers over, for approval (supervisors)\n"
        "• `/followup help` — this help",
        "zh-CN": "*我能做什么*\n"
        "• `/lead [企业名]` — 登记新线索并提交审核\n"
        "• `/followup` — 记录跟进（`/followup CL2026001` 或 `/followup 企业名` 可预选客户）\n"
        "• `/followup CL2026001 电话沟通，想看演示；下一步: 下周三发方案` — 一行记录跟进"
        "（可写 `通过邮件`、`通过拜访` 等）\n"
        "• `/followup show CL2026001` — 客户卡片\n"
        "• `/followup find <关键词>` — 查找你的客户\n"
        "• `/followup due` — 待跟进清单：逾期、今天、未来 3 天\n"
        "• `/followup grade CL2026001` — 提议客户等级\n"
        "• `/followup won CL2026001` / `/followup lost CL2026001` — 成交/丢单复盘\n"
        "• `/followup pause CL2026001 <原因>` / `/followup resume CL2026001` — 暂停/恢复跟进\n"
        "• `/followup issue CL2026001` — 登记投诉或问题（按严重程度设定时限）\n"
        "• `/followup report [年-月]` — 月度报告及图表，通过私信发送（默认上个月）\n"
        "• `/followup export` — 导出你可见客户的表格，通过私信发送\n"
        "• `/followup handover @交出人 @接手人 [CL2026001 …]` — 客户交接，提交审批（主管）\n"
        "• `/followup help` — 查看帮助",
    },
    # /followup export
    "export_started": {
        "en": "Preparing your spreadsheet of the customers you can see; it will arrive by DM in a moment.",
        "zh-CN": "正在生成你可见客户的表格，稍后通过私信发送给你。",
    },
    "export_ready": {
        "en": "Your export: {count} {count:customer|customers} with their follow-ups ({file}).",
        "zh-CN": "你的导出：{count} 个客户及其跟进记录（{file}）。",
    },
    "export_failed": {
        "en": "The export could not be sent ({error}). Nothing was shared; please try again.",
        "zh-CN": "导出文件未能发送（{error}），未共享任何内容，请重试。",
    },
    # /followup report and the monthly report (bot.views.reports, bot.views.charts)
    "report_started": {
        "en": "Building your report for {month}; it will arrive by DM in a moment.",
        "zh-CN": "正在生成 {month} 的月度报告，稍后通过私信发送给你。",
    },
    "report_bad_month": {
        "en": "`{text}` is not a month: type `/followup report 2026-10` (YYYY-MM), or nothing for last month.",
        "zh-CN": "`{text}` 不是月份：请输入 `/followup report 2026-10`（年-月），或不带参数查看上个月。",
    },
    "report_future_month": {
        "en": "{month} has not happened yet: there is no report for it.",
        "zh-CN": "{month} 还没有到，暂无报告。",
    },
    "report_before_team": {
        "en": "There is no report for {month}: your team has no customers from before then.",
        "zh-CN": "{month} 没有报告：你的团队在那之前还没有客户记录。",
    },
    "report_failed": {
        "en": "The report could not be sent ({error}). Please try again.",
        "zh-CN": "报告未能发送（{error}），请重试。",
    },
    "report_charts_comment": {"en": "Charts of the report for {month}.", "zh-CN": "{month} 月度报告的图表。"},
    "report_title": {"en": "Monthly report · {month}", "zh-CN": "月度报告 · {month}"},
    "report_title_continued": {"en": "Monthly report · {month} (continued)", "zh-CN": "月度报告 · {month}（续）"},
    "report_section_team": {"en": "{team} — {month} ({tz})", "zh-CN": "{team} — {month}（{tz}）"},
    "report_section_rep": {"en": "{team} — {month}, your own figures ({tz})", "zh-CN": "{team} — {month}，你本人的数据（{tz}）"},
    "report_so_far": {"en": "so far", "zh-CN": "截至目前"},
    "report_rate": {"en": "{percent}% ({part} of {whole})", "zh-CN": "{percent}%（{whole} 中 {part}）"},
    "report_days": {"en": "{days} {days:day|days}", "zh-CN": "{days} 天"},
    "report_no_region": {"en": "no region", "zh-CN": "未填地区"},
    "report_new": {"en": "*New customers:* {count}", "zh-CN": "*新增客户：* {count}"},
    "report_by_status": {"en": "*By status at month end:* {counts}", "zh-CN": "*月末客户状态：* {counts}"},
    "report_by_grade": {"en": "*By grade at month end:* {counts}", "zh-CN": "*月末客户等级：* {counts}"},
    "report_funnel": {"en": "*Funnel (reached by month end):* {steps}", "zh-CN": "*转化漏斗（截至月末到达）：* {steps}"},
    "report_deals": {
        "en": "*Deals won:* {count} · total {total} · average {average} · deal cycle median {median}, mean {mean}",
        "zh-CN": "*成交：* {count} 单 · 总额 {total} · 平均 {average} · 成交周期中位数 {median}，平均 {mean}",
    },
    "report_churn": {"en": "*Churn rate:* {rate} · *warned customers saved:* {saved}",
                     "zh-CN": "*流失率：* {rate} · *预警客户挽回：* {saved}"},
    "report_repurchase": {"en": "*Repurchase rate:* {rate}", "zh-CN": "*复购率：* {rate}"},
    "report_on_time": {"en": "*On-time follow-ups:* {rate}", "zh-CN": "*按时跟进率：* {rate}"},
    "report_logging": {"en": "*24-h logging:* {rate}", "zh-CN": "*24 小时内记录率：* {rate}"},
    "report_issues": {"en": "*Complaints and issues answered in time:* {rate}", "zh-CN": "*投诉与问题按时响应：* {rate}"},
    "report_satisfaction": {"en": "*Satisfaction:* {average} ({count} {count:score|scores})",
                            "zh-CN": "*满意度：* {average}（{count} 个评分）"},
    "report_line": {
        "en": "{new} new · {won} won ({amount}) · on time {on_time} · 24-h {logging} · churn {churn} · "
              "complaints in time {issues}",
        "zh-CN": "新增 {new} · 成交 {won}（{amount}）· 按时跟进 {on_time} · 24 小时记录 {logging} · 流失 {churn} · "
                 "投诉按时 {issues}",
    },
    "report_by_rep": {"en": "*By rep*", "zh-CN": "*按销售代表*"},
    "report_by_grade_title": {"en": "*By grade*", "zh-CN": "*按客户等级*"},
    "report_by_industry_title": {"en": "*By industry*", "zh-CN": "*按行业*"},
    "report_by_region_title": {"en": "*By region*", "zh-CN": "*按地区*"},
    "report_more_reps": {
        "en": "…and {count} more {count:rep|reps}: every rep is in the follow-up rates chart; "
              "`/followup export` has every customer.",
        "zh-CN": "……另有 {count} 位销售代表：全部见跟进率图表；`/followup export` 可导出全部客户。",
    },
    "report_more_lines": {
        "en": "…and {count} more {count:line|lines}: `/followup export` has every customer with its grade, "
              "industry and region.",
        "zh-CN": "……另有 {count} 行：`/followup export` 可导出全部客户及其等级、行业和地区。",
    },
    "report_legend": {
        "en": "Months run 00:00 to 00:00 in the team's time zone. Rates: part of whole. By rep: the customer's owner "
              "today (24-h logging: who logged it). How each figure is counted: docs/reports.md.",
        "zh-CN": "月份按团队时区 00:00 至 00:00 计算。比率为部分/总数。按销售代表：客户当前负责人"
                 "（24 小时记录率按记录人）。各项指标的计算方法见 docs/reports.md。",
    },
    "chart_funnel_title": {"en": "Funnel · {scope} · {month}", "zh-CN": "转化漏斗 · {scope} · {month}"},
    "chart_grades_title": {"en": "Grade mix at month end · {scope} · {month}", "zh-CN": "月末客户等级 · {scope} · {month}"},
    "chart_rates_title": {"en": "On time and 24-h logging · {scope} · {month}",
                          "zh-CN": "按时跟进与 24 小时记录 · {scope} · {month}"},
    "chart_weekly_title": {"en": "New vs churned by week · {scope} · {month}",
                           "zh-CN": "每周新增与流失 · {scope} · {month}"},
    "chart_lowest": {"en": "{title} (lowest {shown} of {count})", "zh-CN": "{title}（{count} 个中最低的 {shown} 个）"},
    "chart_on_time": {"en": "On-time follow-ups", "zh-CN": "按时跟进率"},
    "chart_logging": {"en": "24-h logging", "zh-CN": "24 小时内记录率"},
    "chart_new": {"en": "New customers", "zh-CN": "新增客户"},
    "chart_churned": {"en": "Churned", "zh-CN": "流失"},
    "chart_week_of": {"en": "week of {day}", "zh-CN": "{day} 当周"},
    "chart_all": {"en": "{count} {count:team|teams}", "zh-CN": "{count} 个团队"},
    # App Home
    "home_title": {"en": "Follow-ups", "zh-CN": "客户跟进"},
    "home_my_pending": {"en": "*My requests waiting for a decision:* {count}", "zh-CN": "*等待审批的申请：* {count}"},
    "home_team_pending": {"en": "*Approvals waiting for you:* {count}", "zh-CN": "*待你审批：* {count}"},
    "home_due": {"en": "*My due list:* {overdue} overdue · {today} today · {upcoming} in the next 3 days",
                 "zh-CN": "*我的待跟进：* 逾期 {overdue} · 今天 {today} · 未来 3 天 {upcoming}"},
    "home_by_status": {"en": "*Customers by status:* {counts}", "zh-CN": "*客户状态：* {counts}"},
    "home_by_grade": {"en": "*By grade:* {counts}", "zh-CN": "*客户等级：* {counts}"},
    "home_compliance": {"en": "*24-h logging this month:* {percent} on time ({on_time} of {logged})",
                        "zh-CN": "*本月 24 小时内记录率：* {percent}（{logged} 条中 {on_time} 条及时）"},
    "home_compliance_none": {"en": "*24-h logging this month:* nothing logged yet", "zh-CN": "*本月 24 小时内记录率：* 暂无记录"},
    "home_warning": {"en": "*Customers in warning:* {list}", "zh-CN": "*预警客户：* {list}"},
    "home_warning_count": {"en": "*Customers in warning:* {count}", "zh-CN": "*预警客户：* {count}"},
    "home_overdue": {"en": "*Overdue in my teams:* {count}", "zh-CN": "*团队逾期客户：* {count}"},
    "home_due_line": {"en": "{mark} *{number}* · {company} — {grade} · {status} · {why} · due {when}",
                      "zh-CN": "{mark} *{number}* · {company} — {grade} · {status} · {why} · 到期 {when}"},
    "home_not_in_team": {
        "en": "You are not in a sales team yet. Ask an admin to add you.",
        "zh-CN": "你还不在销售团队中，请联系管理员。",
    },
    # Delivery (the outbox)
    "outbox_unreachable_actor": {
        "en": ":warning: Your supervisors' channel <#{channel}> could not be reached, so what you sent has not "
              "arrived yet; an admin has been told. It will be posted as soon as the bot is in that channel.",
        "zh-CN": ":warning: 无法发送到主管频道 <#{channel}>，你提交的内容暂未送达，已通知管理员。机器人加入该频道后会自动补发。",
    },
    "outbox_unreachable_admin": {
        "en": ":warning: I cannot post in <#{channel}> ({error}). Type `/invite @followup` in that channel: "
              "the messages waiting for it are then sent.",
        "zh-CN": ":warning: 无法在 <#{channel}> 发消息（{error}）。请在该频道输入 `/invite @followup`，等待中的消息随后会补发。",
    },
    "outbox_dropped_admin": {
        "en": ":x: A message could not be delivered and was dropped: `{message_key}` to {channel} — {reason}. "
              "`followup-bot outbox list --dropped` lists every dropped message.",
        "zh-CN": ":x: 一条消息无法送达，已放弃：`{message_key}` 发往 {channel} — {reason}。"
                 "`followup-bot outbox list --dropped` 可查看所有放弃的消息。",
    },
    # Handover (DOMAIN §11)
    "handover_title": {"en": "Handover", "zh-CN": "Handover 离职交接"},
    "handover_review_header": {"en": "Handover request", "zh-CN": "客户交接审批"},
    "handover_intro": {"en": "*<@{from_user}> → <@{to_user}>* · {team}", "zh-CN": "*<@{from_user}> → <@{to_user}>* · {team}"},
    "handover_totals": {
        "en": "*Customers:* {customers} ({grades})\n*Open items:* next steps {next_steps} · due items {due_items} · "
              "open issues {open_issues} · warnings {warnings}",
        "zh-CN": "*客户：* {customers}（{grades}）\n*未结事项：* 下一步计划 {next_steps} · 待办 {due_items} · "
                 "未结问题 {open_issues} · 预警 {warnings}",
    },
    "handover_all_move": {
        "en": "On approval every one of them ({count}) moves to <@{to_user}> with its open items; nothing moves before.",
        "zh-CN": "审批通过后，全部 {count} 个客户连同未结事项移交给 <@{to_user}>；通过前不做任何变更。",
    },
    "handover_some_move": {
        "en": "Only these customers ({count}) move to <@{to_user}> on approval, with their open items.",
        "zh-CN": "审批通过后，仅以下 {count} 个客户连同未结事项移交给 <@{to_user}>。",
    },
    "handover_more": {
        "en": "Listed: {shown} of {total}, most open items first; {more} more are not listed. All {total} move.",
        "zh-CN": "已列出 {total} 个中的 {shown} 个（未结事项多的在前），另有 {more} 个未列出。全部 {total} 个都会移交。",
    },
    "handover_line": {"en": "*{number}* {company} · {grade} · {status} · {last} · {contact}",
                      "zh-CN": "*{number}* {company} · {grade} · {status} · {last} · {contact}"},
    "handover_last_contact": {"en": "last contact {when}", "zh-CN": "最近联系 {when}"},
    "handover_never_contacted": {"en": "not contacted yet", "zh-CN": "尚未联系"},
    "handover_item_step": {"en": "next step {when}", "zh-CN": "下一步 {when}"},
    "handover_item_due": {"en": "due items: {count}", "zh-CN": "待办 {count}"},
    "handover_item_issues": {"en": "open issues: {count}", "zh-CN": "未结问题 {count}"},
    "handover_item_warning": {"en": ":warning: warning", "zh-CN": ":warning: 预警"},
    "handover_reason_hint": {"en": "Why the customers change hands (leaving, new territory …).",
                             "zh-CN": "交接原因（离职、区域调整等）。"},
    "f_handover_effective": {"en": "Effective", "zh-CN": "Effective 生效日期"},
    "handover_effective_hint": {
        "en": "For 4 weeks from this day the successor's digest lists the customers not contacted yet.",
        "zh-CN": "自该日起 4 周内，接手人的周报会列出尚未联系的交接客户。",
    },
    "handover_err_effective": {"en": "Choose a date no more than three months from today.",
                               "zh-CN": "请选择距今不超过三个月的日期。"},
    "f_handover_people": {"en": "From → to", "zh-CN": "交出 → 接手"},
    "f_handover_customers": {"en": "Customers", "zh-CN": "客户"},
    "f_handover_next_steps": {"en": "Planned next steps", "zh-CN": "下一步计划"},
    "f_handover_due_items": {"en": "Open due items", "zh-CN": "未完成待办"},
    "f_handover_open_issues": {"en": "Open issues", "zh-CN": "未结问题"},
    "f_handover_warnings": {"en": "Churn warnings", "zh-CN": "流失预警"},
    "handover_sent": {
        "en": "Handover of <@{from_user}>'s customers ({count}) to <@{to_user}> sent to the supervisors' channel "
              "for approval. Nothing moves before it is approved.",
        "zh-CN": "<@{from_user}> 的客户（{count} 个）移交给 <@{to_user}> 的申请已发到主管频道等待审批，通过前不做任何变更。",
    },
    "handover_dm_successor": {
        "en": ":inbox_tray: <@{user}> approved the handover of <@{from_user}>'s customers to you: {count} "
              "({numbers}), with their open items. They are in your due list now; until {until} the weekly "
              "digest lists those you have not contacted yet.",
        "zh-CN": ":inbox_tray: <@{user}> 批准了 <@{from_user}> 的客户移交给你：{count} 个（{numbers}），连同未结事项。"
                 "它们已在你的待跟进清单中；{until} 之前，周报会列出你尚未联系的客户。",
    },
    "handover_dm_leaver": {
        "en": ":outbox_tray: <@{user}> approved the handover of your customers to <@{to_user}>: {count} ({numbers}). "
              "They are no longer in your lists.",
        "zh-CN": ":outbox_tray: <@{user}> 批准了你的客户移交给 <@{to_user}>：{count} 个（{numbers}）。它们已不在你的清单中。",
    },
    "handover_dm_requester_approved": {
        "en": ":white_check_mark: <@{user}> approved the handover of <@{from_user}>'s customers to <@{to_user}>.",
        "zh-CN": ":white_check_mark: <@{user}> 批准了 <@{from_user}> 的客户移交给 <@{to_user}>。",
    },
    "handover_dm_requester_rejected": {
        "en": ":x: <@{user}> rejected the handover of <@{from_user}>'s customers to <@{to_user}>: {reason}",
        "zh-CN": ":x: <@{user}> 驳回了 <@{from_user}> 的客户移交给 <@{to_user}>：{reason}",
    },
    "handover_dm_requester_needs_info": {
        "en": ":x: <@{user}> did not approve the handover of <@{from_user}>'s customers to <@{to_user}>: {reason}",
        "zh-CN": ":x: <@{user}> 未批准 <@{from_user}> 的客户移交给 <@{to_user}>：{reason}",
    },
    "handover_not_allowed": {"en": "Only a supervisor or an admin can hand customers over. Nothing was changed.",
                             "zh-CN": "只有主管或管理员可以办理客户交接，未做任何更改。"},
    "handover_same_person": {"en": "<@{user}> cannot take over their own customers: choose someone else.",
                             "zh-CN": "<@{user}> 不能接手自己的客户，请选择其他人。"},
    "handover_nothing": {"en": "<@{user}> owns no customers you can hand over. Nothing was changed.",
                         "zh-CN": "<@{user}> 没有你可以移交的客户，未做任何更改。"},
    "handover_successor_not_in_team": {
        "en": "<@{user}> cannot take over: the successor must be an active member of {team}. Nothing was changed.",
        "zh-CN": "<@{user}> 不能接手：接手人必须是 {team} 的在职成员。未做任何更改。",
    },
    "handover_not_theirs": {"en": "Not customers of <@{user}> in this team: {numbers}. Nothing was changed.",
                            "zh-CN": "以下不是 <@{user}> 在本团队的客户：{numbers}。未做任何更改。"},
    "handover_usage": {
        "en": "Usage: `/followup handover @from @to`, optionally followed by customer numbers "
              "(`/followup handover @from @to CL2026001 CL2026007`) to move only those.",
        "zh-CN": "用法：`/followup handover @交出人 @接手人`，可在后面加客户编号"
                 "（`/followup handover @交出人 @接手人 CL2026001 CL2026007`）只移交这些客户。",
    },
    "handover_too_many": {"en": "At most {limit} customer numbers at once; without numbers every customer moves.",
                          "zh-CN": "一次最多 {limit} 个客户编号；不写编号则移交全部客户。"},
    "handover_bad_number": {"en": "“{value}” is not a customer number.", "zh-CN": "“{value}” 不是客户编号。"},
    "handover_draft_header": {"en": "Handover needed", "zh-CN": "需要办理客户交接"},
    "handover_draft_text": {"en": "Handover needed: <@{user}>'s Slack account is deactivated",
                            "zh-CN": "需要办理客户交接：<@{user}> 的 Slack 账号已停用"},
    "handover_draft_body": {
        "en": ":bust_in_silhouette: <@{user}>'s Slack account is deactivated.\n*Customers:* {customers} · "
              "*open items:* {items}\nChoose a successor: the handover then goes for approval like any other. "
              "Until then these customers need a new owner.",
        "zh-CN": ":bust_in_silhouette: <@{user}> 的 Slack 账号已停用。\n*客户：* {customers} · *未结事项：* {items}\n"
                 "请选择接手人，交接随后按常规审批。在此之前这些客户需要新的负责人。",
    },
    "handover_pick": {"en": "Choose a successor", "zh-CN": "选择接手人"},
    "handover_draft_pending": {"en": ":hourglass: <@{user}> chose <@{successor}> as successor: waiting for approval.",
                               "zh-CN": ":hourglass: <@{user}> 选择了 <@{successor}> 作为接手人，等待审批。"},
    "handover_draft_done": {"en": ":white_check_mark: Handed over to <@{successor}>, approved by <@{user}> "
                                  "(customers moved: {count}).",
                            "zh-CN": ":white_check_mark: 已移交给 <@{successor}>，由 <@{user}> 批准（移交客户 {count} 个）。"},
    "handover_draft_cancelled": {"en": ":leftwards_arrow_with_hook: Cancelled: <@{user}>'s account is active again.",
                                 "zh-CN": ":leftwards_arrow_with_hook: 已取消：<@{user}> 的账号已恢复。"},
    "handover_draft_rejected": {"en": "The handover to <@{successor}> was rejected: choose another successor.",
                                "zh-CN": "移交给 <@{successor}> 的申请被驳回，请选择其他接手人。"},
    "handover_draft_closed": {"en": "This handover draft is already decided or cancelled. Nothing was changed.",
                              "zh-CN": "该交接草稿已处理或已取消，未做任何更改。"},
    "handover_successor_sent": {
        "en": "Handover of <@{from_user}>'s customers to <@{to_user}> sent for approval.",
        "zh-CN": "<@{from_user}> 的客户移交给 <@{to_user}> 的申请已提交审批。",
    },
    "handover_reason_deactivated": {"en": "Slack account deactivated", "zh-CN": "Slack 账号已停用"},
    "handover_awaiting_title": {"en": "*Handed over, not contacted yet by the successor:* {count}",
                                "zh-CN": "*已交接、接手人尚未联系：* {count}"},
    "handover_awaiting_line": {
        "en": "• *{number}* {company} — <@{from_user}> → <@{to_user}> on {day}, not contacted yet (listed until {until})",
        "zh-CN": "• *{number}* {company} — {day} 由 <@{from_user}> 交接给 <@{to_user}>，尚未联系（列出至 {until}）",
    },
    "handover_awaiting_mine": {
        "en": "*Handed over to you, not contacted yet:* {count}. Log a follow-up with each this week.",
        "zh-CN": "*交接给你、尚未联系的客户：* {count}。请本周内逐一跟进并记录。",
    },
    "handover_needs_owner_title": {"en": "*Needs a new owner:* {count}", "zh-CN": "*需要新负责人：* {count}"},
    "handover_needs_owner_line": {
        "en": "• *{number}* {company} — <@{owner}>'s account is deactivated",
        "zh-CN": "• *{number}* {company} — <@{owner}> 的账号已停用",
    },
    "handover_lines_more": {"en": "…and {count} more.", "zh-CN": "……还有 {count} 个。"},
}


def plural_form(lang: Lang, count: Any) -> str:
    """The CLDR plural category of ``count`` in ``lang``: "one" or "other".

    English: "one" for an integer 1 (1.5 and 1.0 written with decimals are "other"); Chinese and
    the languages we do not know: always "other".
    """
    if not str(lang).lower().startswith("en"):
        return "other"
    if isinstance(count, bool):
        return "other"
    if isinstance(count, int) or (isinstance(count, Decimal) and count == count.to_integral_value()
                                  and isinstance(exponent := count.as_tuple().exponent, int) and exponent >= 0):
        return "one" if count == 1 else "other"
    if isinstance(count, str) and count.strip().lstrip("+").isdigit():
        return "one" if int(count) == 1 else "other"
    return "other"


class _Formatter(string.Formatter):
    """``str.format`` plus the plural choice ``{n:one|other}`` of the module doc."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec:
            one, other = format_spec.split("|", 1)
            return one if plural_form(self.lang, value) == "one" else other
        return super().format_field(value, format_spec)


def plural_choices(text: str) -> list[tuple[str, str]]:
    """The plural choices of a catalog text: ``(placeholder, "one|other")`` pairs."""
    return [(name, spec) for _, name, spec, _ in string.Formatter().parse(text) if name and spec and "|" in spec]


def t(key: str, lang: Lang, **values: Any) -> str:
    entry = CATALOG[key]
    text = entry.get(lang) or entry["en"]
    if not values:
        return text
    return _Formatter(lang if lang in entry else "en").format(text, **values)


def lang_from_locale(locale: str | None) -> Lang | None:
    if not locale:
        return None
    return "zh-CN" if locale.lower().startswith("zh") else "en"
