"""Shortened ids: what tables print, and how a command finds the whole id again.

Generated ids are 32 hex digits (``uuid4().hex``): too wide for an 80-column table. A table
prints the shortest prefix of at least 8 digits that no other id of the listing shares (like
git's short hashes); every command that takes such an id accepts a unique prefix of it and
asks the API's listing which id it stands for. Ids people chose (``demo-policja``, logins)
are printed and taken whole."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import typer

from pathway.cli.console import _, err, n_

SHORT = 8  # digits a shortened id keeps at least
MIN_PREFIX = 4  # digits a typed prefix needs at least
_GENERATED = re.compile(r"[0-9a-f]{32}")
_PREFIX = re.compile(rf"[0-9a-f]{{{MIN_PREFIX},31}}")


def is_generated(value: str) -> bool:
    return _GENERATED.fullmatch(value) is not None


def short_ids(ids: Iterable[str]) -> dict[str, str]:
    """Each id -> what a table prints for it: a generated id's shortest prefix of at least
    ``SHORT`` digits that is unique among ``ids``; any other id unchanged."""
    unique = sorted(set(ids))
    out: dict[str, str] = {}
    for i, value in enumerate(unique):
        if not is_generated(value):
            out[value] = value
            continue
        shared = max(
            (_common_prefix(value, unique[j]) for j in (i - 1, i + 1) if 0 <= j < len(unique)),
            default=0,
        )
        out[value] = value[: max(SHORT, shared + 1)]
    return out


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def resolve(
    given: str,
    candidates: Callable[[], Iterable[str]],
    what: str,
    *,
    fallback: Callable[[], Iterable[str]] | None = None,
) -> str:
    """The whole id ``given`` stands for. A whole id, or anything that is not a hex prefix,
    is taken as it is (the API answers for it); a prefix must match exactly one of
    ``candidates()`` (ids of the listing it was read from) — or, when none does, exactly one
    of ``fallback()`` — else the command stops here, saying why."""
    if not _PREFIX.fullmatch(given):
        return given
    matches = sorted({c for c in candidates() if c.startswith(given)})
    if not matches and fallback is not None:
        matches = sorted({c for c in fallback() if c.startswith(given)})
    if len(matches) == 1:
        return matches[0]
    if not matches:
        err.print(_no_id(what, given), style="red", markup=False)
    else:
        starts = ", ".join(m[: len(given) + 4] + "…" for m in matches)
        err.print(_many_ids(what, given, len(matches), starts), style="red", markup=False)
    raise typer.Exit(2)


def _no_id(what: str, given: str) -> str:
    return {
        "case": _("no case whose id starts with '%(start)s'", start=given),
        "partner": _("no partner whose id starts with '%(start)s'", start=given),
        "consent of this case": _("no consent of this case whose id starts with '%(start)s'", start=given),
        "referral": _("no referral whose id starts with '%(start)s'", start=given),
        "member of this case": _("no member of this case's family whose id starts with '%(start)s'", start=given),
    }.get(what, f"{what}: '{given}'?")


def _many_ids(what: str, given: str, n: int, starts: str) -> str:
    fields = {"start": given, "starts": starts}
    return {
        "case": n_(
            "'%(start)s' is the start of %(num)d case ids (%(starts)s): type more of it",
            "'%(start)s' is the start of %(num)d case ids (%(starts)s): type more of it",
            n,
            **fields,
        ),
        "partner": n_(
            "'%(start)s' is the start of %(num)d partner ids (%(starts)s): type more of it",
            "'%(start)s' is the start of %(num)d partner ids (%(starts)s): type more of it",
            n,
            **fields,
        ),
        "consent of this case": n_(
            "'%(start)s' is the start of %(num)d consent of this case ids (%(starts)s): type more of it",
            "'%(start)s' is the start of %(num)d consent of this case ids (%(starts)s): type more of it",
            n,
            **fields,
        ),
        "referral": n_(
            "'%(start)s' is the start of %(num)d referral ids (%(starts)s): type more of it",
            "'%(start)s' is the start of %(num)d referral ids (%(starts)s): type more of it",
            n,
            **fields,
        ),
        "member of this case": n_(
            "'%(start)s' is the start of %(num)d ids of this case's family members (%(starts)s): type more of it",
            "'%(start)s' is the start of %(num)d ids of this case's family members (%(starts)s): type more of it",
            n,
            **fields,
        ),
    }.get(what, f"{what}: '{given}' ({starts})?")
