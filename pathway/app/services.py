"""What the use cases stand on, built once per process and passed down (never global)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from temporalio.client import Client
from temporalio.converter import PayloadCodec

from pathway.app.catalog import Catalog
from pathway.app.gateway import CaseGateway
from pathway.config import Settings
from pathway.security.identity import IdentityVault
from pathway.security.rate_limits import SignInLimits


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
    gateway: CaseGateway = field(init=False)

    def __post_init__(self) -> None:
        self.gateway = CaseGateway(self.client, self.settings.task_queue, self.settings.command_wait_seconds)
