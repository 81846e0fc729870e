"""Version 1 and a version 2 of Model Wsparcia for the migration tests (importable as
``migration_defs``: ``tests/`` is on ``sys.path``).

Version 2 renames the stage ``plan`` to ``help_plan`` and adds a stage ``orientation``
(help_plan -orient-> orientation -advance-> therapy); everything else is as in version 1.
``model_v2(edit)`` applies a further change to the raw data before it is validated."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from pathway.core.definition import Definition, definition_from_data, parse_definition

ROOT = Path(__file__).resolve().parents[1]
# Model Wsparcia as it was at version 1 (the catalog has moved on): the cases these tests
# migrate were opened on it.
V1_PATH = ROOT / "tests" / "definitions" / "model-wsparcia-v1.yaml"
V1_TEXT = V1_PATH.read_text(encoding="utf-8")
RAW_V1: dict[str, Any] = yaml.safe_load(V1_TEXT)


def model_v1() -> Definition:
    return parse_definition(V1_TEXT, str(V1_PATH))


def _rename(value: Any) -> Any:
    if isinstance(value, list):
        return [_rename(v) for v in value]
    return "help_plan" if value == "plan" else value


def raw_v2(version: int = 2) -> dict[str, Any]:
    data = copy.deepcopy(RAW_V1)
    data["version"] = version
    stages: dict[str, Any] = {}
    for name, stage in data["stages"].items():
        stages[_rename(name)] = stage
        if name == "plan":
            stages["orientation"] = {
                "title": {"pl": "Orientacja zawodowa", "en": "Vocational orientation"},
                "deadline": "10 working_days",
                "visits": {"every": "7 days", "min_minutes": 60},
            }
    data["stages"] = stages
    for t in data["transitions"]:
        t["source"], t["dest"] = _rename(t["source"]), _rename(t["dest"])
    data["transitions"] += [
        {
            "trigger": "orient",
            "source": "help_plan",
            "dest": "orientation",
            "title": {"pl": "Skieruj na orientację zawodową", "en": "Refer to vocational orientation"},
        },
        {
            "trigger": "advance",
            "source": "orientation",
            "dest": "therapy",
            "title": {"pl": "Rozpocznij terapię", "en": "Start therapy"},
        },
    ]
    return data


def model_v2(edit: Callable[[dict[str, Any]], None] | None = None, version: int = 2) -> Definition:
    data = raw_v2(version)
    if edit is not None:
        edit(data)
    return definition_from_data(data, f"model-wsparcia@{version}")


PLAN_MAPPING = {"plan": "help_plan"}
