"""Who may do what, asked of the policy (pathway.security.policy) by every use case, and the
case as the asking person may see it.

A case the person may not see answers "not found" exactly like one that does not exist,
whatever their role and whatever they asked to do with it: its existence is not disclosed."""

from __future__ import annotations

from pathway.app.context import Context
from pathway.app.errors import AppError, not_found
from pathway.security.accounts import Principal
from pathway.security.policy import Action, CaseScope, decide, own_cases_only
from pathway.store import queries
from pathway.store.models import Case


def authorize(principal: Principal, action: Action, case: CaseScope | None = None) -> None:
    decision = decide(principal, action, case)
    if not decision.allowed:
        if decision.status == 404:
            raise AppError(404, "not_found", "not found")
        raise AppError(403, "forbidden", decision.reason)


def visible_case(ctx: Context, case_id: str, action: Action = Action.CASE_READ) -> Case:
    """The case row, if it exists and the policy lets the person do ``action`` on it."""
    case = queries.get_case(ctx.session, case_id=case_id)
    if case is None:
        raise not_found("case", case_id)
    scope = CaseScope(unit_id=case.unit_id, coordinator_id=case.coordinator_id)
    # Whether the person may see the case comes before what they ask to do with it: asked to
    # reassign a colleague's case, a coordinator would otherwise get "forbidden" (it exists)
    # where a made-up id gets "not found".
    if not decide(ctx.actor, Action.CASE_READ, scope).allowed:
        raise not_found("case", case_id)
    try:
        authorize(ctx.actor, action, scope)
    except AppError as refused:
        if refused.status == 404:
            raise not_found("case", case_id) from None
        raise
    return case


def coordinator_scope(principal: Principal, requested: str | None) -> str | None:
    """The coordinator filter of a list or audit: a coordinator is held to their own cases
    (asking for a colleague's is refused); a supervisor may ask for anyone's or everyone's."""
    own = own_cases_only(principal)
    if own is None:
        return requested
    if requested not in (None, own):
        raise AppError(403, "forbidden", "a coordinator sees only their own cases")
    return own


def own_unit(principal: Principal, requested: str | None) -> str:
    """The unit filter of an audit or report: always the principal's own unit (asking for
    another unit's is refused, as if it did not exist)."""
    if requested not in (None, principal.unit_id):
        raise AppError(404, "unit_not_found", f"no unit '{requested}'")
    return principal.unit_id
