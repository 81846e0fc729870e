"""The HTTP API under /api/v1: its routers, one per resource, and its one error shape."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from pathway.api.errors import install_error_handlers
from pathway.api.routers import (
    appointments,
    audit,
    auth,
    calendar,
    caseloads,
    cases,
    clients,
    codec,
    consents,
    definitions,
    documents,
    health,
    household,
    inbox,
    notes,
    partners,
    plans,
    profiles,
    referrals,
    reports,
    users,
)

API_PREFIX = "/api/v1"


def install(app: FastAPI) -> None:
    """Mount the API's routers and error handlers on the application."""
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, users, cases, consents, clients, definitions, audit, partners, codec, health):
        api.include_router(module.router)
    for module in (caseloads, reports, referrals, appointments, inbox, calendar):
        api.include_router(module.router)
    for module in (notes, plans, documents, profiles, household):  # the case file
        api.include_router(module.router)
    api.include_router(referrals.callbacks)
    app.include_router(api)
