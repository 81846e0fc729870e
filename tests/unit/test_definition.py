"""Pathway definitions: the Model Wsparcia definition loads, its snapshot hash is stable, and
every kind of wrong definition is rejected with a DefinitionError that names the file, the
dotted path inside it, the line and the problem."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathway.core.case import Case
from pathway.core.definition import (
    PARTNER_KINDS,
    Definition,
    content_hash,
    definition_from_data,
    from_snapshot,
    parse_definition,
    snapshot,
)
from pathway.core.errors import DefinitionError, Problem
from pathway.core.guards import GUARDS

ROOT = Path(__file__).resolve().parents[2]
MODEL_PATH = ROOT / "definitions" / "model-wsparcia.yaml"
MODEL_TEXT = MODEL_PATH.read_text(encoding="utf-8")
SOURCE = "mini.yaml"

# A small valid definition that the tests below break one way at a time. It has no
# `outcomes`, so that reachability and dead ends are judged on the moves alone.
MINI = """\
id: mini
version: 1
title: {pl: Mini, en: Mini}
initial: start
facts:
  intake:
    kind: checklist
    title: {pl: Przyjęcie, en: Intake}
    items:
      form: {title: {pl: Formularz, en: Form}}
  employer:
    kind: partner
    partner_kind: employer
    title: {pl: Pracodawca, en: Employer}
  ready:
    kind: flag
    title: {pl: Gotowa, en: Ready}
stages:
  start:
    title: {pl: Start, en: Start}
    deadline: 30 days
  work:
    title: {pl: Praca, en: Work}
    duration: 3 months
    notify: {on_enter: [employer]}
  done:
    title: {pl: Koniec, en: Done}
    terminal: true
    outcome: done
transitions:
  - trigger: advance
    source: start
    dest: work
    title: {pl: Dalej, en: Next}
    guards: [{guard: checklist_complete, fact: intake}]
  - trigger: finish
    source: work
    dest: done
    title: {pl: Koniec, en: Finish}
    guards: [{guard: duration_elapsed}]
"""

EXTRA_TRANSITION = """\
  - trigger: {trigger}
    source: {source}
    dest: {dest}
    title: {{pl: X, en: X}}
