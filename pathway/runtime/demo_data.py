"""What ``pathway up --demo`` puts in: the demo's accounts, its resource map of fictional
partners and its example cases, each with how far it goes. ``demo.py`` seeds them.

All names are fictional (the town of "Przykładowo" does not exist)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFINITION = "model-wsparcia"
DEMO_UNIT = "default"  # the unit of the first admin on a new home
# Demo accounts, so that a newcomer can sign in as each role. Only ever on a demo home.
DEMO_PASSWORD = "demo-haslo-przyklad"
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("ewa.koordynatorka", "Ewa (koordynatorka)", ("coordinator",)),
    ("marek.koordynator", "Marek (koordynator)", ("coordinator",)),
    ("anna.kierowniczka", "Anna (kierowniczka)", ("supervisor",)),
)


# ----------------------------------------------------------------------------- partners
@dataclass(frozen=True)
class DemoPartner:
    id: str
    name: str
    kind: str
    sector: str
    services: tuple[str, ...] = ()
    email: str | None = None
    internship_capacity: int = 0
    # What the partner may be told (pathway.core.sharing.SCOPE_FIELDS).
    scope: tuple[str, ...] = ("case_reference", "stage", "dates", "coordinator_contact")


_BASE = ("case_reference", "stage", "dates", "coordinator_contact")
# The ZI and the police work the domestic-violence procedure with the centre (told without
# consent, on the act's basis); a therapy centre needs to know whom and why; a training
# provider and an employer learn whom to expect, never why.
DEMO_PARTNERS: tuple[DemoPartner, ...] = (
    DemoPartner(
        "demo-policja",
        "Komisariat Policji w Przykładowie",
        "police",
        "public",
        ("interwencja", "Niebieska Karta"),
        "komisariat@przykladowo.invalid",
        scope=(*_BASE, "client_name", "client_address", "violence_context"),
    ),
    DemoPartner(
        "demo-kurator",
        "Zespół Kuratorskiej Służby Sądowej Sądu Rejonowego w Przykładowie",
        "court",
        "public",
        ("nadzór kuratorski",),
        "kuratorzy@przykladowo.invalid",
        scope=(*_BASE, "client_name", "violence_context"),
    ),
    DemoPartner(
        "demo-zi",
        "Zespół Interdyscyplinarny Gminy Przykładowo",
        "zi",
        "public",
        ("plan pomocy", "grupa diagnostyczno-pomocowa"),
        "zi@przykladowo.invalid",
        scope=(*_BASE, "client_name", "client_phone", "client_address", "support_reason", "violence_context"),
    ),
    DemoPartner(
        "demo-terapia",
        "Fundacja „Przystań Przykładowa” — Ośrodek Terapii",
        "therapy",
        "non_public",
        ("terapia indywidualna", "grupa wsparcia"),
        "terapia@przystan.invalid",
        scope=(*_BASE, "client_name", "client_phone", "support_reason", "violence_context"),
    ),
    DemoPartner(
        "demo-szkolenia",
        "Centrum Szkoleń Zawodowych „Wzór” sp. z o.o.",
        "training",
        "private",
        ("kurs kucharza", "kurs opiekunki", "obsługa komputera"),
        "biuro@wzor-szkolenia.invalid",
        scope=(*_BASE, "client_name"),
    ),
    DemoPartner(
        "demo-pup",
        "Powiatowy Urząd Pracy w Przykładowie",
        "pup",
        "public",
        ("pośrednictwo pracy", "staże", "szkolenia z bonem"),
        "pup@przykladowo.invalid",
        scope=(*_BASE, "client_name", "client_phone"),
    ),
    DemoPartner(
        "demo-piekarnia",
        "Piekarnia „Złoty Kłos” Przykładowo sp. j.",
        "employer",
        "private",
        ("praktyka: sprzedawczyni", "praktyka: pomoc piekarza"),
        "kadry@zloty-klos.invalid",
        2,
        scope=(*_BASE, "client_name", "client_phone"),
    ),
    DemoPartner(
        "demo-hotel",
        "Hotel „Pod Przykładem” sp. z o.o.",
        "employer",
        "private",
        ("praktyka: pokojowa", "praktyka: pomoc kuchenna"),
        "hr@pod-przykladem.invalid",
        3,
        scope=(*_BASE, "client_name", "client_phone"),
    ),
    DemoPartner(
        "demo-fundacja",
        "Stowarzyszenie „Bezpieczna Przystań” — Punkt Wsparcia Kobiet",
        "ngo",
        "non_public",
        ("grupa wsparcia", "poradnictwo prawne", "mieszkanie interwencyjne"),
        "punkt@bezpieczna-przystan.invalid",
        scope=(*_BASE, "client_name", "client_phone", "violence_context"),
    ),
)

# Partners the demo clients agreed to share their case with (the others are told on the
# domestic-violence act's basis, or not at all).
DEMO_CONSENTS = ("demo-terapia", "demo-szkolenia", "demo-piekarnia")


# ----------------------------------------------------------------------------- cases
@dataclass(frozen=True)
class DemoCase:
    """One example client and how far her case goes.

    ``target`` is the stage the case is moved to along the main path; ``close`` closes it
    there with that outcome. ``opened_days_ago`` back-dates the opening (a case brought over
    from paper records): 40 days makes the 30-day diagnosis and the weekly visit overdue."""

    slug: str
    client_name: str
    coordinator: str
    target: str
    opened_days_ago: int = 0
    close: str | None = None
    visit: bool = True
    # A visit booked (an appointment) for ``booked_visit_at``: the coordinator's week shows it.
    book_visit: bool = False


DEMO_CASES: tuple[DemoCase, ...] = (
    DemoCase("diagnoza", "Janina Przykładowa", "ewa.koordynatorka", "diagnosis", visit=False),
    DemoCase("plan", "Halina Testowa", "ewa.koordynatorka", "plan", opened_days_ago=4),
    DemoCase("terapia", "Krystyna Fikcyjna", "marek.koordynator", "therapy", opened_days_ago=5),
    DemoCase("praktyka", "Barbara Demonstracyjna", "marek.koordynator", "internship", opened_days_ago=6),
    DemoCase("zamknieta", "Zofia Wzorcowa", "ewa.koordynatorka", "plan", opened_days_ago=3, close="transferred"),
    DemoCase("zalegla", "Teresa Próbna", "marek.koordynator", "diagnosis", opened_days_ago=40, visit=False),
    # Ewa's week: this visit is two days late (she is reminded, her supervisor not yet told)
    # and she has booked it for tomorrow.
    DemoCase(
        "umowiona",
        "Danuta Przykładowa",
        "ewa.koordynatorka",
        "diagnosis",
        opened_days_ago=9,
        visit=False,
        book_visit=True,
    ),
)


def booked_visit_at(now: datetime, tz: str) -> datetime:
    """When the demo books its visit: tomorrow at 10:00 while tomorrow is in this week (the
    week page shows it), on a Sunday two hours from now (tomorrow 10:00 late at night)."""
    local = now.astimezone(ZoneInfo(tz))
    if local.weekday() == 6 and local.hour < 22:
        return (local + timedelta(hours=2)).replace(minute=0, second=0, microsecond=0)
    return datetime.combine(local.date() + timedelta(days=1), time(10, 0), tzinfo=ZoneInfo(tz))


MAIN_PATH = ("diagnosis", "plan", "therapy", "training", "internship")


def family_plan(today: date, members: list[str]) -> dict[str, Any]:
    """The demo family's plan: two goals, one action overdue by three days; the rent is the
    last household member's to pay (the partner), or the coordinator's when none was added."""

    def day(days: int) -> str:
        return (today + timedelta(days=days)).isoformat()

    payer = {"kind": "member", "id": members[-1]} if members else {"kind": "coordinator"}

    return {
        "agreed_on": day(-7),
        "goals": [
            {
                "title": "Stabilna sytuacja mieszkaniowa",
                "actions": [
                    {"title": "Wniosek o dodatek mieszkaniowy", "owner": {"kind": "coordinator"}, "due_on": day(-3)},
                    {"title": "Spłata zaległości czynszowych", "owner": payer},
                ],
            },
            {
                "title": "Dzieci regularnie w szkole",
                "actions": [
                    {"title": "Rozmowa z pedagogiem szkolnym", "owner": {"kind": "coordinator"}, "due_on": day(10)}
                ],
            },
        ],
    }


def support_plan(today: date) -> dict[str, Any]:
    """The help plan a Model Wsparcia demo client agrees before therapy (plan_complete): one
    goal, two actions, both the coordinator's."""
    return {
        "agreed_on": (today - timedelta(days=1)).isoformat(),
        "goals": [
            {
                "title": "Bezpieczeństwo i powrót do pracy",
                "actions": [
                    {"title": "Rozpoczęcie terapii", "owner": {"kind": "coordinator"}, "due_on": today.isoformat()},
                    {
                        "title": "Rejestracja w urzędzie pracy",
                        "owner": {"kind": "coordinator"},
                        "due_on": (today + timedelta(days=14)).isoformat(),
                    },
                ],
            }
        ],
    }


