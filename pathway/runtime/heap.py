"""The worker's heap and Python's cyclic garbage collector.

A full collection walks every container object the collector tracks and holds the GIL for
all of it. A worker caching tens of thousands of cases tracks millions (~190 objects a cached
case, bench/gc_pause.py): a full pass then takes seconds, stalls every case in the process,
and an activation caught in it is failed by the SDK as a "potential deadlock" (2 s) and
retried. Two things are done about it here:

- ``freeze_startup_heap``: what the imports, the definitions and the pools left at start-up
  lives as long as the process; ``gc.freeze`` moves it out of every later pass (the Temporal
  SDK's own test suite does the same, sdk-python#1847).
- ``watch_pauses``: a collection that took longer than a threshold is logged (generation,
  seconds, objects collected; never anything of a case), so operators see the pauses the
  deployment's cache size causes (deploy/README.md sizes it).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

import structlog

log = structlog.get_logger()

# Above this, a pause is worth a line in the log: it is felt by every case the worker holds.
PAUSE_WORTH_LOGGING_S = 0.5


def freeze_startup_heap() -> int:
    """Collect once, then move every object alive now out of the collector's future passes.
    Returns how many objects were frozen. Call once, after start-up, before serving: what is
    frozen is never collected as a cycle again (objects freed by reference counting still are)."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.info("startup_heap_frozen", objects=frozen)
    return frozen


def watch_pauses(threshold_s: float = PAUSE_WORTH_LOGGING_S) -> Callable[[str, dict[str, Any]], None]:
    """Log every collection that held the process longer than ``threshold_s``. Returns the
    callback installed (``gc.callbacks.remove`` it to stop watching)."""
    started: list[float] = []

    def on_collection(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[:] = [time.perf_counter()]
            return
        if not started:
            return
        took = time.perf_counter() - started.pop()
        if took >= threshold_s:
            log.warning(
                "gc_pause",
                generation=info.get("generation"),
                seconds=round(took, 3),
                collected=info.get("collected"),
                tracked=len(gc.get_objects(generation=2)) if info.get("generation") == 2 else None,
            )

    gc.callbacks.append(on_collection)
    return on_collection
