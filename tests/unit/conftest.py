"""Fixtures of the unit tests."""

from __future__ import annotations

import pytest
from helpers import Ids


@pytest.fixture
def ids() -> Ids:
    return Ids()
