"""The codes the system stores (a visit's kind, a notification's status, a pause's reason...)
and the words people read for them.

Each group is a gettext context, so a code's word is told apart from the same English word
elsewhere ("done" as a referral's status, not as an answer). ``NP_`` only marks a word for
``pybabel extract`` (keyword ``NP_:1c,2``); the translation happens when a page asks for it."""

from __future__ import annotations


def NP_(context: str, message: str) -> str:  # noqa: N802 - gettext's naming of a marker
    return message


CODES: dict[str, dict[str, str]] = {
    "inbox_kind": {
        "reminder": NP_("inbox_kind", "Reminder"),
        "escalation": NP_("inbox_kind", "Escalation"),
        "duration_elapsed": NP_("inbox_kind", "Stage time is up"),
        "partner_unreachable": NP_("inbox_kind", "A partner was not reached"),
        "certificate_lapsed": NP_("inbox_kind", "The certificate has lapsed"),
        "follow_up_due": NP_("inbox_kind", "Record the client's status 3 months after exit"),
        "appointment_reminder": NP_("inbox_kind", "A booked visit tomorrow"),
        "appointment_missed": NP_("inbox_kind", "A booked visit was missed"),
    },
    "inbox_watch": {
        "visit": NP_("inbox_watch", "a visit to the client"),
        "stage_deadline": NP_("inbox_watch", "the stage's deadline"),
        "referral": NP_("inbox_watch", "a partner's answer to a referral"),
        "certificate": NP_("inbox_watch", "the certificate's validity"),
        "action": NP_("inbox_watch", "an action of the plan"),
        "plan_review": NP_("inbox_watch", "the plan's review"),
        "appointment": NP_("inbox_watch", "a booked visit"),
    },
    "week_what": {
        "visit": NP_("week_what", "visit"),
        "stage_deadline": NP_("week_what", "stage deadline"),
        "appointment": NP_("week_what", "booked visit"),
    },
    "sign_in": {
        "invalid_credentials": NP_("sign_in", "Wrong username or password."),
        "too_many_attempts": NP_("sign_in", "Too many sign-in attempts. Please try again in %(minutes)s min."),
        "sign_in_unavailable": NP_("sign_in", "Signing in is unavailable for a moment. Please try again shortly."),
    },
    "severity": {
        "high": NP_("severity", "high"),
        "medium": NP_("severity", "medium"),
        "low": NP_("severity", "low"),
    },
    # The client's profile and outcomes (issue 14, section 5).
    "sex": {"female": NP_("sex", "woman"), "male": NP_("sex", "man"), "not_recorded": NP_("sex", "not recorded")},
    "labour_status": {
        "registered_unemployed": NP_("labour_status", "unemployed, registered at the labour office"),
        "unemployed_not_registered": NP_("labour_status", "unemployed, not registered"),
        "inactive": NP_("labour_status", "economically inactive"),
        "employed": NP_("labour_status", "employed"),
        "unknown": NP_("labour_status", "not known (no contact)"),
        "not_recorded": NP_("labour_status", "not recorded"),
    },
    "disability_degree": {
        "light": NP_("disability_degree", "light"),
        "moderate": NP_("disability_degree", "moderate"),
        "severe": NP_("disability_degree", "severe"),
        "none": NP_("disability_degree", "no disability"),
        "unknown": NP_("disability_degree", "not recorded"),
    },
    "profile_field": {
        "sex": NP_("profile_field", "sex"),
        "birth_year": NP_("profile_field", "age (birth year)"),
        "labour_status": NP_("profile_field", "labour-market status"),
        "disability": NP_("profile_field", "disability"),
    },
    "outcome_rate": {
        "employed_at_exit": NP_("outcome_rate", "Employed at exit"),
        "employed_after_exit": NP_("outcome_rate", "Employed 3 months after exit"),
        "internship_to_employment": NP_("outcome_rate", "Internship → employment"),
    },
    "profile_dimension": {
        "sex": NP_("profile_dimension", "Sex"),
        "age_band": NP_("profile_dimension", "Age at opening"),
        "labour_status": NP_("profile_dimension", "Labour-market status"),
        "disability": NP_("profile_dimension", "Disability"),
        "outcome": NP_("profile_dimension", "Exit"),
        "exit_status": NP_("profile_dimension", "Status at exit"),
    },
    "age_band": {
        "under_30": NP_("age_band", "under 30"),
        "30_49": NP_("age_band", "30–49"),
        "50_54": NP_("age_band", "50–54"),
        "55_plus": NP_("age_band", "55 and over"),
        "unknown": NP_("age_band", "not recorded"),
    },
    "field": {
        "agreed_on": NP_("field", "Agreed on"),
        "zi_reference": NP_("field", "ZI reference"),
        "employer": NP_("field", "Employer"),
        "started_on": NP_("field", "Started on"),
        "contract": NP_("field", "Contract (code)"),
        "valid_until": NP_("field", "Valid until"),
        "valid_from": NP_("field", "Valid from"),
        "degree": NP_("field", "Degree (code)"),
        "permanent": NP_("field", "Permanent (no end date)"),
    },
    "overdue": {
        "stage_deadline": NP_("overdue", "Stage overdue (%(days)s)"),
        "visit": NP_("overdue", "Visit overdue (%(days)s)"),
        "referral": NP_("overdue", "Referral unanswered (%(days)s)"),
        "action": NP_("overdue", "Action overdue (%(days)s)"),
        "plan_review": NP_("overdue", "Plan review overdue (%(days)s)"),
    },
    "plan_status": {
        "planned": NP_("plan_status", "planned"),
        "done": NP_("plan_status", "done"),
        "dropped": NP_("plan_status", "dropped"),
    },
    "plan_owner": {
        "coordinator": NP_("plan_owner", "the coordinator"),
        "member": NP_("plan_owner", "a family member"),
        "partner": NP_("plan_owner", "a partner"),
    },
    "drop_reason": {
        "not_needed": NP_("drop_reason", "no longer needed"),
        "client_declined": NP_("drop_reason", "the client declined"),
        "partner_unavailable": NP_("drop_reason", "the partner is unavailable"),
        "replaced": NP_("drop_reason", "replaced by another action"),
        "circumstances_changed": NP_("drop_reason", "circumstances changed"),
        "other": NP_("drop_reason", "other"),
    },
    "done": {
        "advance": NP_("done", "Move made. Current stage: %(stage)s."),
        "visit": NP_("done", "Visit recorded."),
        "fact": NP_("done", "Saved."),
        "pause": NP_("done", "Case paused."),
        "resume": NP_("done", "Case resumed."),
        "close": NP_("done", "Case closed."),
        "open": NP_("done", "Case opened."),
        "consent": NP_("done", "Consent recorded."),
        "withdraw": NP_("done", "Consent withdrawn."),
        "refer": NP_("done", "Referral made."),
        "answer": NP_("done", "Partner's answer saved."),
        "follow_up": NP_("done", "The status after exit is recorded."),
        "book": NP_("done", "Visit booked."),
        "book_late": NP_("done", "Visit booked, later than the visit rhythm allows: it is due on the booked day."),
        "cancel_appointment": NP_("done", "Booked visit cancelled."),
        "member_add": NP_("done", "Family member added."),
        "member_change": NP_("done", "Family member's details changed."),
        "member_erase": NP_("done", "Family member's data erased."),
        "plan_goal": NP_("done", "Goal added to the plan."),
        "plan_action": NP_("done", "Action added to the plan."),
        "plan_status": NP_("done", "Action's status changed."),
    },
    "member_role": {
        "parent": NP_("member_role", "parent"),
        "child": NP_("member_role", "child"),
        "partner": NP_("member_role", "partner"),
        "other_adult": NP_("member_role", "other adult"),
        "experiencing_violence": NP_("member_role", "person experiencing violence"),
        "using_violence": NP_("member_role", "person using violence"),
    },
    "sector": {
        "public": NP_("sector", "Public"),
        "non_public": NP_("sector", "Non-public"),
        "private": NP_("sector", "Private"),
    },
    "rule": {
        "stage_overdue": NP_("rule", "Stage deadline passed"),
        "visit_overdue": NP_("rule", "Visit overdue"),
        "inactive": NP_("rule", "Nothing done on the case"),
        "paused_too_long": NP_("rule", "Paused too long"),
        "action_overdue": NP_("rule", "An action of the plan overdue"),
        "review_overdue": NP_("rule", "The plan's review overdue"),
    },
    "status": {
        "delivered": NP_("status", "delivered"),
        "duplicate": NP_("status", "delivered (repeat)"),
        "pending": NP_("status", "pending"),
        "failed": NP_("status", "not delivered"),
        "skipped": NP_("status", "skipped (partner has no channel)"),
        "refused": NP_("status", "refused by the receiver"),
        "withheld": NP_("status", "withheld: no consent from the client"),
        "blocked": NP_("status", "blocked: the perpetrator's contact"),
    },
    "visit_kind": {
        "home": NP_("visit_kind", "home"),
        "office": NP_("visit_kind", "at the centre"),
        "phone": NP_("visit_kind", "phone"),
        "outreach": NP_("visit_kind", "outreach"),
        "accompanying": NP_("visit_kind", "accompanying"),
    },
    "pause": {
        "hospital": NP_("pause", "hospital stay"),
        "shelter": NP_("pause", "shelter stay / relocation"),
        "other": NP_("pause", "other"),
    },
    "referral": {
        "pending": NP_("referral", "awaiting answer"),
        "accepted": NP_("referral", "accepted"),
        "rejected": NP_("referral", "rejected"),
        "done": NP_("referral", "done"),
    },
    "answer": {
        "accepted": NP_("answer", "accepted"),
        "rejected": NP_("answer", "rejected"),
        "done": NP_("answer", "done"),
    },
    "reject": {
        "no_places": NP_("reject", "no places"),
        "not_eligible": NP_("reject", "not eligible"),
        "client_declined": NP_("reject", "the client declined"),
        "no_contact": NP_("reject", "no contact with the client"),
    },
    "refusal": {
        "consent_required": NP_(
            "refusal", "The client has not consented to sharing data with this partner. Record the consent first."
        ),
        "unknown_partner": NP_("refusal", "No such partner in the resource map."),
        "email_required": NP_("refusal", "To be told by e-mail, give an e-mail address."),
        "role_not_allowed": NP_("refusal", "This pathway does not allow that role for a family member."),
        "invalid_birth_year": NP_("refusal", "The birth year cannot be in the future or more than 120 years ago."),
        "school_not_for_role": NP_("refusal", "A school or kindergarten is recorded for a child only."),
        "member_erased": NP_("refusal", "This family member's data was erased."),
        "unknown_member": NP_("refusal", "That person is not a member of this case's family."),
        "household_full": NP_("refusal", "A family has at most 30 members here."),
        "missing_goal_title": NP_("refusal", "Give the goal a title."),
        "missing_action_title": NP_("refusal", "Give the action a title."),
        "unknown_goal": NP_("refusal", "The plan has no such goal."),
        "unknown_action": NP_("refusal", "The plan has no such action."),
        "stale_plan": NP_(
            "refusal", "The plan was changed in the meantime by someone else. Read it again and repeat the change."
        ),
        "missing_reason": NP_("refusal", "A dropped action needs a reason."),
        "visit_repeated": NP_(
            "refusal",
            "A visit of this kind and length is already recorded within an hour of this one. "
            "If this is another visit, confirm it below and log it again.",
        ),
        "appointment_in_the_past": NP_("refusal", "A visit can only be booked for a time still to come."),
        "appointment_too_late": NP_(
            "refusal",
            "A visit cannot be booked that late: at the latest on the last day before the supervisor "
            "would be told that the visit is overdue (and at most three months ahead).",
        ),
    },
}
