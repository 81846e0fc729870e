"""The first admin of a new home, so that somebody can sign in and create the others."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlmodel import Session

from pathway.config import Settings
from pathway.security import accounts
from pathway.store.models import User


@dataclass(frozen=True)
class FirstAdmin:
    user_id: str
    password: str | None  # shown once when generated; None when it came from the environment


def ensure_first_admin(settings: Settings, engine: Engine) -> FirstAdmin | None:
    """Create the admin when there are no accounts at all; otherwise do nothing."""
    with Session(engine) as session:
        if session.execute(select(func.count()).select_from(User)).scalar_one():
            return None
    given = settings.admin_password.get_secret_value() if settings.admin_password else None
    password = given or accounts.generate_password()
    accounts.create_user(
        engine, user_id="admin", display_name="Administrator", unit_id=settings.unit, roles=["admin"], password=password
    )
    return FirstAdmin("admin", None if given else password)
