"""Typed errors of the pure core.

Each error carries a machine ``code`` (stable, for APIs and tests) and a message for people.
They never carry personal data: only ids, stage names, trigger names and guard names.
"""

from __future__ import annotations

from dataclasses import dataclass


class PathwayError(Exception):
    code: str = "pathway_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, **self.details}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a definition, located by its path inside the document."""

    path: str
    message: str
    line: int | None = None

    def render(self, source: str) -> str:
        where = f"{source}:{self.line}" if self.line else source
        return f"{where}: {self.path or '<root>'}: {self.message}"


class DefinitionError(PathwayError):
    """A pathway definition is wrong. Names the file, each path inside it and the problem."""

    code = "invalid_definition"

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        text = "\n".join(p.render(source) for p in problems)
        super().__init__(
            f"{source}: {len(problems)} problem(s) in the definition\n{text}",
            source=source,
            problems=[{"path": p.path, "line": p.line, "message": p.message} for p in problems],
        )


class IllegalMove(PathwayError):
    """The trigger does not exist from the case's current stage (or the case is not active)."""

    code = "illegal_move"


@dataclass(frozen=True)
class GuardFailure:
    guard: str
    reason: str
    reason_pl: str
    fact: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"guard": self.guard, "fact": self.fact, "reason": self.reason, "reason_pl": self.reason_pl}


class GuardUnmet(PathwayError):
    """The move exists from this stage but a guard is false; says which."""

    code = "guard_unmet"

    def __init__(self, message: str, failures: list[GuardFailure], **details: object) -> None:
        self.failures = failures
        super().__init__(message, guards=[f.to_dict() for f in failures], **details)


class InvalidCommand(PathwayError):
    """A command is malformed for this case (unknown fact, wrong value type, bad outcome...)."""

    code = "invalid_command"
