"""The FastAPI application: the HTTP API under /api/v1 (and, later, the web pages)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine
from temporalio.client import Client

from pathway.api.deps import Services
from pathway.api.errors import install_error_handlers
from pathway.api.routers import audit, cases, definitions, health, partners
from pathway.catalog import Catalog
from pathway.config import Settings

API_PREFIX = "/api/v1"


def create_app(settings: Settings, *, client: Client, engine: Engine, catalog: Catalog | None = None) -> FastAPI:
    app = FastAPI(
        title="Pathway — ścieżki wsparcia",
        description="Support pathways of a social welfare centre: cases, moves, visits, audits.",
        version="0.1.0",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = Services(
        settings=settings, client=client, engine=engine,
        catalog=catalog or Catalog.load(settings.resolved_definitions_dir),
    )
    install_error_handlers(app)
    api = APIRouter(prefix=API_PREFIX)
    for module in (cases, definitions, audit, partners, health):
        api.include_router(module.router)
    app.include_router(api)
    return app
