"""The profile and the outcomes on the web pages (issue 14, section 5): the open-a-case form
takes the profile and the case page carries the Polish eligibility warning; closing asks for
the status at exit; the supervisor's dashboard shows the outcomes as a table and a chart."""

from __future__ import annotations

import re

import pytest
from apistack import Stack, new_unit
from test_web_pages import CSRF, Browserless, _user

pytestmark = pytest.mark.integration


async def test_open_warn_close_and_the_dashboard(stack: Stack) -> None:
    unit = new_unit()
    coord_login, sup_login = _user(stack, unit, "coord", ["coordinator"]), _user(stack, unit, "sup", ["supervisor"])
    coord, sup = Browserless(stack), Browserless(stack)
    await coord.sign_in(coord_login)
    await sup.sign_in(sup_login)

    form = await coord.http.get("/cases/new")
    assert 'name="birth_year"' in form.text and 'name="labour_status"' in form.text and "Płeć" in form.text
    fields = {
        "csrf": CSRF.search(form.text).group(1),
        "key": re.search(r'name="key" value="([^"]+)"', form.text).group(1),
        "definition": "model-wsparcia",
        "coordinator": coord_login,
        "name": "Jan Przykładowy",
        "sex": "male",
        "birth_year": "1990",
        "labour_status": "inactive",
        "disability": "no",
    }
    opened = await coord.http.post("/cases/new", data=fields)
    assert opened.status_code == 303, opened.text
    target = opened.headers["location"]
    assert "not_eligible=sex,birth_year" in target and "1990" not in target  # names, never values
    page = await coord.http.get(target)
    assert "Osoba nie spełnia kryteriów udziału w tej ścieżce: płeć, wiek (rok urodzenia)." in page.text
    case_id = target.split("/cases/")[1].split("?")[0]

    bad_year = await coord.http.post("/cases/new", data={**fields, "birth_year": "19x0", "key": "k-bad-year"})
    assert bad_year.status_code == 422 and "birth_year" in bad_year.text

    close = f"/cases/{case_id}/close"
    hidden = await coord.form_fields(f"/cases/{case_id}", close)
    assert 'name="exit_status"' in (await coord.http.get(f"/cases/{case_id}")).text
    refused = await coord.http.post(close, data={**hidden, "outcome": "dropped_out"})
    assert refused.status_code == 422 and "exit_status" in refused.text
    done = await coord.http.post(close, data={**hidden, "outcome": "dropped_out", "exit_status": "inactive"})
    assert done.status_code == 303, done.text
    closed = await coord.http.get(f"/cases/{case_id}")
    assert f'action="/cases/{case_id}/follow-up"' in closed.text

    board = await sup.http.get("/dashboard", params={"definition": "model-wsparcia"})
    assert board.status_code == 200
    section = board.text[board.text.index('id="outcomes"') :]
    assert "Rezultaty" in section and "Zatrudnienie w chwili zakończenia" in section
    assert 'role="img"' in section and "Praktyka → zatrudnienie" in section
    assert "osoba bierna zawodowo" in section and "mężczyzna" in section