"""


def line_of(text: str, needle: str) -> int:
    """1-based number of the first line of ``text`` containing ``needle``."""
    for number, line in enumerate(text.splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in the fixture")


def mutate(old: str, new: str, text: str = MINI) -> str:
    assert text.count(old) == 1, f"fixture mutation {old!r} is ambiguous or missing"
    return text.replace(old, new)


def with_transition(trigger: str, source: str, dest: str, text: str = MINI) -> str:
    return text + EXTRA_TRANSITION.format(trigger=trigger, source=source, dest=dest)


def with_stage(block: str, text: str = MINI) -> str:
    return mutate("transitions:\n", block + "transitions:\n", text)


def rejected(text: str, source: str = SOURCE) -> DefinitionError:
    with pytest.raises(DefinitionError) as info:
        parse_definition(text, source)
    return info.value


def problem_at(err: DefinitionError, path: str) -> Problem:
    found = [p for p in err.problems if p.path == path]
    assert found, f"no problem at {path!r}; problems: {err.problems}"
    return found[0]


def assert_located(err: DefinitionError, path: str, *words: str, line: int | None = None) -> Problem:
    """The error has a problem at ``path`` whose message has ``words``, on ``line``, and the
    rendered text names the file, the line, the path and the message."""
    p = problem_at(err, path)
    for word in words:
        assert word in p.message, f"{word!r} not in {p.message!r}"
    if line is not None:
        assert p.line == line, f"{path}: line {p.line}, expected {line}"
    text = str(err)
    assert err.source == SOURCE
    assert text.startswith(f"{SOURCE}: ")
    where = f"{SOURCE}:{p.line}" if p.line else SOURCE
    assert f"{where}: {path or '<root>'}: {p.message}" in text
    assert err.code == "invalid_definition"
    as_dict = err.to_dict()
    assert {"path": p.path, "line": p.line, "message": p.message} in as_dict["problems"]
    return p


# --------------------------------------------------------------------------- valid definitions


def test_the_fixture_itself_is_valid() -> None:
    d = parse_definition(MINI, SOURCE)
    assert d.id == "mini"
    assert d.terminal_stages() == ["done"]


def test_model_wsparcia_loads() -> None:
    d = parse_definition(MODEL_TEXT, MODEL_PATH.name)
    assert isinstance(d, Definition)
    assert d.id == "model-wsparcia"
    assert d.version == 7
    assert d.initial == "diagnosis"
    assert d.timezone == "Europe/Warsaw"
    assert set(d.stages) == {
        "diagnosis",
        "plan",
        "therapy",
        "training",
        "internship",
        "follow_up",
        "closed",
        "not_employed",
        "dropped_out",
        "transferred",
    }
    assert set(d.terminal_stages()) == {"closed", "not_employed", "dropped_out", "transferred"}
    assert d.main_path()[:6] == ["diagnosis", "plan", "therapy", "training", "internship", "follow_up"]
    assert str(d.stages["internship"].duration) == "3 months"
    assert str(d.stages["internship"].deadline) == "10 working_days"
    assert str(d.stages["plan"].deadline) == "15 working_days"
    assert d.stages["diagnosis"].visits is not None and d.stages["diagnosis"].visits.min_minutes == 60
    assert str(d.escalation.repeat_every) == "2 working_days"
    assert str(d.escalation.escalate_after) == "5 working_days"
    assert d.outcomes == {"dropped_out": "dropped_out", "transferred": "transferred"}
    assert d.facts["placement"].partner_kind == "employer"


def test_model_wsparcia_snapshot_hash_is_stable_within_a_process() -> None:
    first = snapshot(parse_definition(MODEL_TEXT, MODEL_PATH.name))
    second = snapshot(parse_definition(MODEL_TEXT, "another-name.yaml"))
    assert first.content_hash == second.content_hash
    assert len(first.content_hash) == 64 and int(first.content_hash, 16) >= 0
    assert first.content_hash == content_hash(first.content)
    assert (first.id, first.version) == ("model-wsparcia", 7)


def test_snapshot_hash_ignores_comments_layout_and_key_order_but_not_content() -> None:
    base = snapshot(parse_definition(MODEL_TEXT, "m.yaml")).content_hash
    # comments and blank lines are not content
    decorated = "# a new comment\n\n" + MODEL_TEXT.replace("initial: diagnosis", "initial: diagnosis  # still")
    assert snapshot(parse_definition(decorated, "m.yaml")).content_hash == base
    # the same data written in another key order and flow style
    data = yaml.safe_load(MODEL_TEXT)
    reordered = dict(reversed(list(data.items())))
    reordered["stages"] = dict(reversed(list(data["stages"].items())))
    dumped = yaml.safe_dump(reordered, allow_unicode=True, sort_keys=False, default_flow_style=True)
    assert snapshot(parse_definition(dumped, "m.yaml")).content_hash == base
    # a changed value is a different definition
    changed = MODEL_TEXT.replace("deadline: 30 days", "deadline: 31 days")
    assert snapshot(parse_definition(changed, "m.yaml")).content_hash != base


def test_snapshot_hash_is_the_same_in_another_process() -> None:
    """The hash must not depend on Python's per-process hash seed (set/dict iteration)."""
    here = snapshot(parse_definition(MODEL_TEXT, "m.yaml")).content_hash
    code = (
        "import sys; from pathway.core.definition import parse_definition, snapshot; "
        "print(snapshot(parse_definition(open(sys.argv[1], encoding='utf-8').read(), 'x')).content_hash)"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(MODEL_PATH)], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == here


def test_snapshot_round_trips_to_an_equal_definition_with_the_same_hash() -> None:
    d = parse_definition(MODEL_TEXT, "m.yaml")
    snap = snapshot(d)
    rebuilt = from_snapshot(snap)
    assert rebuilt == d
    assert snapshot(rebuilt).content_hash == snap.content_hash
    # through JSON, as Temporal's payload converter carries it
    again = type(snap).model_validate_json(snap.model_dump_json())
    assert again.content_hash == snap.content_hash
    assert from_snapshot(again) == d


