"""PathwayMachine: the legal moves of a definition version, as a ``transitions`` state machine.

One machine per definition version, shared by every case that runs on it (``machine_for``):
a case keeps only its stage (``PathwayState.stage``), never a machine of its own. The machine
is built with ``auto_transitions=False`` so that only the moves the definition names exist, and
each move's guards are its condition. The library answers the questions: which triggers exist
from a stage (``get_triggers``), may this one fire now (``may_<trigger>``), fire it. The
condition records what it found (the definition's transition and the failed guards), so a
question evaluates each guard once and a refusal names the guards that blocked it.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field

from transitions import Machine

from pathway.core.definition import Definition, Transition
from pathway.core.errors import GuardFailure, GuardUnmet, IllegalMove
from pathway.core.guards import GuardContext, evaluate


@dataclass(frozen=True)
class BlockedMove:
    trigger: str
    dest: str
    failures: tuple[GuardFailure, ...]


@dataclass
class _Probe:
    """The machine's one model: put at a case's stage with its guard context for one question."""

    state: str
    ctx: GuardContext | None = None
    transition: Transition | None = None
    failures: list[GuardFailure] = field(default_factory=list)

    # Added to the model by ``transitions``: ``may_trigger(name)`` asks, ``trigger(name)`` fires.
    may_trigger: Callable[..., bool] = field(init=False, repr=False)
    trigger: Callable[..., bool] = field(init=False, repr=False)


class PathwayMachine:
    def __init__(self, definition: Definition) -> None:
        self._owner = weakref.ref(definition)  # not kept alive by its machine (see machine_for)
        self._stages = definition.stages
        self._probe = _Probe(definition.initial)
        self._lock = threading.Lock()
        specs = [
            {"trigger": t.trigger, "source": src, "dest": t.dest, "conditions": [self._condition(t)]}
            for t in definition.transitions
            for src in t.sources(definition)
        ]
        self._machine = Machine(
            model=self._probe,
            states=list(definition.stages),
            transitions=specs,
            initial=definition.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            model_attribute="state",
        )

    def _condition(self, t: Transition) -> Callable[..., bool]:
        probe = self._probe

        def condition(*_args: object, **_kwargs: object) -> bool:
            assert probe.ctx is not None, "a question is always asked with a guard context"
            probe.transition, probe.failures = t, evaluate(t.guards, probe.ctx)
            return not probe.failures

        return condition

    def triggers(self, stage: str) -> list[str]:
        """Every trigger that exists from ``stage``, allowed or not."""
        return list(self._machine.get_triggers(stage))

    def _ask(self, trigger: str, ctx: GuardContext) -> tuple[Transition, list[GuardFailure]]:
        """Put the probe at ``ctx.stage`` and ask the library whether ``trigger`` may fire
        (its guards evaluated once). The caller holds the lock."""
        self._machine.set_state(ctx.stage, model=self._probe)
        self._probe.ctx, self._probe.transition, self._probe.failures = ctx, None, []
        try:
            self._probe.may_trigger(trigger)
            assert self._probe.transition is not None, f"'{trigger}' is a move from '{ctx.stage}'"
            return self._probe.transition, self._probe.failures
        finally:
            self._probe.ctx = None

    def blocked(self, ctx: GuardContext) -> list[BlockedMove]:
        out = []
        with self._lock:
            for trigger in self.triggers(ctx.stage):
                t, failures = self._ask(trigger, ctx)
                if failures:
                    out.append(BlockedMove(trigger, t.dest, tuple(failures)))
        return out

    def allowed(self, ctx: GuardContext) -> list[str]:
        blocked = {move.trigger for move in self.blocked(ctx)}
        return [trigger for trigger in self.triggers(ctx.stage) if trigger not in blocked]

    def check(self, trigger: str, ctx: GuardContext) -> Transition:
        """Raise IllegalMove / GuardUnmet unless ``trigger`` may fire now. Changes nothing."""
        self._exists(trigger, ctx.stage)
        with self._lock:
            t, failures = self._ask(trigger, ctx)
        if failures:
            raise self._unmet(trigger, ctx.stage, failures)
        return t

    def fire(self, trigger: str, ctx: GuardContext) -> str:
        """Fire ``trigger`` from ``ctx.stage`` (its guards evaluated once) and return the stage
        it leads to; IllegalMove / GuardUnmet as ``check``. The case keeps the stage itself."""
        self._exists(trigger, ctx.stage)
        with self._lock:
            self._machine.set_state(ctx.stage, model=self._probe)
            self._probe.ctx, self._probe.failures = ctx, []
            try:
                moved = self._probe.trigger(trigger)
            finally:
                self._probe.ctx = None
            if not moved:
                raise self._unmet(trigger, ctx.stage, self._probe.failures)
            return self._probe.state

    def _exists(self, trigger: str, stage: str) -> None:
        if stage not in self._stages:
            raise IllegalMove(f"unknown stage '{stage}'", stage=stage)
        legal = self.triggers(stage)
        if trigger not in legal:
            why = (
                "it is a terminal stage"
                if self._stages[stage].terminal
                else f"moves from here: {', '.join(legal) or 'none'}"
            )
            raise IllegalMove(
                f"'{trigger}' is not a move from stage '{stage}'; {why}", trigger=trigger, stage=stage, allowed=legal
            )

    @staticmethod
    def _unmet(trigger: str, stage: str, failures: list[GuardFailure]) -> GuardUnmet:
        return GuardUnmet(
            f"'{trigger}' from '{stage}' is blocked: " + "; ".join(f.reason for f in failures),
            failures,
            trigger=trigger,
            stage=stage,
        )


_SHARED: dict[int, PathwayMachine] = {}
_SHARED_LOCK = threading.Lock()


def machine_for(definition: Definition) -> PathwayMachine:
    """The one machine of ``definition`` (built on first use, dropped with the definition)."""
    key = id(definition)
    with _SHARED_LOCK:
        machine = _SHARED.get(key)
        if machine is None or machine._owner() is not definition:
            machine = _SHARED[key] = PathwayMachine(definition)
            weakref.finalize(definition, _SHARED.pop, key, None)
    return machine
