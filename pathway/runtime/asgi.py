"""The HTTP application a process serves: the API (/api/v1) and the web pages (/) on one
FastAPI app, over the services every use case stands on, behind the middleware every answer
passes. The one place where the surfaces meet (they never import each other)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy.engine import Engine
from temporalio.client import Client
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from pathway.api import app as api
from pathway.app.catalog import Catalog
from pathway.app.services import Services
from pathway.config import Settings
from pathway.http.body_limit import BodySizeLimit
from pathway.http.no_store import NoStore
from pathway.security.identity import IdentityVault, keystore_engine
from pathway.security.rate_limits import SignInLimits
from pathway.temporal import key_ring
from pathway.web import install as install_web


def temporal_ui_origins(settings: Settings) -> list[str]:
    port = settings.temporal_ui_port
    return [f"http://{settings.host}:{port}", f"http://localhost:{port}", f"http://127.0.0.1:{port}"]


def codec_endpoint(settings: Settings) -> str:
    return f"http://{settings.host}:{settings.api_port}{api.API_PREFIX}/codec"


def build_services(
    settings: Settings,
    *,
    client: Client,
    engine: Engine,
    catalog: Catalog | None = None,
    vault: IdentityVault | None = None,
) -> Services:
    return Services(
        settings=settings,
        client=client,
        engine=engine,
        catalog=catalog or Catalog.load(settings.resolved_definitions_dir),
        sign_in_limits=SignInLimits.from_settings(settings),
        codec=client.data_converter.payload_codec,
        vault=vault or IdentityVault(keystore_engine(settings), key_ring(settings)),
    )


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
    app.state.services = build_services(settings, client=client, engine=engine, catalog=catalog, vault=vault)
    app.add_middleware(BodySizeLimit)  # 413 for a body over body_limit.MAX_BODY_BYTES, streamed or not
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
    api.install(app)
    install_web(app)  # the pages for people, at /
    return app