def test_cases_decoded_from_payloads_share_one_snapshot_of_equal_content() -> None:
    from workflows.messages import OpenCaseInput

    snap = snapshot(parse_definition(MODEL_TEXT, "m.yaml"))
    payload = OpenCaseInput(case_id="c1", definition=snap, coordinator_id="k", unit_id="u", actor="k").model_dump_json()
    first, second = (OpenCaseInput.model_validate_json(payload) for _ in range(2))
    assert first.definition is second.definition, "a worker keeps one copy per definition version, not one per case"
    assert first.definition == snap
    # A snapshot whose hash does not match its content is never swapped for the genuine one.
    forged = snap.model_dump(mode="json")
    forged["content"]["inactivity_alert"] = "1 days"
    decoded = type(snap).model_validate_json(json.dumps(forged))
    assert decoded is not first.definition and decoded.content["inactivity_alert"] == "1 days"
    assert type(snap).model_validate_json(snap.model_dump_json()) is first.definition, "the genuine one stays shared"


# --------------------------------------------------------------------------- wrong definitions


def test_unknown_stage_as_transition_dest() -> None:
    text = mutate("dest: done", "dest: nowhere")
    err = rejected(text)
    assert_located(err, "transitions.1.dest", "unknown stage 'nowhere'", line=line_of(text, "dest: nowhere"))


def test_unknown_stage_as_transition_source() -> None:
    text = mutate("source: start", "source: strat")
    err = rejected(text)
    assert_located(err, "transitions.0.source", "unknown stage 'strat'", line=line_of(text, "source: strat"))


def test_unknown_stage_in_a_list_of_sources() -> None:
    text = mutate("source: work", "source: [work, wrok]")
    err = rejected(text)
    assert_located(err, "transitions.1.source.1", "unknown stage 'wrok'", line=line_of(text, "source: [work, wrok]"))


def test_unknown_initial_stage() -> None:
    text = mutate("initial: start", "initial: begin")
    err = rejected(text)
    p = assert_located(err, "initial", "unknown stage 'begin'", line=line_of(text, "initial: begin"))
    assert "start, work, done" in p.message  # says what the stages are


def test_terminal_initial_stage() -> None:
    err = rejected(mutate("initial: start", "initial: done"))
    assert_located(err, "initial", "cannot be terminal")


def test_unreachable_stage() -> None:
    text = with_transition(
        "leave",
        "orphan",
        "done",
        with_stage("  orphan:\n    title: {pl: Sierota, en: Orphan}\n"),
    )
    err = rejected(text)
    assert_located(err, "stages.orphan", "unreachable", "'start'", line=line_of(text, "  orphan:"))
    assert [p.path for p in err.problems] == ["stages.orphan"]


def test_no_terminal_stage() -> None:
    text = mutate("    terminal: true\n    outcome: done\n", "")
    err = rejected(text)
    assert_located(err, "stages", "no terminal stage", line=line_of(text, "stages:"))


def test_dead_end_stage() -> None:
    text = with_transition(
        "park",
        "start",
        "limbo",
        with_stage("  limbo:\n    title: {pl: Zawieszenie, en: Limbo}\n"),
    )
    err = rejected(text)
    assert_located(err, "stages.limbo", "dead end", "terminal", line=line_of(text, "  limbo:"))
    assert [p.path for p in err.problems] == ["stages.limbo"]


def test_a_loop_with_no_way_out_is_a_dead_end_too() -> None:
    text = with_transition(
        "spin",
        "limbo",
        "limbo",
        with_transition("park", "start", "limbo", with_stage("  limbo:\n    title: {pl: Pętla, en: Loop}\n")),
    )
    err = rejected(text)
    assert_located(err, "stages.limbo", "dead end")


def test_transition_out_of_a_terminal_stage() -> None:
    text = with_transition("reopen", "done", "start")
    err = rejected(text)
    assert_located(err, "transitions.2.source", "'done' is terminal", line=line_of(text, "source: done"))


def test_unknown_guard_name() -> None:
    text = mutate("guard: checklist_complete", "guard: checklist_done")
    err = rejected(text)
    p = assert_located(
        err, "transitions.0.guards.0.guard", "unknown guard 'checklist_done'", line=line_of(text, "checklist_done")
    )
    for known in GUARDS:
        assert known in p.message


