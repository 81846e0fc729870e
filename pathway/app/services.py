"""What the use cases stand on, built once per process and passed down (never global)."""

from __future__ import annotations

from dataclasses import dataclass, field

from cachetools import TTLCache
from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from pathway.app.catalog import Catalog
from pathway.app.gateway import CaseGateway
from pathway.config import Settings
from pathway.core.forecast import Forecast
from pathway.security.identity import IdentityVault
from pathway.security.rate_limits import SignInLimits

# How long a forecast is shown again while nothing of the unit's open cases changed: its
# "now" is at most this old (a due moment passed in between shows in the next one).
FORECAST_TTL = 15 * 60


@dataclass
class Services:
    settings: Settings
    client: Client
    engine: Engine
    catalog: Catalog
    # Sign-in rate limits (in memory, or shared through Redis by several API processes).
    sign_in_limits: SignInLimits
    # Seals and opens client identity and notes (keys in the separate key store).
    vault: IdentityVault
    codec: PayloadCodec | None = None
    # The forecasts computed lately, by what they were computed from (app/forecasts.py).
    forecasts: TTLCache[object, Forecast] = field(default_factory=lambda: TTLCache(maxsize=32, ttl=FORECAST_TTL))
    gateway: CaseGateway = field(init=False)

    def __post_init__(self) -> None:
        self.gateway = CaseGateway(self.client, self.settings.task_queue, self.settings.command_wait_seconds)
