"""Liveness (the process answers) and readiness (its database and Temporal answer, and a
worker polls the task queue)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from pathway.api.deps import ServicesDep
from pathway.app.health import Health, readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
async def readyz(services: ServicesDep) -> JSONResponse:
    body = await readiness(services)
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ok" else 503)