def test_guard_naming_an_unknown_fact() -> None:
    text = mutate("fact: intake", "fact: intak")
    err = rejected(text)
    assert_located(err, "transitions.0.guards.0", "unknown fact 'intak'", line=line_of(text, "fact: intak"))


def test_guard_without_the_fact_it_needs() -> None:
    text = mutate("[{guard: checklist_complete, fact: intake}]", "[{guard: checklist_complete}]")
    err = rejected(text)
    assert_located(err, "transitions.0.guards.0", "needs 'fact:")


def test_guard_on_a_fact_of_the_wrong_kind() -> None:
    text = mutate("fact: intake", "fact: ready")
    err = rejected(text)
    assert_located(err, "transitions.0.guards.0", "checklist", "'ready' is a flag", line=line_of(text, "fact: ready"))


def test_partner_guard_on_a_checklist_fact() -> None:
    err = rejected(mutate("guard: checklist_complete, fact: intake", "guard: partner_assigned, fact: intake"))
    assert_located(err, "transitions.0.guards.0", "partner", "'intake' is a checklist")


def test_duration_guard_on_a_stage_without_duration() -> None:
    err = rejected(mutate("guard: checklist_complete, fact: intake", "guard: duration_elapsed"))
    assert_located(err, "transitions.0.guards.0", "duration_elapsed", "start")


def test_min_visits_guard_needs_a_count() -> None:
    err = rejected(mutate("guard: checklist_complete, fact: intake", "guard: min_visits_in_stage"))
    assert_located(err, "transitions.0.guards.0", "count")


def test_notify_naming_a_non_partner_fact() -> None:
    text = mutate("notify: {on_enter: [employer]}", "notify: {on_enter: [ready]}")
    err = rejected(text)
    assert_located(
        err, "stages.work.notify.on_enter.0", "'ready' is not a partner fact", line=line_of(text, "on_enter: [ready]")
    )


def test_notify_naming_an_undeclared_fact() -> None:
    text = mutate("notify: {on_enter: [employer]}", "notify: {on_exit: [employer, nobody]}")
    err = rejected(text)
    assert_located(err, "stages.work.notify.on_exit.1", "'nobody' is not a partner fact")


def test_unknown_partner_kind() -> None:
    text = mutate("partner_kind: employer", "partner_kind: emplyer")
    err = rejected(text)
    p = assert_located(
        err,
        "facts.employer.partner_kind",
        "unknown partner role 'emplyer'",
        line=line_of(text, "partner_kind: emplyer"),
    )
    for known in PARTNER_KINDS:
        assert known in p.message


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("3 fortnights", ["unknown unit 'fortnights'", "working_days"]),
        ("abc", ["'abc' is not a duration"]),
        ("-5 days", ["'-5 days' is not a duration"]),
        ("30", ["needs a unit", "30 days"]),
        ("0 days", ["positive"]),
        ("1.5 days", ["not a duration"]),
        ("true", ["needs a unit"]),
    ],
)
def test_bad_duration_string(written: str, words: list[str]) -> None:
    text = mutate("deadline: 30 days", f"deadline: {written}")
    err = rejected(text)
    assert_located(err, "stages.start.deadline", *words, line=line_of(text, f"deadline: {written}"))
    assert len(err.problems) == 1


def test_bad_duration_in_a_nested_place() -> None:
    text = mutate(
        "title: {pl: Mini, en: Mini}\n", "title: {pl: Mini, en: Mini}\nescalation: {repeat_every: 2 fortnights}\n"
    )
    err = rejected(text)
    assert_located(err, "escalation.repeat_every", "fortnights", line=line_of(text, "escalation:"))


def test_unknown_field_typo() -> None:
    text = mutate("deadline: 30 days", "dedline: 30 days")
    err = rejected(text)
    assert_located(err, "stages.start.dedline", "unknown field", "spelling", line=line_of(text, "dedline:"))


def test_unknown_top_level_field() -> None:
    text = MINI + "outcome: done\n"
    err = rejected(text)
    assert_located(err, "outcome", "unknown field", line=len(MINI.splitlines()) + 1)


