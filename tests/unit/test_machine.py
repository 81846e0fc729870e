"""PathwayMachine and Case under concrete moves and under random sequences of actions.

The property tests judge the core against an oracle written here from the definition alone
(which move exists from which stage, what each guard means), not against the core's own guard
module, so that a wrong guard or a wrong move table shows up as a disagreement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import agreed_plan
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pathway.core.calendar import ends_at, local_date
from pathway.core.case import Case
from pathway.core.commands import Advance, AssignCoordinator, Close, Pause, RecordPlan, RecordVisit, Resume, SetFact
from pathway.core.definition import (
    ANY_OPEN_STAGE,
    PARTNER_KINDS,
    Definition,
    Transition,
    field_type,
    parse_definition,
    snapshot,
)
from pathway.core.errors import GuardUnmet, IllegalMove, InvalidCommand, PathwayError
from pathway.core.guards import GuardContext
from pathway.core.machine import machine_for
from pathway.core.plan import PlanSkeleton
from pathway.core.state import PathwayState

ROOT = Path(__file__).resolve().parents[2]
MODEL = parse_definition(
    (ROOT / "definitions" / "model-wsparcia.yaml").read_text(encoding="utf-8"), "model-wsparcia.yaml"
)
ALL_GUARDS = parse_definition(
    (ROOT / "tests" / "unit" / "fixtures" / "all-guards.yaml").read_text(encoding="utf-8"), "all-guards.yaml"
)
UTC = UTC
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Warsaw
JUNK_TRIGGERS = [
    "to_plan",
    "may_advance",
    "trigger",
    "state",
    "close",
    "pause",
    "resume",
    "",
    "Advance",
    "advance ",
    "nope",
]
DIAGNOSIS_DONE = {"situation": True, "needs": True, "resources": True, "limits": True, "safety": True}


def ctx(
    d: Definition = MODEL,
    stage: str = "diagnosis",
    facts: dict[str, Any] | None = None,
    now: datetime = T0,
    duration_ends_at: datetime | None = None,
    visits_in_stage: int = 0,
    plan: PlanSkeleton | None = None,
) -> GuardContext:
    return GuardContext(d, stage, facts or {}, now, duration_ends_at, visits_in_stage, plan)


# =========================================================================== concrete: model-wsparcia


def test_triggers_from_each_stage() -> None:
    expected = {
        "diagnosis": {"advance"},
        "plan": {"advance"},
        "therapy": {"advance"},
        "training": {"advance", "back_to_therapy"},
        "internship": {"employ", "end_without_job", "back_to_therapy"},
        "follow_up": {"complete", "job_lost"},
        "closed": set(),
        "not_employed": set(),
        "dropped_out": set(),
        "transferred": set(),
    }
    assert set(expected) == set(MODEL.stages)
    for stage, triggers in expected.items():
        m = machine_for(MODEL)
        assert set(m.triggers(stage)) == triggers, stage
        assert len(m.triggers(stage)) == len(set(m.triggers(stage)))


def test_destinations_of_each_move() -> None:
    m = machine_for(MODEL)
    moves = {}
    for stage in MODEL.stages:
        blocked = {b.trigger: b.dest for b in m.blocked(ctx(stage=stage))}
        for trigger in m.triggers(stage):
            moves[(stage, trigger)] = (
                blocked[trigger] if trigger in blocked else m.check(trigger, ctx(stage=stage)).dest
            )
    assert moves == {
        ("diagnosis", "advance"): "plan",
        ("plan", "advance"): "therapy",
        ("therapy", "advance"): "training",
        ("training", "advance"): "internship",
        ("training", "back_to_therapy"): "therapy",
        ("internship", "employ"): "follow_up",
        ("internship", "end_without_job"): "not_employed",
        ("internship", "back_to_therapy"): "therapy",
        ("follow_up", "complete"): "closed",
        ("follow_up", "job_lost"): "training",
    }


def test_no_auto_transitions() -> None:
    m = machine_for(MODEL)
    for name in ("to_plan", "to_closed", "to_diagnosis"):
        with pytest.raises(IllegalMove):
            m.check(name, ctx())
    assert not hasattr(m._probe, "to_plan")


def test_one_machine_per_definition_version() -> None:
    assert machine_for(MODEL) is machine_for(MODEL)
    assert machine_for(ALL_GUARDS) is not machine_for(MODEL)


def test_diagnosis_is_blocked_until_the_checklist_is_complete() -> None:
    m = machine_for(MODEL)
    partial = {"diagnosis": {"situation": True, "needs": True}}
    assert m.allowed(ctx(facts=partial)) == []
    [blocked] = m.blocked(ctx(facts=partial))
    assert (blocked.trigger, blocked.dest) == ("advance", "plan")
    [failure] = blocked.failures
    assert failure.guard == "checklist_complete"
    assert failure.fact == "diagnosis"
    assert "Resources (own, family, community)" in failure.reason
    assert "Limits" in failure.reason and "Safety assessment" in failure.reason
    assert "Needs" not in failure.reason.split("missing:")[1]
    assert "Ocena bezpieczeństwa" in failure.reason_pl
    full = {"diagnosis": DIAGNOSIS_DONE}
    assert m.allowed(ctx(facts=full)) == ["advance"]
    assert m.blocked(ctx(facts=full)) == []


def test_a_checklist_item_set_to_false_is_not_done() -> None:
    m = machine_for(MODEL)
    assert m.allowed(ctx(facts={"diagnosis": {**DIAGNOSIS_DONE, "safety": False}})) == []


def test_plan_is_blocked_by_two_guards_and_says_both() -> None:
    m = machine_for(MODEL)
    [blocked] = m.blocked(ctx(stage="plan"))
    assert [(f.guard, f.fact) for f in blocked.failures] == [
        ("plan_complete", None),
        ("partner_assigned", "therapist"),
    ]
    assert "'Therapist / therapy centre' needs a partner of kind 'therapy'" in blocked.failures[1].reason
    # a partner of the wrong kind does not satisfy the guard
    # the ZI's date-only plan no longer lets the case go on (version 7): the structured plan does
    facts = {"help_plan": {"agreed_on": "2026-03-10"}, "therapist": {"partner_id": "P-1", "partner_kind": "therapy"}}
    [blocked] = m.blocked(ctx(stage="plan", facts=facts))
    assert [f.guard for f in blocked.failures] == ["plan_complete"]
    # a partner of the wrong kind does not satisfy the guard
    facts["therapist"] = {"partner_id": "P-1", "partner_kind": "employer"}
    [blocked] = m.blocked(ctx(stage="plan", facts=facts, plan=agreed_plan()))
    assert [f.guard for f in blocked.failures] == ["partner_assigned"]
    facts["therapist"] = {"partner_id": "P-1", "partner_kind": "therapy"}
    assert m.allowed(ctx(stage="plan", facts=facts, plan=agreed_plan())) == ["advance"]


def test_check_unknown_trigger_raises_illegal_move_with_the_allowed_list() -> None:
    m = machine_for(MODEL)
    with pytest.raises(IllegalMove) as info:
        m.check("employ", ctx(stage="training"))
    err = info.value
    assert err.code == "illegal_move"
    assert set(err.details["allowed"]) == {"advance", "back_to_therapy"}  # type: ignore[arg-type]
    assert err.details["trigger"] == "employ" and err.details["stage"] == "training"
    assert "'employ' is not a move from stage 'training'" in err.message
    assert "advance" in err.message and "back_to_therapy" in err.message
    assert err.to_dict()["code"] == "illegal_move"


def test_check_in_a_terminal_stage_says_it_is_terminal() -> None:
    for stage in MODEL.terminal_stages():
        m = machine_for(MODEL)
        for trigger in ("advance", "employ", "complete", "back_to_therapy"):
            with pytest.raises(IllegalMove) as info:
                m.check(trigger, ctx(stage=stage))
            assert "terminal" in info.value.message
            assert info.value.details["allowed"] == []


def test_check_raises_guard_unmet_naming_guard_and_fact() -> None:
    m = machine_for(MODEL)
    with pytest.raises(GuardUnmet) as info:
        m.check("advance", ctx(stage="therapy", facts={"ready_for_training": False}))
    err = info.value
    assert err.code == "guard_unmet"
    [failure] = err.failures
    assert (failure.guard, failure.fact) == ("fact_recorded", "ready_for_training")
    assert "Ready for training" in failure.reason
    assert err.details["guards"] == [failure.to_dict()]
    assert err.to_dict()["guards"][0]["guard"] == "fact_recorded"  # type: ignore[index]
    assert err.to_dict()["guards"][0]["fact"] == "ready_for_training"  # type: ignore[index]
    assert "'advance' from 'therapy' is blocked" in err.message


def test_fire_refuses_on_a_guard_and_moves_when_it_holds() -> None:
    m = machine_for(MODEL)
    with pytest.raises(GuardUnmet):
        m.fire("advance", ctx())
    assert m.check("advance", ctx(facts={"diagnosis": DIAGNOSIS_DONE})).dest == "plan"
    assert m.fire("advance", ctx(facts={"diagnosis": DIAGNOSIS_DONE})) == "plan"
    assert m._probe.ctx is None  # the shared machine keeps nothing of the case it was asked about


def test_duration_elapsed_blocks_until_the_end_moment() -> None:
    m = machine_for(MODEL)
    entered = datetime(2026, 3, 15, 9, 0, tzinfo=UTC)  # 10:00 Warsaw
    end = ends_at(entered, MODEL.stages["internship"].duration, MODEL.timezone)  # type: ignore[arg-type]
    assert end == datetime(2026, 6, 14, 22, 0, tzinfo=UTC)
    before = ctx(stage="internship", now=end - timedelta(seconds=1), duration_ends_at=end)
    assert "end_without_job" not in m.allowed(before)
    with pytest.raises(GuardUnmet) as info:
        m.check("end_without_job", before)
    assert info.value.failures[0].guard == "duration_elapsed"
    assert "2026-06-15" in info.value.failures[0].reason
    at_end = ctx(stage="internship", now=end, duration_ends_at=end)
    assert "end_without_job" in m.allowed(at_end)
    assert m.fire("end_without_job", at_end) == "not_employed"


def test_an_unknown_stage_is_refused() -> None:
    m = machine_for(MODEL)
    with pytest.raises(IllegalMove):
        m.check("advance", ctx(stage="nowhere"))
    assert m.triggers("follow_up") == ["complete", "job_lost"]


def test_wildcard_and_list_sources() -> None:
    m = machine_for(ALL_GUARDS)
    for stage in ("intake", "assess", "support"):
        assert "withdraw" in m.triggers(stage)
    for stage in ("done", "withdrawn"):
        assert m.triggers(stage) == []
    assert set(m.triggers("assess")) == {"approve", "back", "withdraw"}


def test_certificate_and_visit_count_guards() -> None:
    m = machine_for(ALL_GUARDS)
    facts = {
        "ops": {"partner_id": "OPS-1", "partner_kind": "ops"},
        "plan": {"reference": "P1"},
        "certificate": {"valid_until": "2026-03-01"},
    }
    now = datetime(2026, 3, 1, 22, 59, tzinfo=UTC)  # 23:59 on 1 March in Warsaw: still valid
    assert set(m.allowed(ctx(ALL_GUARDS, "assess", facts, now))) == {"approve", "back"}
    later = now + timedelta(minutes=1)  # 2 March in Warsaw: expired
    [blocked] = [b for b in m.blocked(ctx(ALL_GUARDS, "assess", facts, later)) if b.trigger == "approve"]
    assert blocked.failures[0].guard == "certificate_valid"
    assert "expired on 2026-03-01" in blocked.failures[0].reason
    docs = {"documents": {"id_card": True, "income": True}}
    [b] = [b for b in m.blocked(ctx(ALL_GUARDS, "intake", docs, now, visits_in_stage=1)) if b.trigger == "start"]
    assert b.failures[0].guard == "min_visits_in_stage" and "2 visit(s) needed" in b.failures[0].reason
    assert "start" in m.allowed(ctx(ALL_GUARDS, "intake", docs, now, visits_in_stage=2))


# =========================================================================== the oracle


def oracle_sources(d: Definition, t: Transition) -> list[str]:
    raw = [t.source] if isinstance(t.source, str) else list(t.source)
    out: list[str] = []
    for s in raw:
        if s == ANY_OPEN_STAGE:
            out += [n for n, st_ in d.stages.items() if not st_.terminal]
        else:
            out.append(s)
    return out


def oracle_transition(d: Definition, stage: str, trigger: str) -> Transition | None:
    found = [t for t in d.transitions if t.trigger == trigger and stage in oracle_sources(d, t)]
    assert len(found) <= 1
    return found[0] if found else None


def oracle_triggers(d: Definition, stage: str) -> set[str]:
    return {t.trigger for t in d.transitions if stage in oracle_sources(d, t)}


def oracle_failing_guards(
    d: Definition,
    t: Transition,
    facts: dict[str, Any],
    now: datetime,
    ends: datetime | None,
    visits: int,
    plan: PlanSkeleton | None = None,
) -> list[tuple[str, str | None]]:
    """(guard, fact) of each guard of ``t`` that does not hold, from what each guard means."""
    failing = []
    for g in t.guards:
        value = facts.get(g.fact) if g.fact else None
        spec = d.facts.get(g.fact) if g.fact else None
        if g.guard == "checklist_complete":
            ok = isinstance(value, dict) and all(value.get(item) is True for item in spec.items)  # type: ignore[union-attr]
        elif g.guard == "fact_recorded":
            ok = value is not None and value is not False and value != {} and value != []
        elif g.guard == "partner_assigned":
            ok = (
                isinstance(value, dict)
                and bool(value.get("partner_id"))
                and value.get("partner_kind") == spec.partner_kind
            )  # type: ignore[union-attr]
        elif g.guard == "certificate_valid":
            ok = (
                isinstance(value, dict)
                and bool(value.get("valid_until"))
                and (date.fromisoformat(value["valid_until"]) >= local_date(now, d.timezone))
            )
        elif g.guard == "duration_elapsed":
            ok = ends is not None and now >= ends
        elif g.guard == "min_visits_in_stage":
            ok = visits >= (g.count or 1)
        elif g.guard == "plan_complete":
            policy = d.plan
            ok = (
                policy is not None
                and plan is not None
                and (plan.agreed_on is not None or not policy.agreed)
                and len(plan.goal_ids) >= policy.min_goals
                and all(len(plan.actions_of(goal)) >= policy.actions_per_goal for goal in plan.goal_ids)
            )
        else:  # pragma: no cover
            raise AssertionError(f"the oracle does not know guard {g.guard}")
        if not ok:
            failing.append((g.guard, g.fact if spec is not None else None))
    return failing


def satisfying_value(d: Definition, name: str, today: date, n: int) -> Any:
    """A value of fact ``name`` that makes every guard over it hold on ``today``."""
    spec = d.facts[name]
    if spec.kind == "flag":
        return True
    if spec.kind == "checklist":
        return {item: True for item in spec.items}
    if spec.kind == "partner":
        return {"partner_id": f"P-{n}", "partner_kind": spec.partner_kind}
    if spec.kind == "certificate":
        return {"valid_until": (today + timedelta(days=365)).isoformat()}
    by_type = {"date": today.isoformat(), "bool": True, "int": 1, "code": f"C-{n}", "partner": f"P-{n}"}
    return {f: by_type[field_type(t)] for f, t in spec.fields.items()}


def pick_move(d: Definition, stage: str, data: st.DataObject) -> str | None:
    """A trigger from ``stage``, usually one that keeps the case open (so runs go deep)."""
    options = sorted(oracle_triggers(d, stage))
    if not options:
        return None
    onward = [o for o in options if not d.stages[oracle_transition(d, stage, o).dest].terminal]  # type: ignore[union-attr]
    if onward and data.draw(st.integers(0, 3), label="onward?"):
        return data.draw(st.sampled_from(onward), label="move")
    return data.draw(st.sampled_from(options), label="move")


codes = st.from_regex(r"[A-Za-z0-9_.:-]{1,12}", fullmatch=True)
iso_dates = st.dates(date(2025, 6, 1), date(2028, 12, 31)).map(date.isoformat)


def valid_fact_value(d: Definition, name: str) -> st.SearchStrategy[Any]:
    """Values a Case accepts for the fact (and stores as such)."""
    spec = d.facts[name]
    if spec.kind == "flag":
        return st.booleans()
    if spec.kind == "checklist":
        items = list(spec.items)
        return st.just({i: True for i in items}) | st.dictionaries(
            st.sampled_from(items), st.booleans(), max_size=len(items)
        )
    if spec.kind == "partner":
        return st.fixed_dictionaries({"partner_id": codes, "partner_kind": st.just(spec.partner_kind)})
    if spec.kind == "certificate":
        return st.fixed_dictionaries({"valid_until": iso_dates})
    by_type = {"date": iso_dates, "bool": st.booleans(), "int": st.integers(0, 500), "code": codes, "partner": codes}
    fields = {f: by_type[field_type(t)] for f, t in spec.fields.items()}
    first = next(iter(fields))
    return st.fixed_dictionaries({first: fields[first]}, optional={k: v for k, v in fields.items() if k != first})


def invalid_fact_value(d: Definition, name: str) -> st.SearchStrategy[Any]:
    """Values a Case must refuse for the fact."""
    spec = d.facts[name]
    if spec.kind == "flag":
        return st.sampled_from(["yes", 1, {"value": True}])
    if spec.kind == "checklist":
        return st.sampled_from([{"no_such_item": True}, {next(iter(spec.items)): "done"}, "all", [True]])
    if spec.kind == "partner":
        other = next(k for k in PARTNER_KINDS if k != spec.partner_kind)
        return st.sampled_from(
            [
                {"partner_id": "Jan Kowalski", "partner_kind": spec.partner_kind},
                {"partner_id": "P-1", "partner_kind": other},
                {"partner_id": "P-1"},
                {"partner_id": "P-1", "partner_kind": spec.partner_kind, "name": "Anna Nowak"},
                "P-1",
            ]
        )
    if spec.kind == "certificate":
        return st.sampled_from(
            [{"valid_until": "soon"}, {}, {"valid_from": "2026-01-01"}, {"valid_until": "2027-01-01", "note": "x"}]
        )
    field = next(iter(spec.fields))
    return st.sampled_from([{}, {"no_such_field": 1}, {field: "Jan Kowalski z ul. Długiej 5"}, "text"])


def fact_assignment(d: Definition) -> st.SearchStrategy[tuple[str, Any]]:
    return st.sampled_from(sorted(d.facts)).flatmap(lambda n: st.tuples(st.just(n), valid_fact_value(d, n) | st.none()))


time_steps = st.one_of(
    st.timedeltas(timedelta(minutes=1), timedelta(days=3)),
    st.timedeltas(timedelta(days=3), timedelta(days=100)),
)


# =========================================================================== properties: machine


class MachineProperties(RuleBasedStateMachine):
    definition: Definition = MODEL

    def __init__(self) -> None:
        super().__init__()
        d = self.definition
        self.machine = machine_for(d)
        self.stage = d.initial
        self.facts: dict[str, Any] = {}
        self.now = T0
        self.ends: datetime | None = None
        self.visits = 0
        self.plan: PlanSkeleton | None = None
        self.all_triggers = sorted({t.trigger for t in d.transitions}) + JUNK_TRIGGERS

    def ctx(self) -> GuardContext:
        return GuardContext(self.definition, self.stage, dict(self.facts), self.now, self.ends, self.visits, self.plan)

    def entered(self, stage: str) -> None:
        self.stage = stage
        self.visits = 0
        duration = self.definition.stages[stage].duration
        self.ends = ends_at(self.now, duration, self.definition.timezone) if duration else None

    @rule(data=st.data(), moves=st.integers(1, 4))
    def satisfy_and_fire(self, data: st.DataObject, moves: int) -> None:
        """A helpful coordinator: make the guards of a move hold, then make it (so that random
        runs get past the first stages)."""
        d = self.definition
        for _ in range(moves):
            trigger = pick_move(d, self.stage, data)
            if trigger is None:
                return
            t = oracle_transition(d, self.stage, trigger)
            assert t is not None
            for g in t.guards:
                if g.fact:
                    self.facts[g.fact] = satisfying_value(d, g.fact, local_date(self.now, d.timezone), len(self.facts))
                elif g.guard == "duration_elapsed" and self.ends is not None:
                    self.now = max(self.now, self.ends)
                elif g.guard == "min_visits_in_stage":
                    self.visits = max(self.visits, g.count or 1)
                elif g.guard == "plan_complete":
                    self.plan = agreed_plan(local_date(self.now, d.timezone).isoformat())
            assert oracle_failing_guards(d, t, self.facts, self.now, self.ends, self.visits, self.plan) == []
            self.fire_trigger(trigger)

    @rule(data=st.data())
    def fire(self, data: st.DataObject) -> None:
        self.fire_trigger(data.draw(st.sampled_from(self.all_triggers), label="trigger"))

    def fire_trigger(self, trigger: str) -> None:
        d = self.definition
        before = self.stage
        t = oracle_transition(d, before, trigger)
        if t is None or d.stages[before].terminal:
            assert t is None, "a move out of a terminal stage exists"
            with pytest.raises(IllegalMove) as info:
                self.machine.fire(trigger, self.ctx())
            assert set(info.value.details["allowed"]) == oracle_triggers(d, before)  # type: ignore[arg-type]
            assert self.stage == before
            return
        failing = oracle_failing_guards(d, t, self.facts, self.now, self.ends, self.visits, self.plan)
        if failing:
            with pytest.raises(GuardUnmet) as gu:
                self.machine.fire(trigger, self.ctx())
            assert [(f.guard, f.fact) for f in gu.value.failures] == failing
            assert all(f.reason and f.reason_pl for f in gu.value.failures)
            assert self.stage == before
            return
        event(f"machine moved {before} -> {t.dest}")
        assert self.machine.fire(trigger, self.ctx()) == t.dest
        self.entered(t.dest)

    @rule(assignment=st.data())
    def set_fact(self, assignment: st.DataObject) -> None:
        name, value = assignment.draw(fact_assignment(self.definition), label="fact")
        if value is None:
            self.facts.pop(name, None)
        else:
            self.facts[name] = value

    @rule(step=time_steps)
    def advance_time(self, step: timedelta) -> None:
        self.now += step

    @rule()
    def visit(self) -> None:
        self.visits += 1

    @rule(data=st.data())
    def jump(self, data: st.DataObject) -> None:
        stage = data.draw(st.sampled_from(list(self.definition.stages)), label="jump to")
        self.entered(stage)

    @invariant()
    def stage_is_a_stage(self) -> None:
        assert self.stage in self.definition.stages

    @invariant()
    def allowed_and_blocked_agree_with_the_oracle(self) -> None:
        d, stage = self.definition, self.stage
        triggers = self.machine.triggers(self.stage)
        assert set(triggers) == oracle_triggers(d, stage)
        allowed = self.machine.allowed(self.ctx())
        blocked = {b.trigger: b for b in self.machine.blocked(self.ctx())}
        assert set(allowed) | set(blocked) == set(triggers)
        assert not set(allowed) & set(blocked)
        for trigger in triggers:
            t = oracle_transition(d, stage, trigger)
            assert t is not None
            failing = oracle_failing_guards(d, t, self.facts, self.now, self.ends, self.visits, self.plan)
            if failing:
                assert [(f.guard, f.fact) for f in blocked[trigger].failures] == failing
                assert blocked[trigger].dest == t.dest
            else:
                assert trigger in allowed
                assert self.machine.check(trigger, self.ctx()).dest == t.dest
        if d.stages[stage].terminal:
            assert triggers == [] and allowed == []
        assert self.stage == stage  # asking changes nothing


class ModelWsparciaMachine(MachineProperties):
    definition = MODEL


class AllGuardsMachine(MachineProperties):
    definition = ALL_GUARDS


STATEFUL = settings(
    max_examples=60, stateful_step_count=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestModelWsparciaMachine = ModelWsparciaMachine.TestCase
TestModelWsparciaMachine.settings = STATEFUL
TestAllGuardsMachine = AllGuardsMachine.TestCase
TestAllGuardsMachine.settings = STATEFUL


# =========================================================================== properties: Case


class CaseProperties(RuleBasedStateMachine):
    definition: Definition = MODEL

    def __init__(self) -> None:
        super().__init__()
        self.n = 0
        self.now = T0
        self.case: Case | None = None
        self.refusals = 0
        self.last_error: PathwayError | None = None

    def next_id(self) -> str:
        self.n += 1
        return f"cmd-{self.n}"

    @initialize(offset=st.timedeltas(timedelta(0), timedelta(days=400)))
    def open_case(self, offset: timedelta) -> None:
        self.now = T0 + offset
        self.case = Case.open(
            case_id="case-1",
            definition=snapshot(self.definition),
            coordinator_id="coord-1",
            unit_id="unit-1",
            now=self.now,
            actor="coord-1",
            command_id="open-1",
        )
        s = self.case.state
        assert s.stage == self.definition.initial
        assert [e.kind for e in s.outbox][:2] == ["case_opened", "stage_entered"]
        assert s.seq == len(s.outbox)

    # ---- the one place commands are applied and judged
    def attempt(self, command: Any, expect: type[PathwayError] | None = None, must_succeed: bool = False) -> list:
        case = self.case
        assert case is not None
        before = case.state.model_dump()
        seq0 = case.state.seq
        was_closed = case.state.status == "closed"
        try:
            events = case.apply(command, self.now)
        except PathwayError as err:
            self.last_error = err
            self.refusals += 1
            assert case.state.model_dump() == before, f"{type(command).__name__} was refused but changed the state"
            assert case.applied(command.command_id) is None
            if expect is not None:
                assert isinstance(err, expect), f"expected {expect.__name__}, got {type(err).__name__}: {err}"
            assert not must_succeed, f"{command!r} refused: {err}"
            if was_closed:
                assert isinstance(err, IllegalMove)
            return []
        assert not was_closed, f"a closed case accepted {command!r}"
        assert expect is None, f"expected {expect.__name__ if expect else ''} for {command!r}"
        assert events, "an accepted command emits at least one event"
        assert case.state.seq == seq0 + len(events)
        assert [e.seq for e in events] == list(range(seq0 + 1, seq0 + 1 + len(events)))
        remembered = case.applied(command.command_id)
        assert remembered is not None and remembered.seq == case.state.seq
        return events

    # ---- rules
    @rule(data=st.data(), moves=st.integers(1, 6))
    def satisfy_and_advance(self, data: st.DataObject, moves: int) -> None:
        """A helpful coordinator: set the facts, record the visits and wait out the duration a
        move needs, through commands, then make the move."""
        d = self.definition
        for _ in range(moves):
            s = self.case.state  # type: ignore[union-attr]
            if s.status == "closed":
                return
            if s.status == "paused":
                self.attempt(Resume(command_id=self.next_id(), actor="coord-1"), must_succeed=True)
            trigger = pick_move(d, s.stage, data)
            if trigger is None:
                return
            t = oracle_transition(d, s.stage, trigger)
            assert t is not None
            for g in t.guards:
                s = self.case.state  # type: ignore[union-attr]
                if g.fact:
                    value = satisfying_value(d, g.fact, local_date(self.now, d.timezone), self.n)
                    self.attempt(
                        SetFact(command_id=self.next_id(), actor="coord-1", name=g.fact, value=value), must_succeed=True
                    )
                elif g.guard == "duration_elapsed" and s.duration_ends_at is not None and self.now < s.duration_ends_at:
                    self.tick(s.duration_ends_at - self.now)
                elif g.guard == "plan_complete":
                    version = (s.plan.version if s.plan else 0) + 1
                    plan = agreed_plan(local_date(self.now, d.timezone).isoformat(), version)
                    self.attempt(RecordPlan(command_id=self.next_id(), actor="coord-1", plan=plan), must_succeed=True)
                elif g.guard == "min_visits_in_stage":
                    stage = d.stages[s.stage]
                    kind = stage.visits.kinds[0] if stage.visits else "home"
                    for _ in range((g.count or 1) - s.visits_in_stage):
                        self.attempt(
                            RecordVisit(
                                command_id=self.next_id(),
                                actor="coord-1",
                                occurred_at=self.now,
                                duration_minutes=120,
                                kind=kind,
                            ),
                            must_succeed=True,
                        )
            s = self.case.state  # type: ignore[union-attr]
            assert oracle_failing_guards(d, t, s.facts, self.now, s.duration_ends_at, s.visits_in_stage, s.plan) == []
            self.advance_by(trigger)

    @rule(data=st.data())
    def advance(self, data: st.DataObject) -> None:
        trigger = data.draw(
            st.sampled_from(sorted({t.trigger for t in self.definition.transitions}) + JUNK_TRIGGERS), label="trigger"
        )
        self.advance_by(trigger)

    def advance_by(self, trigger: str) -> None:
        d, s = self.definition, self.case.state  # type: ignore[union-attr]
        if not trigger.strip() or len(trigger) > 64:
            return  # the command model itself refuses these
        command = Advance(command_id=self.next_id(), actor="coord-1", trigger=trigger)
        before = s.stage
        t = oracle_transition(d, before, trigger)
        if s.status != "active" or t is None:
            self.attempt(command, IllegalMove)
            return
        failing = oracle_failing_guards(d, t, s.facts, self.now, s.duration_ends_at, s.visits_in_stage, s.plan)
        if failing:
            self.attempt(command, GuardUnmet)
            assert isinstance(self.last_error, GuardUnmet)
            assert [(f.guard, f.fact) for f in self.last_error.failures] == failing
            return
        events = self.attempt(command, must_succeed=True)
        assert self.case.state.stage == t.dest  # type: ignore[union-attr]
        entered = [e for e in events if e.kind == "stage_entered"]
        assert [(e.from_stage, e.stage, e.trigger) for e in entered] == [(before, t.dest, trigger)]

    @rule(data=st.data())
    def set_fact(self, data: st.DataObject) -> None:
        d, s = self.definition, self.case.state  # type: ignore[union-attr]
        name = data.draw(st.sampled_from(sorted(d.facts) + ["no_such_fact"]), label="fact")
        if name == "no_such_fact":
            self.attempt(
                SetFact(command_id=self.next_id(), actor="coord-1", name=name, value=True),
                InvalidCommand if s.status != "closed" else IllegalMove,
            )
            return
        kind = data.draw(st.sampled_from(["valid", "valid", "clear", "invalid"]), label="value kind")
        if kind == "invalid":
            value = data.draw(invalid_fact_value(d, name), label="value")
            self.attempt(
                SetFact(command_id=self.next_id(), actor="coord-1", name=name, value=value),
                InvalidCommand if s.status != "closed" else IllegalMove,
            )
            return
        value = None if kind == "clear" else data.draw(valid_fact_value(d, name), label="value")
        previous = s.facts.get(name)
        events = self.attempt(
            SetFact(command_id=self.next_id(), actor="coord-1", name=name, value=value),
            IllegalMove if s.status == "closed" else None,
        )
        if events:
            stored = self.case.state.facts.get(name)  # type: ignore[union-attr]
            if value is None:
                assert name not in self.case.state.facts  # type: ignore[union-attr]
            elif d.facts[name].kind == "checklist":
                assert stored == {**(previous or {}), **value}
            else:
                assert stored == value

    @rule(
        back=st.timedeltas(timedelta(0), timedelta(days=2)),
        minutes=st.integers(1, 180),
        kind=st.sampled_from(["home", "office", "phone", "outreach", "accompanying", "teleport"]),
    )
    def record_visit(self, back: timedelta, minutes: int, kind: str) -> None:
        s = self.case.state  # type: ignore[union-attr]
        stage = self.definition.stages[s.stage]
        occurred = self.now - back
        command = RecordVisit(
            command_id=self.next_id(), actor="coord-1", occurred_at=occurred, duration_minutes=minutes, kind=kind
        )
        if s.status != "active":
            self.attempt(command, IllegalMove)
            return
        if stage.visits is not None and kind not in stage.visits.kinds:
            self.attempt(command, InvalidCommand)
            return
        if occurred < s.opened_at - timedelta(days=1):
            self.attempt(command, InvalidCommand)
            return
        total, in_stage = s.visits_total, s.visits_in_stage
        [event] = self.attempt(command, must_succeed=True)
        assert event.kind == "visit_recorded"
        # only a visit that counts toward the cadence counts as a visit in this stage
        assert (self.case.state.visits_total, self.case.state.visits_in_stage) == (
            total + 1,
            in_stage + int(event.counted),
        )  # type: ignore[union-attr]
        if stage.visits is not None:
            assert event.counted == (minutes >= stage.visits.min_minutes)
            assert (event.not_counted_reason is None) == event.counted

    @rule()
    def pause(self) -> None:
        status = self.case.state.status  # type: ignore[union-attr]
        self.attempt(
            Pause(command_id=self.next_id(), actor="coord-1", reason="hospital"),
            None if status == "active" else IllegalMove,
            must_succeed=status == "active",
        )
        if status == "active":
            assert self.case.state.status == "paused"  # type: ignore[union-attr]

    @rule()
    def resume(self) -> None:
        status = self.case.state.status  # type: ignore[union-attr]
        self.attempt(
            Resume(command_id=self.next_id(), actor="coord-1"),
            None if status == "paused" else IllegalMove,
            must_succeed=status == "paused",
        )
        if status == "paused":
            assert self.case.state.status == "active"  # type: ignore[union-attr]

    @rule(
        outcome=st.sampled_from(
            sorted(set(MODEL.outcomes) | set(ALL_GUARDS.outcomes))
            + ["employed_maybe", "Dropped_Out", "closed", "done "]
        )
    )
    def close(self, outcome: str) -> None:
        s = self.case.state  # type: ignore[union-attr]
        command = Close(command_id=self.next_id(), actor="coord-1", outcome=outcome)
        if s.status == "closed":
            self.attempt(command, IllegalMove)
        elif outcome not in self.definition.outcomes:
            self.attempt(command, InvalidCommand)
        else:
            events = self.attempt(command, must_succeed=True)
            s = self.case.state  # type: ignore[union-attr]
            assert (s.status, s.outcome, s.stage) == ("closed", outcome, self.definition.outcomes[outcome])
            assert events[-1].kind == "case_closed"

    @rule(who=st.sampled_from(["coord-1", "coord-2", "coord-3"]))
    def assign(self, who: str) -> None:
        s = self.case.state  # type: ignore[union-attr]
        expect = IllegalMove if s.status == "closed" else (InvalidCommand if who == s.coordinator_id else None)
        self.attempt(AssignCoordinator(command_id=self.next_id(), actor="sup-1", coordinator_id=who), expect)

    @rule(step=time_steps)
    def wait(self, step: timedelta) -> None:
        self.tick(step)

    def tick(self, step: timedelta) -> None:
        case = self.case
        assert case is not None
        self.now += step
        seq0 = case.state.seq
        status = case.state.status
        events = case.fire_due(self.now)
        assert case.state.seq == seq0 + len(events)
        assert [e.seq for e in events] == list(range(seq0 + 1, seq0 + 1 + len(events)))
        assert all(e.at <= self.now for e in events)
        if status != "active":
            assert events == []
        assert case.state.stage in self.definition.stages

    @rule()
    def continue_as_new(self) -> None:
        """The state survives the JSON trip that continue-as-new makes; the rebuilt case agrees."""
        case = self.case
        assert case is not None
        carried = PathwayState.model_validate_json(case.state.model_dump_json())
        rebuilt = Case(carried)
        assert rebuilt.state.model_dump(mode="json") == case.state.model_dump(mode="json")
        assert rebuilt.machine is case.machine  # one machine per definition version
        assert rebuilt.view(self.now).model_dump() == case.view(self.now).model_dump()
        self.case = rebuilt

    # ---- invariants
    @invariant()
    def stage_is_defined_and_consistent(self) -> None:
        if self.case is None:
            return
        s, d = self.case.state, self.definition
        assert s.stage in d.stages
        event(f"case reached {s.stage} ({s.status})")
        assert self.case.machine is machine_for(self.case.definition)  # shared, the stage is the state's
        assert (s.status == "closed") == d.stages[s.stage].terminal
        if s.status == "closed":
            assert s.watches == {} and self.case.next_alarm_at() is None and s.outcome is not None
        assert [e.seq for e in s.outbox] == list(range(1, s.seq + 1))
        assert s.stages[-1].stage == s.stage
        view = self.case.view(self.now)
        assert view.stage == s.stage and view.seq == s.seq
        assert set(view.allowed) <= oracle_triggers(d, s.stage)
        if s.status != "active":
            assert view.allowed == [] and view.blocked == []

    @invariant()
    def closed_cases_refuse_everything(self) -> None:
        if self.case is None or self.case.state.status != "closed":
            return
        for command in (
            Advance(command_id="late-1", actor="coord-1", trigger="advance"),
            SetFact(command_id="late-2", actor="coord-1", name=next(iter(self.definition.facts)), value=None),
            RecordVisit(command_id="late-3", actor="coord-1", occurred_at=self.now, duration_minutes=60),
            Pause(command_id="late-4", actor="coord-1"),
            Resume(command_id="late-5", actor="coord-1"),
            Close(command_id="late-6", actor="coord-1", outcome=next(iter(self.definition.outcomes))),
            AssignCoordinator(command_id="late-7", actor="sup-1", coordinator_id="coord-9"),
        ):
            before = self.case.state.model_dump()
            with pytest.raises(IllegalMove):
                self.case.apply(command, self.now)
            assert self.case.state.model_dump() == before
        assert self.case.fire_due(self.now + timedelta(days=3650)) == []


class ModelWsparciaCase(CaseProperties):
    definition = MODEL


class AllGuardsCase(CaseProperties):
    definition = ALL_GUARDS


TestModelWsparciaCase = ModelWsparciaCase.TestCase
TestModelWsparciaCase.settings = STATEFUL
TestAllGuardsCase = AllGuardsCase.TestCase
TestAllGuardsCase.settings = STATEFUL
