"""The client's profile and the outcomes funders ask for (issue 14, section 5), as use cases:
the profile checked at opening against what the definition requires and who the pathway is
for; the employment status at exit, required with the command that ends a case; the status 3
months after exit; a case's profile read back.

All of it is personal data: sealed in the store under the client's key (erasing the client
erases it), never sent to Temporal, never written to the audit trail (it records field names
and ids only)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from pathway.app.access import visible_case
from pathway.app.command_keys import one_command_per_key
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.schemas import CaseOut, CaseWarning
from pathway.core import calendar as cal
from pathway.core.definition import Definition
from pathway.core.definition.profile import LabourStatus, ProfilePolicy
from pathway.core.profile import Profile, missing, not_eligible, not_given
from pathway.i18n.words import Words
from pathway.security.policy import Action
from pathway.store import profiles as store
from pathway.store.models import Case, utcnow


class FollowUpRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The client's status 3 months after exit; "unknown" when she could not be reached.
    status: LabourStatus | Literal["unknown"]


class ProfileOut(BaseModel):
    case_id: str
    profile: Profile | None = None
    exit_status: str | None = None
    exited_at: datetime | None = None
    follow_up_due_on: date | None = None  # the day the status after exit is to be recorded
    follow_up_status: str | None = None
    follow_up_recorded_at: datetime | None = None
    erased: bool = False


def _policy(ctx: Context, case: Case) -> tuple[Definition | None, ProfilePolicy | None]:
    entry = ctx.services.catalog.get(case.definition_id)
    return (entry.definition, entry.definition.profile) if entry else (None, None)


def _named(words: Words, fields: list[str]) -> str:
    return ", ".join(words.code("profile_field", f) for f in fields)


def eligibility_warning(fields: list[str], absent: list[str], confirmed: bool) -> CaseWarning:
    """The warning about a client the pathway is not for, in Polish and in English."""

    def say(lang: str) -> str:
        w = Words(lang)
        parts = []
        if fields:
            parts.append(w._("The client does not meet who this pathway is for: %(fields)s.", fields=_named(w, fields)))
        if absent:
            parts.append(w._("Not recorded, so not checked: %(fields)s.", fields=_named(w, absent)))
        if confirmed:
            parts.append(w._("The coordinator confirmed opening the case."))
        return " ".join(parts)

    return CaseWarning(
        code="not_eligible", fields=fields, missing=absent, confirmed=confirmed, message=say("pl"), message_en=say("en")
    )


def check_opening(
    definition: Definition, profile: Profile | None, *, opened_at: datetime, confirmed: bool
) -> list[CaseWarning]:
    """Refuse (422, naming the fields) a profile without what the definition requires or that a
    refusing eligibility rule rules out; the warnings of a warning rule otherwise."""
    given = profile or Profile()
    year = cal.local_date(opened_at, definition.timezone).year
    if given.birth_year is not None and given.birth_year > year:
        raise AppError(422, "invalid_profile", "the birth year is after the opening", field="profile.birth_year")
    policy = definition.profile
    absent = missing(given, policy)
    if absent:
        names = [f"profile.{f}" for f in absent]
        raise AppError(422, "profile_required", f"this pathway needs {', '.join(names)}", field=names[0], fields=names)
    rule = policy.eligibility if policy else None
    misses, unknown = not_eligible(given, rule, year), not_given(given, rule)
    if rule is None or not (misses or unknown):
        return []
    if rule.on_fail == "refuse":
        names = [f"profile.{f}" for f in misses]
        raise AppError(
            422,
            "not_eligible",
            f"this pathway is not for this client: {', '.join(names)}",
            field=names[0],
            fields=names,
        )
    return [eligibility_warning(list(misses), list(unknown), confirmed)]


def keep_entry(ctx: Context, case: Case, profile: Profile | None) -> None:
    if profile is not None and not profile.is_empty() and case.client_id is not None:
        entry = profile.model_dump_json(exclude_none=True)
        store.keep_entry(ctx.session, vault=ctx.vault, case_id=case.id, client_id=case.client_id, entry=entry)


async def record_override(ctx: Context, case_id: str, warnings: list[CaseWarning]) -> None:
    """The audit trail keeps that the coordinator opened the case despite the warning: the
    field names, never their values."""
    for w in warnings:
        if w.confirmed:
            await ctx.record("case.eligibility_override", case_id=case_id, fields=w.fields, missing=w.missing)


# ---------------------------------------------------------------- the end of a case
def ending_triggers(definition: Definition, stage: str) -> set[str]:
    """The moves from ``stage`` that end the case (they ask for the status at exit)."""
    return {t.trigger for t in definition.transitions_from(stage) if definition.stages[t.dest].terminal}


def _may_end(definition: Definition, trigger: str) -> bool:
    return any(t.trigger == trigger and definition.stages[t.dest].terminal for t in definition.transitions)


async def check_exit(
    ctx: Context, case: Case, *, trigger: str | None, exit_status: str | None, outcome: str | None = None
) -> None:
    """Before a move (``trigger``) or a close (None): 422 when it ends the case, the pathway
    asks for the employment status at exit and none is given; 422 when one is given with a
    move that never ends a case."""
    definition, policy = _policy(ctx, case)
    if definition is None:
        return
    if trigger is not None and not _may_end(definition, trigger):
        if exit_status is not None:
            raise AppError(
                422, "exit_status_not_ending", f"the move '{trigger}' does not end the case", field="exit_status"
            )
        return
    if exit_status is not None or policy is None or not policy.exit_status:
        return
    if trigger is None and outcome not in definition.outcomes:
        return  # not an ending the pathway knows: the workflow refuses it, naming the outcomes
    if trigger is not None:
        ctx.release_connection()
        if trigger not in ending_triggers(definition, (await ctx.gateway.state(case.id)).stage):
            return
    raise AppError(
        422, "exit_status_required", "ending this case needs the employment status at exit", field="exit_status"
    )


def keep_exit(ctx: Context, case: Case, out: CaseOut, exit_status: str | None) -> None:
    """After the command: the status at exit, when the case has ended (and when the 3-month
    follow-up falls due, if the pathway asks for one)."""
    if exit_status is None or out.status != "closed" or case.client_id is None:
        return
    definition, policy = _policy(ctx, case)
    at = out.stage_entered_at
    after = policy.follow_up_after if policy else None
    due = cal.after(at, after, definition.timezone) if after is not None and definition is not None else None
    store.record_exit(
        ctx.session,
        vault=ctx.vault,
        case_id=case.id,
        client_id=case.client_id,
        status=exit_status,
        at=at,
        follow_up_due_at=due,
    )


# ---------------------------------------------------------------- after the end, and reading it
async def record_follow_up(ctx: Context, case_id: str, body: FollowUpRequest, key: str | None) -> ProfileOut:
    """The client's status some months after exit (the reminder in the inbox asks for it)."""
    case = visible_case(ctx, case_id, Action.CASE_ACT)
    async with one_command_per_key(ctx, key, command="follow_up", case_id=case_id, body=body):
        ended = case.status == "closed" or store.exit_recorded(ctx.session, case_id=case_id)
        if not ended or case.client_id is None:
            raise AppError(409, "case_not_ended", "the status after exit is recorded once the case has ended")
        store.record_follow_up(
            ctx.session, vault=ctx.vault, case_id=case_id, client_id=case.client_id, status=body.status, at=utcnow()
        )
    await ctx.record("case.follow_up", case_id=case_id)
    return _profile_out(ctx, case_id)


async def read_profile(ctx: Context, case_id: str) -> ProfileOut:
    """The case's profile and outcomes, opened (a read recorded in the audit trail)."""
    out = _profile_out(ctx, case_id)
    await ctx.record("profile.read", case_id=case_id)
    return out


def _profile_out(ctx: Context, case_id: str) -> ProfileOut:
    case = visible_case(ctx, case_id, Action.CLIENT_READ)
    row = store.read(ctx.session, vault=ctx.vault, case_id=case_id)
    if row is None:
        return ProfileOut(case_id=case_id)
    definition, _ = _policy(ctx, case)
    tz = definition.timezone if definition else ctx.services.settings.tz
    return ProfileOut(
        case_id=case_id,
        profile=Profile.model_validate_json(row.entry) if row.entry else None,
        exit_status=row.exit_status,
        exited_at=row.exited_at,
        follow_up_due_on=cal.local_date(row.follow_up_due_at, tz) if row.follow_up_due_at else None,
        follow_up_status=row.follow_up_status,
        follow_up_recorded_at=row.follow_up_recorded_at,
        erased=row.erased,
    )