def test_missing_required_title() -> None:
    text = mutate("    title: {pl: Praca, en: Work}\n", "")
    err = rejected(text)
    assert_located(err, "stages.work.title", "required field is missing", line=line_of(text, "  work:"))


def test_missing_required_top_level_field() -> None:
    text = mutate("initial: start\n", "")
    err = rejected(text)
    assert_located(err, "initial", "required field is missing")


def test_invalid_yaml_reports_a_line() -> None:
    text = mutate("initial: start", "initial: start: again")
    err = rejected(text)
    p = assert_located(err, "", "not valid YAML", line=line_of(text, "initial: start: again"))
    assert f"{SOURCE}:{p.line}: <root>: not valid YAML" in str(err)


def test_invalid_yaml_unclosed_flow_reports_a_line() -> None:
    text = mutate("initial: start", "initial: [start")
    err = rejected(text)
    p = problem_at(err, "")
    assert "not valid YAML" in p.message
    assert p.line is not None and line_of(text, "initial: [start") <= p.line <= line_of(text, "initial: [start") + 2


def test_a_yaml_list_is_not_a_definition() -> None:
    err = rejected("- id: mini\n- version: 1\n")
    assert_located(err, "", "a definition is a mapping", line=1)


@pytest.mark.parametrize("text", ["", "just a string\n", "42\n", "~\n"])
def test_a_yaml_scalar_or_empty_file_is_not_a_definition(text: str) -> None:
    err = rejected(text)
    assert_located(err, "", "a definition is a mapping")


def test_duplicate_trigger_from_the_same_source() -> None:
    text = with_transition("advance", "start", "done")
    err = rejected(text)
    p = assert_located(err, "transitions.2.trigger", "'advance' from 'start'", "transitions.0")
    assert p.line == len(MINI.splitlines()) + 1  # the line of the added '- trigger: advance'


@pytest.mark.parametrize(
    "sources", ['["*"]', '[work, "*"]', "[]"], ids=["star-in-a-list", "star-with-a-stage", "empty-list"]
)
def test_a_source_list_that_names_no_real_stage_is_expanded_or_rejected(sources: str) -> None:
    """'*' means every open stage only as a bare string; inside a list it is neither expanded
    nor rejected, and an empty list names no stage: either way the move silently never exists."""
    text = with_transition("quit", sources, "done")
    try:
        d = parse_definition(text, SOURCE)
    except DefinitionError as err:
        assert any(p.path.startswith("transitions.2.source") for p in err.problems), err.problems
        return
    from pathway.core.machine import machine_for

    assert "quit" in machine_for(d).triggers("start"), f"source {sources} loaded, but 'quit' is not a move from 'start'"


def test_same_trigger_from_different_sources_is_fine() -> None:
    parse_definition(with_transition("advance", "work", "done"), SOURCE)


def test_wildcard_source_duplicating_an_explicit_one() -> None:
    err = rejected(with_transition("advance", '"*"', "done"))
    assert_located(err, "transitions.2.trigger", "'advance' from 'start'")


@pytest.mark.parametrize("name", ["close", "pause", "resume", "trigger", "state", "may_go", "to_done"])
def test_reserved_trigger_name(name: str) -> None:
    text = mutate("trigger: finish", f"trigger: {name}")
    err = rejected(text)
    assert_located(err, "transitions.1.trigger", f"'{name}' is reserved", line=line_of(text, f"trigger: {name}"))


def test_outcome_pointing_to_a_non_terminal_stage() -> None:
    text = MINI + "outcomes:\n  quit: start\n"
    err = rejected(text)
    assert_located(err, "outcomes.quit", "'start' is not terminal", line=line_of(text, "quit: start"))


def test_outcome_pointing_to_an_unknown_stage() -> None:
    text = MINI + "outcomes:\n  quit: gone\n"
    err = rejected(text)
    assert_located(err, "outcomes.quit", "unknown stage 'gone'")


def test_outcome_on_a_non_terminal_stage() -> None:
    err = rejected(mutate("    deadline: 30 days\n", "    deadline: 30 days\n    outcome: started\n"))
    assert_located(err, "stages.start.outcome", "only terminal stages")


