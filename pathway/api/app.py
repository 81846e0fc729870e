"""The FastAPI application: the HTTP API under /api/v1 (and, later, the web pages)."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import Engine
from temporalio.client import Client
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pathway.api.deps import Services
from pathway.api.errors import install_error_handlers
from pathway.api.limits import BodySizeLimit
from pathway.api.no_store import NoStore
from pathway.api.routers import (
    audit,
    auth,
    caseloads,
    cases,
    clients,
    codec,
    consents,
    definitions,
    health,
    partners,
    referrals,
    reports,
    users,
)
from pathway.app.catalog import Catalog
from pathway.config import Settings
from pathway.security.identity import IdentityVault, keystore_engine
from pathway.security.rate_limits import SignInLimits
from pathway.temporal import key_ring
from pathway.web import install as install_web

API_PREFIX = "/api/v1"


def temporal_ui_origins(settings: Settings) -> list[str]:
    port = settings.temporal_ui_port
    return [f"http://{settings.host}:{port}", f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def codec_endpoint(settings: Settings) -> str:
    return f"http://{settings.host}:{settings.api_port}{API_PREFIX}/codec"


def create_app(
    settings: Settings,
    *,
    client: Client,
    engine: Engine,
    catalog: Catalog | None = None,
    vault: IdentityVault | None = None,
) -> FastAPI:
    app = FastAPI(
        title="Pathway — ścieżki wsparcia",
        description="Support pathways of a social welfare centre: cases, moves, visits, audits.",
        version="0.1.0",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = Services(
        settings=settings,
        client=client,
        engine=engine,
        catalog=catalog or Catalog.load(settings.resolved_definitions_dir),
        sign_in_limits=SignInLimits.from_settings(settings),
        codec=client.data_converter.payload_codec,
        vault=vault or IdentityVault(keystore_engine(settings), key_ring(settings)),
    )
    install_error_handlers(app)
    app.add_middleware(BodySizeLimit)  # 413 for a body over limits.MAX_BODY_BYTES, streamed or not

    app.add_middleware(NoStore)  # answers carry personal data: no browser or proxy keeps a copy

    # The embedded Temporal UI (another port of the same host) calls /codec from the browser
    # with the staff member's session cookie; no other origin may.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=temporal_ui_origins(settings),
        allow_credentials=True,
        allow_methods=["POST"],
        allow_headers=["Content-Type", "Authorization", "X-Namespace"],
    )

    # Outermost: the client address (audit trail, sign-in limits) and scheme are the ones a
    # trusted reverse proxy forwards; from any other peer X-Forwarded-* is ignored.
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)

    api = APIRouter(prefix=API_PREFIX)
    for module in (auth, users, cases, consents, clients, definitions, audit, partners, codec, health):
        api.include_router(module.router)
    for module in (caseloads, reports, referrals):
        api.include_router(module.router)
    api.include_router(referrals.callbacks)
    app.include_router(api)
    install_web(app)  # the pages for people, at /
    return app
