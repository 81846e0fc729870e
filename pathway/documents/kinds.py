"""The papers a case can be printed as: one ``Kind`` each, with its template, the version of
that template (printed on every page, so a signed paper says which wording it carries) and
what a request for it must name."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    template: str
    # Raise it whenever the template's wording changes.
    version: int
    # What the request must name besides the case (a referral letter: which referral).
    needs: tuple[str, ...] = ()
    # Whether the kind applies only to pathways that make referrals.
    referrals_only: bool = False
    # Whether a pathway that does not list its papers (``documents:``) has it.
    default: bool = True


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("consent", "consent.html", version=1),
        Kind("referral", "referral.html", version=1, needs=("referral",), referrals_only=True),
        Kind("transfer", "transfer.html", version=1),
        Kind("contract", "contract.html", version=1, default=False),
        Kind("plan", "plan.html", version=1, default=False),
        Kind("assessment", "assessment.html", version=1, default=False),
    )
}
