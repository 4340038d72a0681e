"""Block, action and callback ids shared by the builders and the handlers."""

# Views (callback ids)
LEAD_VIEW = "lead"
DECISION_REASON_VIEW = "approval_reason"

# Actions
APPROVE = "approval_approve"
NEEDS_INFO = "approval_needs_info"
REJECT = "approval_reject"
COMPLETE_LEAD = "lead_complete"

# Blocks of the decision-reason modal
REASON_BLOCK = "reason"

# Fields of the New lead modal: block id = action id = field name (bot.domain.leads.LEAD_FIELDS)

# Log follow-up modal
FOLLOWUP_VIEW = "followup"
FU_PREFIX = "fu_"  # action id = FU_PREFIX + field; block id = field
FU_CUSTOMER = "fu_customer"
FU_STAGE = "fu_stage"
FU_WHEN = "fu_when"
FU_NEXT_DATE = "fu_next_step_date"
WHEN_PREVIEW = "when_preview"
NEXT_DATE_PREVIEW = "next_step_date_preview"
# Buttons
LOG_FOLLOWUP = "followup_log"
EDIT_FOLLOWUP = "followup_edit"

# Grades
GRADE_VIEW = "grade"
GRADE_INPUT_ACTIONS = ("gr_annual_purchase", "gr_potential", "gr_grade")
PROPOSE_GRADE = "grade_propose"
SUGGESTION_BLOCK = "grade_suggestion"

# Deals
DEAL_VIEW = "deal"
DEAL_COMMENT_VIEW = "deal_comment"
DEAL_COMMENT = "deal_comment"

# Due lists
SNOOZE = "due_snooze"
SNOOZE_VIEW = "snooze"
DUE_PREVIOUS = "due_page_previous"  # pager of an ephemeral `/followup due` answer
DUE_NEXT = "due_page_next"

# App Home pagers (one pair per paged list; the value names the pages, bot.views.metadata.HomePages)
HOME_PREVIOUS = "home_page_previous"
HOME_NEXT = "home_page_next"

# Issues
ISSUE_VIEW = "issue"
ISSUE_RESOLVE_VIEW = "issue_resolve"
ISSUE_RESPONDED = "issue_responded"
ISSUE_RESOLVED = "issue_resolved"
REPORT_ISSUE = "issue_report"

# Churn alerts
PLAN_RETENTION = "churn_plan"
ACKNOWLEDGE = "churn_ack"
MARK_CHURNED = "churn_mark"
PLAN_VIEW = "churn_plan"
CHURNED_VIEW = "churn_mark"

# Handover
HANDOVER_VIEW = "handover"
HANDOVER_SUCCESSOR = "handover_successor"  # the users_select of a deactivated rep's draft
HANDOVER_DRAFT_BLOCK = "handover_draft_"  # + the handover id: the block holding that picker

# Where a modal shows a refusal (not allowed, not found, out of date): errors must sit on an input
# block. Modals not listed show it at their first input block.
REFUSAL_FIELDS = {
    LEAD_VIEW: "company", DECISION_REASON_VIEW: REASON_BLOCK, FOLLOWUP_VIEW: "notes", GRADE_VIEW: "grade",
    SNOOZE_VIEW: "reason", ISSUE_VIEW: "description", ISSUE_RESOLVE_VIEW: "resolution", DEAL_COMMENT_VIEW: "comment",
    PLAN_VIEW: "actions", CHURNED_VIEW: "reason", HANDOVER_VIEW: "reason",
}
