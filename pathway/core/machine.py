"""PathwayMachine: the legal moves of a case, as a ``transitions`` state machine.

Built from a definition with ``auto_transitions=False`` so that only the moves the definition
names exist. Guards are the machine's conditions; the machine is asked "which triggers are
allowed now, and which guard blocks the others", and refuses an illegal move with a typed
error before anything changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from transitions import Machine, MachineError

from pathway.core.definition import Definition, Transition
from pathway.core.errors import GuardFailure, GuardUnmet, IllegalMove
from pathway.core.guards import GuardContext, evaluate


@dataclass(frozen=True)
class BlockedMove:
    trigger: str
    dest: str
    failures: tuple[GuardFailure, ...]


class _CaseModel:
    """The object transitions moves between states; holds the context guards read."""

    def __init__(self, stage: str) -> None:
        self.state = stage
        self.ctx: GuardContext | None = None

    # Added to the model by ``transitions`` (Machine(model=...)): fires the named trigger.
    trigger: Callable[..., bool]


class PathwayMachine:
    def __init__(self, definition: Definition, stage: str | None = None) -> None:
        self.definition = definition
        self._by_key: dict[tuple[str, str], Transition] = {}
        self._model = _CaseModel(stage or definition.initial)
        specs = []
        for t in definition.transitions:
            for src in t.sources(definition):
                self._by_key[(t.trigger, src)] = t
                specs.append({"trigger": t.trigger, "source": src, "dest": t.dest, "conditions": [self._condition(t)]})
        self._machine = Machine(
            model=self._model,
            states=list(definition.stages),
            transitions=specs,
            initial=stage or definition.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            model_attribute="state",
        )

    def _condition(self, t: Transition) -> Callable[..., bool]:
        model = self._model

        def condition(*_args: object, **_kwargs: object) -> bool:
            return model.ctx is not None and not evaluate(t.guards, model.ctx)

        return condition

    @property
    def stage(self) -> str:
        return self._model.state

    def set_stage(self, stage: str) -> None:
        if stage not in self.definition.stages:
            raise IllegalMove(f"unknown stage '{stage}'", stage=stage)
        self._machine.set_state(stage, model=self._model)

    def triggers(self) -> list[str]:
        """Every trigger that exists from the current stage, allowed or not."""
        return [t for t in self._machine.get_triggers(self.stage) if (t, self.stage) in self._by_key]

    def transition(self, trigger: str) -> Transition | None:
        return self._by_key.get((trigger, self.stage))

    def blocked(self, ctx: GuardContext) -> list[BlockedMove]:
        out = []
        for trigger in self.triggers():
            t = self._by_key[(trigger, self.stage)]
            failures = evaluate(t.guards, ctx)
            if failures:
                out.append(BlockedMove(trigger, t.dest, tuple(failures)))
        return out

    def allowed(self, ctx: GuardContext) -> list[str]:
        return [trigger for trigger in self.triggers() if not evaluate(self._by_key[(trigger, self.stage)].guards, ctx)]

    def check(self, trigger: str, ctx: GuardContext) -> Transition:
        """Raise IllegalMove / GuardUnmet unless ``trigger`` may fire now. Changes nothing."""
        t = self._by_key.get((trigger, self.stage))
        if t is None:
            legal = self.triggers()
            stage = self.definition.stages[self.stage]
            why = "it is a terminal stage" if stage.terminal else f"moves from here: {', '.join(legal) or 'none'}"
            raise IllegalMove(
                f"'{trigger}' is not a move from stage '{self.stage}'; {why}",
                trigger=trigger,
                stage=self.stage,
                allowed=legal,
            )
        failures = evaluate(t.guards, ctx)
        if failures:
            raise GuardUnmet(
                f"'{trigger}' from '{self.stage}' is blocked: " + "; ".join(f.reason for f in failures),
                failures,
                trigger=trigger,
                stage=self.stage,
            )
        return t

    def fire(self, trigger: str, ctx: GuardContext) -> str:
        """Check, then move. Returns the new stage."""
        self.check(trigger, ctx)
        self._model.ctx = ctx
        try:
            moved = self._model.trigger(trigger)
        except MachineError as exc:  # pragma: no cover - check() already refused these
            raise IllegalMove(str(exc), trigger=trigger, stage=self.stage) from None
        finally:
            self._model.ctx = None
        if not moved:  # pragma: no cover - a condition changed between check and fire
            raise GuardUnmet(f"'{trigger}' was refused by its guards", [], trigger=trigger, stage=self.stage)
        return self.stage