@dataclass(frozen=True)
class DemoMember:
    """A person of a demo household: a role, a name, an age this year and a child's school;
    ``present`` at the demo's visit or not (so the page shows who is still to be met)."""

    role: str
    name: str
    age: int
    school: str | None = None
    present: bool = True


@dataclass(frozen=True)
class DemoPathwayCase:
    """A case on one of the other pathways, a step or two in: ``steps`` are ("fact", name,
    value-of-today), ("plan", "", plan-of-today-and-member-ids) or ("move", trigger, None), each sent once
    (fixed idempotency keys); ``members`` its household, added before the first visit."""

    slug: str
    client_name: str
    coordinator: str
    definition: str
    visit_kind: str
    steps: tuple[tuple[str, str, Any], ...] = ()
    members: tuple[DemoMember, ...] = ()


DEMO_OTHER_CASES: tuple[DemoPathwayCase, ...] = (
    DemoPathwayCase(
        "rodzina",
        "Marianna Przykładowa",
        "ewa.koordynatorka",
        "asystent-rodziny",
        "home",
        (
            (
                "fact",
                "contract",
                lambda today: {"signed_on": (today - timedelta(days=2)).isoformat(), "family_members": 4},
            ),
            ("move", "advance", None),
            # The family's plan, agreed a week ago: one action three days late (the case page
            # shows it, the coordinator is reminded).
            ("plan", "", family_plan),
        ),
        # A family with two children; the partner was not at the first visit yet, so the
        # diagnosis item "contact with all family members" still waits for him.
        (
            DemoMember("child", "Kasia Przykładowa", 9, "Szkoła Podstawowa nr 2 w Przykładowie"),
            DemoMember("child", "Tomek Przykładowy", 5, "Przedszkole Miejskie nr 1 w Przykładowie"),
            DemoMember("partner", "Piotr Przykładowy", 41, present=False),
        ),
    ),
    # Her certificate expires in 30 days: inside the 45-day notice, so the coordinator is reminded.
    DemoPathwayCase(
        "asystencja",
        "Stanisław Fikcyjny",
        "marek.koordynator",
        "asystent-osoby-niepelnosprawnej",
        "accompanying",
        (
            (
                "fact",
                "disability_certificate",
                lambda today: {"valid_until": (today + timedelta(days=30)).isoformat(), "degree": "umiarkowany"},
            ),
            ("move", "admit", None),
        ),
    ),
    DemoPathwayCase("bezdomnosc", "Tadeusz Testowy", "marek.koordynator", "wychodzenie-z-bezdomnosci", "outreach"),
    DemoPathwayCase("integracja", "Olena Przykładowa", "ewa.koordynatorka", "asystent-miedzykulturowy", "home"),
)


def facts_to_leave(stage: str, today: date) -> list[tuple[str, Any]]:
    """The facts a case needs before the ``advance`` out of ``stage`` (model-wsparcia)."""
    if stage == "diagnosis":
        return [("diagnosis", {"situation": True, "needs": True, "resources": True, "limits": True, "safety": True})]
    if stage == "plan":
        return [
            ("zi", {"partner_id": "demo-zi"}),
            ("help_plan", {"agreed_on": (today - timedelta(days=1)).isoformat(), "zi_reference": "ZI-DEMO-017"}),
            ("therapist", {"partner_id": "demo-terapia"}),
        ]
    if stage == "therapy":
        # The training provider is named before the case enters training: it is notified then.
        return [("ready_for_training", True), ("training_provider", {"partner_id": "demo-szkolenia"})]
    if stage == "training":
        return [("training_completed", True), ("placement", {"partner_id": "demo-piekarnia"})]
    return []