def test_terminal_stage_with_a_deadline() -> None:
    err = rejected(mutate("    outcome: done\n", "    outcome: done\n    deadline: 5 days\n"))
    assert_located(err, "stages.done", "terminal stage has no deadline")


def test_checklist_without_items_and_record_without_fields() -> None:
    text = mutate("    items:\n      form: {title: {pl: Formularz, en: Form}}\n", "")
    text = mutate("facts:\n", "facts:\n  plan:\n    kind: record\n    title: {pl: Plan, en: Plan}\n", text)
    text = mutate("guards: [{guard: checklist_complete, fact: intake}]", "guards: []", text)
    err = rejected(text)
    assert_located(err, "facts.intake.items", "at least one item")
    assert_located(err, "facts.plan.fields", "at least one field")


def test_bad_slugs() -> None:
    err = rejected(mutate("id: mini", "id: Mini Pathway"))
    assert_located(err, "id", "lowercase")
    err = rejected(mutate("trigger: finish", "trigger: Finish-Now!"))
    assert_located(err, "transitions.1.trigger", "lowercase")


def test_several_problems_are_reported_together() -> None:
    text = mutate("dest: done", "dest: nowhere", mutate("guard: checklist_complete", "guard: nope"))
    err = rejected(text)
    paths = {p.path for p in err.problems}
    assert {"transitions.1.dest", "transitions.0.guards.0.guard"} <= paths
    assert "2 problem(s)" in str(err)
    assert str(err).count(f"{SOURCE}:") >= 3  # the header and one located line per problem


def test_error_names_the_file_it_was_given() -> None:
    err = rejected(mutate("dest: done", "dest: nowhere"), source="definitions/asystent-rodziny.yaml")
    assert err.source == "definitions/asystent-rodziny.yaml"
    assert "definitions/asystent-rodziny.yaml:" in str(err)
    assert err.to_dict()["source"] == "definitions/asystent-rodziny.yaml"


def test_definition_from_data_without_lines_still_names_source_and_path() -> None:
    data = yaml.safe_load(mutate("dest: done", "dest: nowhere"))
    with pytest.raises(DefinitionError) as info:
        definition_from_data(data, "snapshot:mini@1")
    err = info.value
    assert problem_at(err, "transitions.1.dest").line is None
    assert "snapshot:mini@1: transitions.1.dest: unknown stage 'nowhere'" in str(err)


@pytest.mark.parametrize(
    "zone_name",
    ["Europe/Warsow", "europe/warsaw", "Warsaw", '""', "../../etc/passwd", "Europe", "America", "x" * 300],
    ids=lambda z: z if len(z) < 30 else "300-characters",
)
def test_unknown_timezone(zone_name: str) -> None:
    """A wrong time zone is a DefinitionError at 'timezone', whatever the zone database makes of
    it ('Europe' is a directory of tzdata, a 300-character name is too long for a file name)."""
    text = mutate("initial: start", f"initial: start\ntimezone: {zone_name}")
    err = rejected(text)
    assert_located(err, "timezone", "time zone", line=line_of(text, "timezone:"))


@pytest.mark.parametrize(
    ("written", "limit"),
    [
        ("99999 months", "120 months"),
        ("3661 days", "3660 days"),
        ("523 weeks", "522 weeks"),
        ("2521 working_days", "2520 working_days"),
    ],
)
def test_duration_beyond_any_pathway(written: str, limit: str) -> None:
    text = mutate("deadline: 30 days", f"deadline: {written}")
    err = rejected(text)
    assert_located(err, "stages.start.deadline", "longer than any pathway", limit, line=line_of(text, "deadline:"))


def open_on(d: Definition) -> Case:
    return Case.open(
        case_id="c-1",
        definition=snapshot(d),
        coordinator_id="u-1",
        unit_id="unit-1",
        now=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        actor="u-1",
    )


def test_the_longest_allowed_durations_can_open_a_case() -> None:
    for written in ("120 months", "3660 days", "522 weeks", "2520 working_days", "87600 hours"):
        case = open_on(parse_definition(mutate("deadline: 30 days", f"deadline: {written}"), SOURCE))
        assert case.state.watches["stage_deadline"].due_at.year <= 2037


