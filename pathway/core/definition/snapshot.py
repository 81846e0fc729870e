"""What a running case keeps of its definition (``DefinitionSnapshot``, shared by content in
a worker's memory), its content hash, and the definition rebuilt from it."""

from __future__ import annotations

import hashlib
import json
import threading
import weakref
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    model_validator,
)

from pathway.core.definition.models import Definition
from pathway.core.definition.parsing import definition_from_data


class DefinitionSnapshot(BaseModel):
    """What a running case keeps of its definition: editing the YAML never changes it."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: int
    content_hash: str
    content: dict[str, Any]

    @model_validator(mode="wrap")
    @classmethod
    def _one_per_content(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> DefinitionSnapshot:
        """Every case of a definition version carries the same snapshot, and a worker holds
        thousands of cases: decoded from a workflow's payloads (JSON), a snapshot equal to
        one already in memory is that one (~55 KB less per cached case). Only an equal
        content is shared, so a snapshot whose hash lies about its content stays its own.
        (Not when built in Python: ``__init__`` cannot return another object.)"""
        snap: DefinitionSnapshot = handler(data)
        if info.mode != "json":
            return snap
        with _INTERNED_LOCK:
            known = _INTERNED.get(snap.content_hash)
            if known is None:
                _INTERNED[snap.content_hash] = snap
                return snap
        return (
            known if known.content == snap.content and known.id == snap.id and known.version == snap.version else snap
        )


# Snapshots are frozen and nothing writes into their content, so sharing one is safe.
_INTERNED: weakref.WeakValueDictionary[str, DefinitionSnapshot] = weakref.WeakValueDictionary()
_INTERNED_LOCK = threading.Lock()


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def snapshot(definition: Definition) -> DefinitionSnapshot:
    content = definition.model_dump(mode="json", exclude_none=True)
    if not content["composed_from"]:
        del content["composed_from"]  # so a definition without blocks keeps the hash it always had
    return DefinitionSnapshot(
        id=definition.id, version=definition.version, content_hash=content_hash(content), content=content
    )


_SNAPSHOT_CACHE: dict[str, Definition] = {}


def from_snapshot(snap: DefinitionSnapshot) -> Definition:
    """Rebuild (and cache by content hash) the definition a case was opened with."""
    cached = _SNAPSHOT_CACHE.get(snap.content_hash)
    if cached is None:
        cached = definition_from_data(snap.content, f"snapshot:{snap.id}@{snap.version}")
        _SNAPSHOT_CACHE[snap.content_hash] = cached
    return cached
