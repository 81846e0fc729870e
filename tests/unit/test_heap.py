"""The worker's start-up heap is kept out of later collections, and long collections are
logged (pathway/runtime/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from structlog.testing import capture_logs

from pathway.runtime import heap


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_start_up_heap_is_frozen_and_later_cycles_are_still_collected(unfrozen: None) -> None:
    kept = [[] for _ in range(1000)]  # alive at start-up
    frozen = heap.freeze_startup_heap()
    assert frozen >= len(kept) and gc.get_freeze_count() == frozen
    # A full pass no longer walks them...
    assert len(gc.get_objects()) < frozen

    # ... while a cycle made afterwards is still found and freed.
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # type: ignore[attr-defined]
    del a, b
    assert gc.collect() >= 2


def _pauses_logged(threshold_s: float) -> list[dict[str, object]]:
    """The ``gc_pause`` lines one full collection logs, watched at ``threshold_s``."""
    callback = heap.watch_pauses(threshold_s=threshold_s)
    try:
        with capture_logs() as logs:
            gc.collect()
    finally:
        gc.callbacks.remove(callback)
    return [e for e in logs if e["event"] == "gc_pause"]


def test_a_long_collection_is_logged_with_its_generation_and_nothing_else(unfrozen: None) -> None:
    pauses = _pauses_logged(threshold_s=0.0)
    assert pauses and pauses[-1]["generation"] == 2 and pauses[-1]["seconds"] >= 0  # type: ignore[operator]
    assert set(pauses[-1]) <= {"event", "log_level", "generation", "seconds", "collected", "tracked"}


def test_a_short_collection_is_not_logged(unfrozen: None) -> None:
    assert not _pauses_logged(threshold_s=3600.0)
