"""What a partner may be told: the data-sharing vocabulary and its rules (pure).

A partner's scope is a set of field codes. A notification carries a field only where the
partner's scope names it, and a scope is checked against the partner's kind when it is set:
an employer can never be given the client's address, the reason for support or anything
about violence (DOMAIN.md, "What is at stake").

Consent: who may be told without the client's consent depends on the legal basis the
pathway declares (the domestic-violence act's exemption): see ``pathway.core.legal_basis``.
"""

from __future__ import annotations

SCOPE_FIELDS: dict[str, tuple[str, str]] = {
    # code: (Polish, English)
    "case_reference": ("Numer sprawy", "Case reference"),
    "stage": ("Etap ścieżki", "Pathway stage"),
    "dates": ("Daty", "Dates"),
    "coordinator_contact": ("Kontakt do koordynatora", "Coordinator contact"),
    "client_name": ("Imię i nazwisko klienta", "Client's name"),
    "client_phone": ("Telefon klienta", "Client's phone"),
    "client_address": ("Adres klienta", "Client's address"),
    "support_reason": ("Powód wsparcia (ścieżka)", "Reason for support (pathway)"),
    "violence_context": ("Kontekst przemocy domowej", "Domestic violence context"),
}

# What a partner is told when no scope is given: what every partner was told before scopes.
DEFAULT_SCOPE: tuple[str, ...] = ("case_reference", "stage", "dates", "coordinator_contact")

# Never to an employer, whatever the scope says.
EMPLOYER_FORBIDDEN: frozenset[str] = frozenset({"client_address", "support_reason", "violence_context"})


def scope_problems(kind: str, scope: list[str] | tuple[str, ...]) -> list[str]:
    """What is wrong with giving a partner of ``kind`` this scope (empty: nothing)."""
    problems = [f"unknown field '{f}'; known: {', '.join(SCOPE_FIELDS)}" for f in scope if f not in SCOPE_FIELDS]
    if kind == "employer":
        forbidden = sorted(set(scope) & EMPLOYER_FORBIDDEN)
        if forbidden:
            problems.append(
                "an employer may never be told "
                + ", ".join(forbidden)
                + " / pracodawcy nie wolno przekazać: "
                + ", ".join(SCOPE_FIELDS[f][0] for f in forbidden)
            )
    return problems


def _norm(contact: str) -> str:
    text = contact.strip().lower()
    digits = "".join(ch for ch in text if ch.isdigit())
    # A phone number is compared by its last nine digits (Polish numbers, with or without +48).
    return digits[-9:] if "@" not in text and len(digits) >= 7 else text.removeprefix("mailto:")


def perpetrator_match(contacts: list[str], *, email: str | None, webhook_url: str | None) -> bool:
    """Whether a partner's address is one recorded as the perpetrator's contact: the same
    e-mail address, or a webhook address that carries one of the contacts."""
    wanted = {_norm(c) for c in contacts if c and c.strip()}
    if not wanted:
        return False
    if email and _norm(email) in wanted:
        return True
    if webhook_url:
        url = webhook_url.lower()
        digits = "".join(ch for ch in url if ch.isdigit())
        return any((c in url) if "@" in c or not c.isdigit() else (c in digits) for c in wanted)
    return False
