"""Moving a running case onto a newer definition version: the rules are
``pathway.core.migration``'s (imported as a module: it uses this package's clocks)."""

from __future__ import annotations

from datetime import datetime

from pathway.core import migration
from pathway.core.case.base import CaseBase
from pathway.core.commands import MigrateDefinition


def check_migrate(case: CaseBase, command: MigrateDefinition, now: datetime) -> None:
    migration.check(case, command)


def apply_migrate(case: CaseBase, command: MigrateDefinition, now: datetime, checked: None) -> None:
    migration.apply(case, command, now)
