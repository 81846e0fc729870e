"""The pages people use, at ``/`` of the same app as the API: one module per subject."""

from __future__ import annotations

from fastapi import APIRouter

from pathway.web.pages import (
    appointments,
    case_commands,
    cases,
    definitions,
    device,
    household,
    inbox,
    plan,
    signin,
    unit,
    week,
)

router = APIRouter(include_in_schema=False)
for module in (signin, cases, case_commands, appointments, household, plan, unit, definitions, inbox, week, device):
    router.include_router(module.router)

__all__ = ["router"]
