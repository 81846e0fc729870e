"""The client's profile on the web forms: the open-a-case form's fields read into the API's
shape, and the eligibility warning carried from the opening to the case page (field names in
the address, never their values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pathway.app.profiles import eligibility_warning
from pathway.app.schemas import CaseWarning

PROFILE_FORM = ("sex", "birth_year", "labour_status", "disability", "disability_degree", "eligibility_confirmed")
_FIELDS = ("sex", "birth_year", "labour_status", "disability")
_YES_NO = {"yes": True, "no": False}


def profile_from_form(values: Mapping[str, str | None]) -> dict[str, Any] | None:
    """The profile as the API takes it; None when nothing of it was filled in. A birth year
    that is not a number is passed on as text, for the API's validation to refuse by name."""
    year = values.get("birth_year")
    given: dict[str, Any] = {
        "sex": values.get("sex"),
        "birth_year": int(year) if year and year.isdigit() else year,
        "labour_status": values.get("labour_status"),
        "disability": _YES_NO.get(values.get("disability") or ""),
        "disability_degree": values.get("disability_degree"),
    }
    given = {k: v for k, v in given.items() if v is not None}
    return given or None


def eligibility_query(warnings: list[CaseWarning]) -> str:
    """The case page's address tail that says what the opening was warned about."""
    for w in warnings:
        if w.code == "not_eligible":
            parts = [f"&not_eligible={','.join(w.fields)}", f"&unchecked={','.join(w.missing)}"]
            return "".join(parts) + ("&confirmed=1" if w.confirmed else "")
    return ""


def eligibility_from_query(params: Mapping[str, str]) -> CaseWarning | None:
    if "not_eligible" not in params:
        return None

    def known(name: str) -> list[str]:
        return [f for f in params.get(name, "").split(",") if f in _FIELDS]

    fields, missing = known("not_eligible"), known("unchecked")
    if not (fields or missing):
        return None
    return eligibility_warning(fields, missing, params.get("confirmed") == "1")
