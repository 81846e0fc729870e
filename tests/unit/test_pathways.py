"""The pathways of the source documents, their shared building blocks, the disability
certificate's expiry and referrals — the pure rules, with concrete Warsaw dates.

2026: 2 March is a Monday; Easter Monday is 6 April; CEST from 29 March."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers import Ids, record_plan  # noqa: F401

from pathway.app.catalog import Catalog, load_blocks, load_file
from pathway.core.blocks import BlockText
from pathway.core.case import CERTIFICATE_LAPSED, Case
from pathway.core.commands import Advance, AnswerReferral, Pause, RecordVisit, Refer, Resume, SetFact
from pathway.core.definition import PartnerField, parse_definition
from pathway.core.errors import DefinitionError, GuardUnmet, IllegalMove, InvalidCommand
from pathway.core.events import (
    CasePaused,
    CaseResumed,
    CertificateLapsed,
    NotificationRequested,
    ReferralAnswered,
    ReferralMade,
    ReminderDue,
)

ROOT = Path(__file__).resolve().parents[2]
DEFINITIONS = ROOT / "definitions"
CATALOG = Catalog.load(DEFINITIONS)
UTC = UTC
OPENED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 2 March, 09:00 in Warsaw


def open_case(definition_id: str, now: datetime = OPENED) -> Case:
    entry = CATALOG.get(definition_id)
    assert entry is not None
    return Case.open(
        case_id="case-1",
        definition=entry.snapshot,
        coordinator_id="coord-1",
        unit_id="unit-1",
        now=now,
        actor="coord-1",
        command_id="open-1",
    )


def set_fact(case: Case, ids: Ids, name: str, value: object, now: datetime) -> list:
    return case.apply(SetFact(command_id=ids(), actor="coord-1", name=name, value=value), now)


# ------------------------------------------------------------------ the catalogue


def test_every_pathway_of_the_source_documents_is_in_the_catalogue() -> None:
    assert set(CATALOG.ids()) == {
        "model-wsparcia",
        "asystent-rodziny",
        "asystent-osoby-niepelnosprawnej",
        "wychodzenie-z-bezdomnosci",
        "asystent-miedzykulturowy",
    }
    for entry in CATALOG.entries():
        d = entry.definition
        assert d.title.pl and d.title.en
        for name, stage in d.stages.items():
            assert stage.title.pl and stage.title.en, name


def test_pathways_share_their_exits_through_a_block_instead_of_copies() -> None:
    for definition_id in (
        "asystent-rodziny",
        "asystent-osoby-niepelnosprawnej",
        "wychodzenie-z-bezdomnosci",
        "asystent-miedzykulturowy",
    ):
        d = CATALOG.get(definition_id).definition  # type: ignore[union-attr]
        assert "wspolne-wyjscia" in d.composed_from
        assert d.outcomes == {"dropped_out": "dropped_out", "transferred": "transferred"}
        assert d.stages["dropped_out"].terminal and not d.stages["dropped_out"].funnel
        text = (DEFINITIONS / f"{definition_id}.yaml").read_text(encoding="utf-8")
        assert "dropped_out:" not in text  # written once, in the block
    family = CATALOG.get("asystent-rodziny").definition  # type: ignore[union-attr]
    assert family.facts["employment"].fields == {
        "employer": PartnerField(partner="employer"),
        "started_on": "date",
        "contract": "code",
    }
    assert family.caseload_limit == 15


def test_the_snapshot_holds_the_composed_definition_so_editing_a_block_never_changes_a_case() -> None:
    snap = CATALOG.get("asystent-rodziny").snapshot  # type: ignore[union-attr]
    # version 3 keeps a structured plan instead of the plan-pomocy block's date-only fact
    assert "use" not in snap.content and snap.content["composed_from"] == ["zatrudnienie", "wspolne-wyjscia"]
    assert "dropped_out" in snap.content["stages"]
    case = Case.open(case_id="c", definition=snap, coordinator_id="a", unit_id="u", now=OPENED, actor="a")
    assert "employment" in case.definition.facts and "help_plan" not in case.definition.facts


def test_a_definition_overrides_a_block_entry_with_its_own() -> None:
    blocks = load_blocks(DEFINITIONS)
    text = (DEFINITIONS / "asystent-miedzykulturowy.yaml").read_text(encoding="utf-8")
    data_text = text.replace(
        "  closed:\n    title: {pl: Zakończona — rodzina samodzielna",
        "  dropped_out:\n    title: {pl: Rezygnacja rodziny, en: The family withdrew}\n    terminal: true\n  "
        "  funnel: false\n"
        "  closed:\n    title: {pl: Zakończona — rodzina samodzielna",
    )
    d = parse_definition(data_text, "x.yaml", blocks)
    assert d.stages["dropped_out"].title.en == "The family withdrew"


def test_an_unknown_block_is_named_with_the_blocks_there_are() -> None:
    text = (
        (DEFINITIONS / "asystent-miedzykulturowy.yaml")
        .read_text(encoding="utf-8")
        .replace("use: [wspolne-wyjscia]", "use: [wspolne-wyjscie]")
    )
    with pytest.raises(DefinitionError) as err:
        parse_definition(text, "definitions/asystent-miedzykulturowy.yaml", load_blocks(DEFINITIONS))
    message = str(err.value)
    assert "definitions/asystent-miedzykulturowy.yaml" in message and "use.0" in message
    assert "unknown building block 'wspolne-wyjscie'" in message and "wspolne-wyjscia" in message


def test_a_wrong_block_names_the_block_file(tmp_path: Path) -> None:
    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "broken.yaml").write_text(
        "stages:\n  gone:\n    title: {pl: X, en: X}\n    terminal: true\n    deadline: 3 days\n", encoding="utf-8"
    )
    text = (
        (DEFINITIONS / "asystent-miedzykulturowy.yaml")
        .read_text(encoding="utf-8")
        .replace("use: [wspolne-wyjscia]", "use: [broken]\noutcomes: {gone: gone}")
    )
    path = tmp_path / "asystent-miedzykulturowy.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as err:
        load_file(path)
    message = str(err.value)
    assert "stages.gone" in message and "a terminal stage has no deadline" in message
    assert str(tmp_path / "blocks" / "broken.yaml") in message


def test_two_blocks_defining_the_same_entry_are_refused() -> None:
    blocks = {
        "a": BlockText("blocks/a.yaml", "facts:\n  note:\n    kind: flag\n    title: {pl: A, en: A}\n"),
        "b": BlockText("blocks/b.yaml", "facts:\n  note:\n    kind: flag\n    title: {pl: B, en: B}\n"),
    }
    text = (
        (DEFINITIONS / "asystent-miedzykulturowy.yaml")
        .read_text(encoding="utf-8")
        .replace("use: [wspolne-wyjscia]", "use: [a, b]")
    )
    with pytest.raises(DefinitionError) as err:
        parse_definition(text, "x.yaml", blocks)
    assert "blocks/a.yaml' and 'blocks/b.yaml' both define facts.note" in str(err.value)


# ------------------------------------------------------------------ the disability certificate


def admitted(ids: Ids, valid_until: str = "2026-06-30") -> Case:
    case = open_case("asystent-osoby-niepelnosprawnej")
    set_fact(case, ids, "disability_certificate", {"valid_until": valid_until, "degree": "umiarkowany"}, OPENED)
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="admit"), OPENED)
    assert case.state.stage == "needs_assessment"
    return case


def test_admission_needs_a_current_certificate(ids: Ids) -> None:
    case = open_case("asystent-osoby-niepelnosprawnej")
    with pytest.raises(GuardUnmet) as err:
        case.validate(Advance(command_id=ids(), actor="coord-1", trigger="admit"), OPENED)
    assert "Disability certificate" in err.value.message
    set_fact(case, ids, "disability_certificate", {"valid_until": "2026-03-01"}, OPENED)
    with pytest.raises(GuardUnmet) as err:
        case.validate(Advance(command_id=ids(), actor="coord-1", trigger="admit"), OPENED)
    assert "expired on 2026-03-01" in err.value.message


def test_the_coordinator_is_reminded_45_days_before_the_certificate_expires(ids: Ids) -> None:
    case = admitted(ids)  # valid until 30 June 2026
    remind_at = datetime(2026, 5, 15, 22, 0, tzinfo=UTC)  # 16 May 00:00 CEST = 30 June - 45 days
    early = case.fire_due(remind_at - timedelta(seconds=1))
    assert not [e for e in early if isinstance(e, ReminderDue) and e.watch.startswith("certificate")]
    events = [e for e in case.fire_due(remind_at) if isinstance(e, ReminderDue) and e.watch.startswith("certificate")]
    assert [(e.watch, e.level, e.at) for e in events] == [("certificate:disability_certificate", "reminder", remind_at)]
    assert case.state.status == "active"


def test_a_lapsed_certificate_suspends_the_service_and_a_new_one_resumes_it(ids: Ids) -> None:
    case = admitted(ids)
    lapse = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)  # 1 July 00:00 CEST
    events = case.fire_due(lapse + timedelta(hours=1))
    lapsed = [e for e in events if isinstance(e, CertificateLapsed)]
    assert [(e.fact, e.valid_until, e.suspended, e.at) for e in lapsed] == [
        ("disability_certificate", "2026-06-30", True, lapse)
    ]
    assert any(isinstance(e, CasePaused) and e.reason == CERTIFICATE_LAPSED for e in events)
    assert (case.state.status, case.state.pause_reason, case.state.paused_at) == ("paused", CERTIFICATE_LAPSED, lapse)
    # the service stays suspended: a person cannot simply resume it
    with pytest.raises(IllegalMove) as err:
        case.validate(Resume(command_id=ids(), actor="coord-1"), lapse + timedelta(days=3))
    assert "expired on 2026-06-30" in err.value.message and "record a current one" in err.value.message
    due_before = case.state.watches["stage_deadline"].due_at
    # ten days later a new certificate is recorded: the service resumes, its clocks moved by the gap
    renewed = lapse + timedelta(days=10)
    events = set_fact(case, ids, "disability_certificate", {"valid_until": "2028-06-30"}, renewed)
    assert any(isinstance(e, CaseResumed) for e in events)
    assert case.state.status == "active"
    assert case.state.watches["stage_deadline"].due_at == due_before + timedelta(days=10)
    assert case.state.watches["certificate:disability_certificate"].due_at == datetime(2028, 6, 30, 22, 0, tzinfo=UTC)


def test_a_certificate_expiring_during_a_pause_keeps_the_case_paused_until_a_new_one(ids: Ids) -> None:
    case = admitted(ids)
    case.apply(Pause(command_id=ids(), actor="coord-1", reason="hospital"), datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    with pytest.raises(IllegalMove):
        case.validate(Resume(command_id=ids(), actor="coord-1"), datetime(2026, 7, 5, 8, 0, tzinfo=UTC))
    set_fact(case, ids, "disability_certificate", {"valid_until": "2027-07-31"}, datetime(2026, 7, 5, 8, 0, tzinfo=UTC))
    assert case.state.status == "paused"  # paused by a person: they resume it
    case.apply(Resume(command_id=ids(), actor="coord-1"), datetime(2026, 7, 5, 9, 0, tzinfo=UTC))
    assert case.state.status == "active"


def test_the_certificate_date_does_not_move_with_a_pause(ids: Ids) -> None:
    case = admitted(ids)
    due = case.state.watches["certificate:disability_certificate"].due_at
    case.apply(Pause(command_id=ids(), actor="coord-1", reason="hospital"), datetime(2026, 4, 1, 8, 0, tzinfo=UTC))
    case.apply(Resume(command_id=ids(), actor="coord-1"), datetime(2026, 4, 20, 8, 0, tzinfo=UTC))
    assert case.state.watches["certificate:disability_certificate"].due_at == due


# ------------------------------------------------------------------ referrals


def refer(
    case: Case, ids: Ids, now: datetime, service: str = "therapy", partner: str = "p-therapy", kind: str = "therapy"
) -> list:
    return case.apply(
        Refer(
            command_id=ids(),
            actor="coord-1",
            referral_id=f"r-{service}",
            partner_id=partner,
            partner_kind=kind,
            service=service,
            consent_id="consent-1",
        ),
        now,
    )


def test_a_referral_tells_the_partner_and_waits_for_an_answer(ids: Ids) -> None:
    case = open_case("model-wsparcia")
    events = refer(case, ids, OPENED)
    made, note = events
    assert isinstance(made, ReferralMade) and made.consent_id == "consent-1"
    # 10 working days from Monday 2 March: Monday 16 March, missed from 17 March 00:00 CET
    assert made.answer_due_at == datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    assert isinstance(note, NotificationRequested) and (
        note.moment,
        note.referral_id,
        note.service,
        note.partner_id,
    ) == ("referral", "r-therapy", "therapy", "p-therapy")
    assert case.view(OPENED).referrals[0].status == "pending"


def test_an_unanswered_referral_reminds_then_escalates_like_an_overdue_visit(ids: Ids) -> None:
    case = open_case("model-wsparcia")
    refer(case, ids, OPENED)
    due = datetime(2026, 3, 16, 23, 0, tzinfo=UTC)
    reminders = [e for e in case.fire_due(due) if isinstance(e, ReminderDue) and e.watch == "referral:r-therapy"]
    assert [(e.level, e.n) for e in reminders] == [("reminder", 1)]
    # escalate_after 5 working days: Tuesday 24 March 00:00 CET
    escalation = datetime(2026, 3, 23, 23, 0, tzinfo=UTC)
    later = [e for e in case.fire_due(escalation) if isinstance(e, ReminderDue) and e.watch == "referral:r-therapy"]
    assert later[-1].level == "escalation"
    overdue = [o for o in case.overdue(escalation) if o.watch == "referral"]
    assert overdue and overdue[0].ref == "r-therapy" and overdue[0].escalated


def test_an_answer_stops_the_reminders(ids: Ids) -> None:
    case = open_case("model-wsparcia")
    refer(case, ids, OPENED)
    [answered] = case.apply(
        AnswerReferral(command_id=ids(), actor="partner:p-therapy", referral_id="r-therapy", answer="accepted"),
        OPENED + timedelta(days=3),
    )
    assert isinstance(answered, ReferralAnswered) and answered.answer == "accepted"
    assert "referral:r-therapy" not in case.state.watches
    assert not [
        e
        for e in case.fire_due(OPENED + timedelta(days=40))
        if isinstance(e, ReminderDue) and e.watch.startswith("referral")
    ]
    case.apply(
        AnswerReferral(command_id=ids(), actor="coord-1", referral_id="r-therapy", answer="done"),
        OPENED + timedelta(days=50),
    )
    with pytest.raises(IllegalMove) as err:
        case.validate(
            AnswerReferral(command_id=ids(), actor="coord-1", referral_id="r-therapy", answer="accepted"),
            OPENED + timedelta(days=51),
        )
    assert "already done" in err.value.message


@pytest.mark.parametrize(
    ("service", "kind", "message"),
    [
        ("massage", "therapy", "unknown service 'massage'"),
        ("therapy", "employer", "goes to a partner of kind therapy or health, not 'employer'"),
    ],
)
def test_a_referral_must_fit_the_pathway(ids: Ids, service: str, kind: str, message: str) -> None:
    case = open_case("model-wsparcia")
    with pytest.raises(InvalidCommand) as err:
        case.validate(
            Refer(
                command_id=ids(), actor="coord-1", referral_id="r", partner_id="p", partner_kind=kind, service=service
            ),
            OPENED,
        )
    assert message in err.value.message


def test_a_rejection_needs_a_reason_and_a_second_open_referral_is_refused(ids: Ids) -> None:
    case = open_case("model-wsparcia")
    refer(case, ids, OPENED)
    with pytest.raises(IllegalMove) as err:
        case.validate(
            Refer(
                command_id=ids(),
                actor="coord-1",
                referral_id="r-2",
                partner_id="p-therapy",
                partner_kind="therapy",
                service="therapy",
            ),
            OPENED,
        )
    assert "still pending" in err.value.message
    with pytest.raises(InvalidCommand) as err2:
        case.validate(
            AnswerReferral(command_id=ids(), actor="coord-1", referral_id="r-therapy", answer="rejected"), OPENED
        )
    assert "needs a reason" in err2.value.message
    case.apply(
        AnswerReferral(
            command_id=ids(), actor="coord-1", referral_id="r-therapy", answer="rejected", reason="no_places"
        ),
        OPENED,
    )
    assert case.state.referrals["r-therapy"].reason == "no_places"
    with pytest.raises(InvalidCommand):
        case.validate(
            Refer(
                command_id=ids(),
                actor="coord-1",
                referral_id="r-therapy",
                partner_id="p-therapy",
                partner_kind="therapy",
                service="therapy",
            ),
            OPENED,
        )


def test_a_pathway_without_referrals_refuses_them(ids: Ids) -> None:
    case = open_case("asystent-osoby-niepelnosprawnej")
    with pytest.raises(InvalidCommand) as err:
        case.validate(
            Refer(
                command_id=ids(),
                actor="coord-1",
                referral_id="r",
                partner_id="p",
                partner_kind="therapy",
                service="therapy",
            ),
            OPENED,
        )
    assert "makes no referrals" in err.value.message


def test_a_short_family_visit_is_logged_but_does_not_count(ids: Ids) -> None:
    case = open_case("asystent-rodziny")
    [short] = case.apply(
        RecordVisit(command_id=ids(), actor="coord-1", occurred_at=OPENED, duration_minutes=45, kind="home"), OPENED
    )
    assert short.counted is False and "60 minutes" in (short.not_counted_reason or "")
    [full] = case.apply(
        RecordVisit(
            command_id=ids(), actor="coord-1", occurred_at=OPENED + timedelta(hours=3), duration_minutes=90, kind="home"
        ),
        OPENED + timedelta(hours=3),
    )
    assert full.counted is True
    # due 7 days after the counted visit: 9 March, missed from 10 March 00:00 CET
    assert case.state.watches["visit"].due_at == datetime(2026, 3, 9, 23, 0, tzinfo=UTC)


def test_the_zi_is_told_when_a_model_wsparcia_case_enters_and_leaves_the_plan(ids: Ids) -> None:
    case = open_case("model-wsparcia")
    set_fact(case, ids, "zi", {"partner_id": "zi-wroclaw", "partner_kind": "zi"}, OPENED)
    set_fact(case, ids, "diagnosis", {k: True for k in ("situation", "needs", "resources", "limits", "safety")}, OPENED)
    events = case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    told = [(e.partner_id, e.moment, e.stage) for e in events if isinstance(e, NotificationRequested)]
    assert told == [("zi-wroclaw", "enter", "plan")]
    set_fact(case, ids, "help_plan", {"agreed_on": "2026-03-10", "zi_reference": "ZI-2026-017"}, OPENED)
    set_fact(case, ids, "therapist", {"partner_id": "t-1", "partner_kind": "therapy"}, OPENED)
    # the ZI's plan alone does not let the case go on: the plan agreed with the client does
    with pytest.raises(GuardUnmet, match="plan"):
        case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    record_plan(case, ids, OPENED, "2026-03-10")
    events = case.apply(Advance(command_id=ids(), actor="coord-1", trigger="advance"), OPENED)
    told = [(e.partner_id, e.moment, e.stage) for e in events if isinstance(e, NotificationRequested)]
    assert told == [("zi-wroclaw", "exit", "plan"), ("t-1", "enter", "therapy")]
    assert case.state.facts["help_plan"]["zi_reference"] == "ZI-2026-017"


def test_a_permanent_certificate_is_recorded_admits_and_never_lapses(ids: Ids) -> None:
    """A certificate issued "na stałe" has no end date (issue 13, item 15)."""
    case = open_case("asystent-osoby-niepelnosprawnej")
    set_fact(case, ids, "disability_certificate", {"permanent": True, "degree": "znaczny"}, OPENED)
    assert case.state.facts["disability_certificate"] == {"permanent": True, "degree": "znaczny"}
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="admit"), OPENED)
    assert case.state.stage == "needs_assessment"
    assert not [k for k in case.state.watches if k.startswith("certificate")]
    decades = OPENED + timedelta(days=365 * 30)
    events = case.fire_due(decades)
    assert not [e for e in events if isinstance(e, CertificateLapsed)]
    assert case.state.status == "active" or case.state.pause_reason != CERTIFICATE_LAPSED
    # a date and "permanent" at once, or neither, is refused naming the field
    for wrong in ({"permanent": True, "valid_until": "2030-01-01"}, {"degree": "znaczny"}, {"permanent": "yes"}):
        with pytest.raises(InvalidCommand, match="permanent"):
            case.validate(
                SetFact(command_id=ids(), actor="coord-1", name="disability_certificate", value=wrong), OPENED
            )


def _to_follow_up(ids: Ids) -> Case:
    """A Model Wsparcia case moved along the main path into the employment follow-up, each
    move's facts recorded with their kind's example value."""
    from pathway.core.case.fact_kinds import kind_of

    case = open_case("model-wsparcia")
    for trigger in ("advance", "advance", "advance", "advance", "employ"):
        for blocked in case.view(OPENED).blocked:
            if blocked.trigger == trigger and blocked.fact:
                spec = case.definition.facts[blocked.fact]
                set_fact(case, ids, blocked.fact, kind_of(spec).example(spec, OPENED.date()), OPENED)
            elif blocked.trigger == trigger and blocked.guard == "plan_complete":
                record_plan(case, ids, OPENED, OPENED.date().isoformat())
        case.apply(Advance(command_id=ids(), actor="coord-1", trigger=trigger), OPENED)
    assert case.state.stage == "follow_up"
    return case


def test_a_job_lost_in_the_follow_up_leaves_it_so_the_case_cannot_complete_as_employed(ids: Ids) -> None:
    """Issue 13, item 16: Model Wsparcia version 4 has a "job lost" move."""
    case = _to_follow_up(ids)
    assert "job_lost" in case.view(OPENED).allowed
    case.apply(Advance(command_id=ids(), actor="coord-1", trigger="job_lost"), OPENED)
    assert case.state.stage == "training"
    later = OPENED + timedelta(days=200)  # long past the follow-up's 3 months
    with pytest.raises(IllegalMove):
        case.apply(Advance(command_id=ids(), actor="coord-1", trigger="complete"), later)
    assert "complete" not in case.view(later).allowed


def test_version_3_of_model_wsparcia_is_kept_without_the_job_lost_move() -> None:
    blocks = load_blocks(DEFINITIONS / "blocks")
    kept = load_file(DEFINITIONS / "versions" / "model-wsparcia-v3.yaml", blocks)
    assert kept.version == 3 and "job_lost" not in {t.trigger for t in kept.transitions}
    assert CATALOG.get("model-wsparcia").definition.version > 3  # type: ignore[union-attr]
