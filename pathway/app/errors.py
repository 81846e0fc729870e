"""The one refusal every use case raises, whatever surface asked.

``AppError`` carries an HTTP-like status as its category (404 not found, 403 forbidden, 409
conflict, 422 invalid, 503 unavailable, ...), a machine code and a message for people; the
API renders it as ``{"detail": {"code", "message", ...}}``, the web as a page in words, the
CLI as one line. Bad input is always one of these, never an exception of another kind."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    # Positional-only, so that details named like them (a refused move says the case's
    # "status") land in ``extra`` instead of raising a TypeError (a 500).
    def __init__(self, status: int, code: str, message: str, /, **extra: Any) -> None:
        super().__init__(message)
        self.headers: dict[str, str] | None = extra.pop("headers", None)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def body(self) -> dict[str, Any]:
        return {"detail": {"code": self.code, "message": self.message, **self.extra}}


def not_found(what: str, ident: str) -> AppError:
    return AppError(404, f"{what}_not_found", f"no {what} '{ident}'")


def store_unavailable() -> AppError:
    """The database did not answer in time (SQLite's write lock held past its busy timeout,
    PostgreSQL unreachable, the connection pool exhausted): a 503 to send again, never a 500."""
    return AppError(
        503,
        "store_unavailable",
        "the database did not answer in time; the request may not have been completed. "
        "Sending it again with the same Idempotency-Key is safe / baza danych nie odpowiedziała na czas; "
        "ponowienie z tym samym kluczem Idempotency-Key jest bezpieczne",
        retry_with_same_key=True,
        headers={"Retry-After": "5"},
    )
