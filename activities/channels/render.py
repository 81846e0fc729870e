"""A partner message as people read it: Polish first, then English.

Built from the message body only (what the partner's scope allows); labels come from
pathway.core.sharing and the partner-kind vocabulary."""

from __future__ import annotations

from typing import Any

from activities.notify import Message

_MOMENTS = {
    "enter": ("rozpoczęcie etapu", "the case entered the stage"),
    "exit": ("zakończenie etapu", "the case left the stage"),
    "referral": ("skierowanie klienta", "a referral of the client"),
}
_LINES: tuple[tuple[str, str, str], ...] = (
    # body key, Polish label, English label
    ("case_id", "Numer sprawy", "Case reference"),
    ("stage", "Etap", "Stage"),
    ("date", "Data", "Date"),
    ("coordinator_id", "Koordynator (kontakt przez ośrodek)", "Coordinator (contact through the centre)"),
    ("client_name", "Klient", "Client"),
    ("client_phone", "Telefon klienta", "Client's phone"),
    ("client_address", "Adres klienta", "Client's address"),
    ("support_reason", "Ścieżka wsparcia", "Support pathway"),
    ("violence_context", "Procedura przeciwdziałania przemocy domowej", "Domestic violence procedure"),
    ("service", "Usługa, o którą prosimy", "Service asked for"),
    ("referral_id", "Numer skierowania", "Referral reference"),
    (
        "callback_url",
        "Odpowiedź (przyjęte / odrzucone / wykonane) pod adresem",
        "Answer (accepted / rejected / done) at",
    ),
)


def subject(message: Message) -> str:
    pl, en = _MOMENTS.get(str(message.body.get("moment")), ("powiadomienie", "notification"))
    return f"Ścieżka wsparcia: {pl} / Support pathway: {en}"


def _value(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return str(value)


def text(message: Message) -> str:
    """The plain-text body: the Polish part, then the English part."""
    moment = str(message.body.get("moment"))
    pl, en = _MOMENTS.get(moment, ("powiadomienie", "notification"))
    present = [(key, lpl, len_) for key, lpl, len_ in _LINES if message.body.get(key) not in (None, "")]
    polish = ["Dzień dobry,", "", f"informujemy: {pl}.", ""] + [
        f"{lpl}: {_value(message.body[k])}" for k, lpl, _ in present
    ]
    english = ["Hello,", "", f"For your information: {en}.", ""] + [
        f"{len_}: {_value(message.body[k])}" for k, _, len_ in present
    ]
    footer = [
        "",
        f"Klucz wiadomości / message key: {message.key}",
        "Wiadomość wysłana automatycznie; prosimy nie przekazywać jej dalej. / "
        "Sent automatically; please do not forward it.",
    ]
    return "\n".join(polish + ["", "---- English ----", ""] + english + footer) + "\n"
