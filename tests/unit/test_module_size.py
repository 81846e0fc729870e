"""Issue 12's bar for the house: small modules with one job. No module of ``pathway/``,
``workflows/`` or ``activities/`` is over 450 lines; one that grows past it is split by its
subjects (as ``pathway/cli/bookings.py`` was taken out of ``cases.py``)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 450


def test_no_module_is_over_450_lines() -> None:
    too_long = {
        str(path.relative_to(ROOT)): n
        for folder in ("pathway", "workflows", "activities")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > LIMIT
    }
    assert not too_long, too_long