# --------------------------------------------------------------------------- fuzzing


MODEL_LINES = MODEL_TEXT.splitlines(keepends=True)
YAML_CHARS = st.sampled_from(list(":-[]{},#&*!|>'\"%@` \t\n?0123456789azAZ_.ąę") + ["\x00", "\ufeff"])


@st.composite
def mutated_model_text(draw: st.DrawFn) -> str:
    lines = list(MODEL_LINES)
    for _ in range(draw(st.integers(1, 3))):
        op = draw(
            st.sampled_from(["delete", "duplicate", "swap", "replace_char", "truncate", "insert_char", "cut_line"])
        )
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        if op == "delete":
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "cut_line":
            line = lines[i].rstrip("\n")
            lines[i] = line[: draw(st.integers(0, len(line)))] + "\n"
        elif op == "truncate":
            text = "".join(lines)
            cut = draw(st.integers(0, len(text)))
            lines = text[:cut].splitlines(keepends=True)
        else:
            line = lines[i]
            k = draw(st.integers(0, max(len(line) - 1, 0)))
            ch = draw(YAML_CHARS)
            lines[i] = line[:k] + ch + line[k + (1 if op == "replace_char" else 0) :]
    return "".join(lines)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_model_text())
def test_mutated_model_text_gives_a_definition_or_a_definition_error(text: str) -> None:
    try:
        d = parse_definition(text, "model-wsparcia.yaml")
    except DefinitionError as err:
        assert err.problems
        assert str(err).startswith("model-wsparcia.yaml: ")
        for p in err.problems:
            assert isinstance(p.message, str) and p.message
            assert p.line is None or p.line >= 1
    else:
        assert isinstance(d, Definition)
        open_on(d)  # a definition that loads is usable


json_leaves = (
    st.none()
    | st.booleans()
    | st.integers(-3, 100)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(
        [
            "diagnosis",
            "plan",
            "closed",
            "*",
            "30 days",
            "3 months",
            "10 working_days",
            "0 days",
            "abc",
            "checklist",
            "partner",
            "flag",
            "record",
            "certificate",
            "employer",
            "advance",
            "close",
            "checklist_complete",
            "duration_elapsed",
            "fact_recorded",
            "Europe/Warsaw",
        ]
    )
)
json_keys = st.sampled_from(
    [
        "id",
        "version",
        "title",
        "pl",
        "en",
        "initial",
        "stages",
        "transitions",
        "facts",
        "outcomes",
        "trigger",
        "source",
        "dest",
        "guards",
        "guard",
        "fact",
        "kind",
        "items",
        "terminal",
        "deadline",
        "duration",
        "visits",
        "every",
        "notify",
        "on_enter",
        "partner_kind",
        "fields",
        "diagnosis",
        "plan",
        "closed",
    ]
) | st.text(max_size=8)
json_values = st.recursive(
    json_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(json_keys, children, max_size=5),
    max_leaves=25,
)

MODEL_DATA = yaml.safe_load(MODEL_TEXT)


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, prefix + (i,))
    return out


MODEL_PATHS = _paths(MODEL_DATA)[1:]


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_random_structured_data_gives_a_definition_or_a_definition_error(data: object) -> None:
    try:
        definition_from_data(data, "random.yaml")  # type: ignore[arg-type]
    except DefinitionError as err:
        assert err.problems and str(err).startswith("random.yaml: ")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MODEL_PATHS), json_values, st.booleans()), min_size=1, max_size=3))
def test_model_data_with_random_subtrees_gives_a_definition_or_a_definition_error(edits: list) -> None:
    data = copy.deepcopy(MODEL_DATA)
    for path, value, delete in edits:
        parent = data
        try:
            for key in path[:-1]:
                parent = parent[key]
            if delete and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this path
    try:
        d = definition_from_data(data, "model-wsparcia.yaml")
    except DefinitionError as err:
        assert err.problems and all(isinstance(p.path, str) for p in err.problems)
    else:
        open_on(d)  # a definition that loads is usable
