"""The FastAPI application: the HTTP API under /api/v1 (and, later, the web pages)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from sqlalchemy.engine import Engine
from temporalio.client import Client

from pathway.api.deps import Services
from pathway.api.errors import install_error_handlers
from pathway.api.routers import audit, auth, cases, codec, definitions, health, partners, users
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
        codec=client.data_converter.payload_codec,
    )
    install_error_handlers(app)

    @app.middleware("http")
    async def no_store(request, call_next):  # type: ignore[no-untyped-def]
        # Answers carry personal data: no browser or proxy may keep a copy.
        response = await call_next(request)
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, users, cases, definitions, audit, partners, codec, health):
        api.include_router(module.router)
    app.include_router(api)
    return app
