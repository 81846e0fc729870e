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
    },
    "inbox_watch": {
        "visit": NP_("inbox_watch", "a visit to the client"),
        "stage_deadline": NP_("inbox_watch", "the stage's deadline"),
        "referral": NP_("inbox_watch", "a partner's answer to a referral"),
        "certificate": NP_("inbox_watch", "the certificate's validity"),
    },
    "week_what": {
        "visit": NP_("week_what", "visit"),
        "stage_deadline": NP_("week_what", "stage deadline"),
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
        "member_add": NP_("done", "Family member added."),
        "member_erase": NP_("done", "Family member's data erased."),
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
        "visit_repeated": NP_(
            "refusal",
            "A visit of this kind and length is already recorded within an hour of this one. "
            "If this is another visit, confirm it below and log it again.",
        ),
    },
}
