"""A visit sent again by a person who pressed Back and submitted the visit form once more.

The form's Idempotency-Key is made when the page is rendered, and pages with client data
are never cached, so Back renders the form anew, with a new key: the key cannot tell the
second submit from a real second visit. What can: a visit of the same kind and length,
recorded for the case less than ``WINDOW`` before or after it. Such a visit is refused with
``visit_repeated`` unless the person confirms that it is another visit.

A visit sent again with the key it was first sent with (a visit kept on a device while
there was no signal, or across signing in again, sent twice) is not a repeat to ask about:
the key already names it, and ``record_visit`` answers with its first outcome."""

from __future__ import annotations

from datetime import timedelta

from pathway.app.access import visible_case
from pathway.app.context import Context
from pathway.app.errors import AppError
from pathway.app.schemas import VisitRequest
from pathway.security.policy import Action
from pathway.store import command_keys, history

WINDOW = timedelta(hours=1)


def refuse_a_repeat(ctx: Context, case_id: str, body: VisitRequest, *, confirmed: bool, key: str | None) -> None:
    """Refuse (409 ``visit_repeated``) a visit nearly identical to one already recorded,
    unless ``confirmed`` or sent again with its own key; the refusal names the recorded
    visit's sequence number."""
    if confirmed:
        return
    visible_case(ctx, case_id, Action.CASE_ACT)
    if key is not None and _sent_before(ctx, case_id, key):
        return
    for recorded in history.list_visits(ctx.session, case_id=case_id):
        if (
            recorded.kind == body.kind
            and recorded.duration_minutes == body.duration_minutes
            and abs(recorded.occurred_at - body.occurred_at) < WINDOW
        ):
            raise AppError(
                409,
                "visit_repeated",
                "a visit of this kind and length is already recorded within an hour of this one; "
                "confirm that this is another visit to record it",
                seq=recorded.seq,
            )


def _sent_before(ctx: Context, case_id: str, key: str) -> bool:
    """This person's visit to this case already claimed ``key``: the same visit, sent again."""
    claimed = command_keys.find(ctx.services.engine, unit_id=ctx.unit_id, key=key)
    return (
        claimed is not None
        and claimed.command == "record_visit"
        and claimed.case_id == case_id
        and claimed.actor == ctx.actor.id
    )
