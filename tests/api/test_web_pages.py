"""The web pages without a browser: the same rules as the API behind them.

- no session: every page sends the browser to sign in; a form is not accepted;
- a colleague's case page is "not found", exactly like a made-up id;
- a form without this session's CSRF token changes nothing (403);
- the same form sent twice (one idempotency key) moves the case once;
- roles: a supervisor sees a case without move buttons; a coordinator has no dashboard;
  an admin has no case list.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from apistack import DIAGNOSIS_DONE, PASSWORD, Stack, new_unit
from sqlmodel import Session

from pathway.http.requests import SESSION_COOKIE
from pathway.security import accounts
from pathway.store import queries
from pathway.store.models import PartnerCreate
from pathway.web.session import LANG_COOKIE

pytestmark = pytest.mark.integration

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class Browserless:
    """One person's cookie jar against the app, signing in through the web form."""

    def __init__(self, stack: Stack) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=stack.app), base_url="http://test", timeout=30)

    async def sign_in(self, login: str) -> None:
        form = await self.http.get("/login")
        assert form.status_code == 200
        r = await self.http.post(
            "/login",
            data={"csrf": CSRF.search(form.text).group(1), "username": login, "password": PASSWORD, "next": "/cases"},
        )
        assert r.status_code == 303, r.text
        assert r.headers["location"] == "/cases"
        assert "pathway_session" in self.http.cookies

    async def form_fields(self, path: str, action: str) -> dict[str, str]:
        """The hidden fields (csrf, key, ...) of the form that posts to ``action`` on ``path``."""
        page = await self.http.get(path)
        assert page.status_code == 200, page.text
        start = page.text.index(f'action="{action}"')
        form = page.text[start : page.text.index("</form>", start)]
        return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))


def _user(stack: Stack, unit: str, name: str, roles: list[str]) -> str:
    login = f"{name}.{unit}"
    accounts.create_user(stack.engine, user_id=login, display_name=name, unit_id=unit, roles=roles, password=PASSWORD)
    return login


@pytest.fixture
async def unit(stack: Stack) -> AsyncIterator[dict[str, str]]:
    unit = new_unit()
    yield {
        "unit": unit,
        "coord": _user(stack, unit, "coord", ["coordinator"]),
        "colleague": _user(stack, unit, "colleague", ["coordinator"]),
        "sup": _user(stack, unit, "sup", ["supervisor"]),
        "admin": _user(stack, unit, "admin", ["admin"]),
    }


async def _open(stack: Stack, unit: dict[str, str], coordinator: str) -> str:
    token, _ = accounts.login(stack.engine, user_id=unit["sup"], password=PASSWORD)
    r = await stack.http.post(
        "/api/v1/cases",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "definition": "model-wsparcia",
            "coordinator": unit[coordinator],
            "client": {"name": f"Klientka Strony {uuid.uuid4().hex[:6]}"},
        },
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_without_a_session_pages_send_you_to_sign_in(stack: Stack, unit: dict[str, str]) -> None:
    case_id = await _open(stack, unit, "coord")
    web = Browserless(stack)
    for path in (
        "/",
        "/cases",
        f"/cases/{case_id}",
        "/cases/new",
        "/dashboard",
        "/partners",
        "/definitions/model-wsparcia",
    ):
        r = await web.http.get(path)
        assert r.status_code == 303, (path, r.status_code)
        assert r.headers["location"] == f"/login?next={path}"  # a first visit: nothing has expired
    # a session cookie the server no longer knows: that session has expired, and the page says so
    web.http.cookies.set(SESSION_COOKIE, "no-longer-valid")
    r = await web.http.get("/cases")
    assert r.status_code == 303 and r.headers["location"] == "/login?expired=1&next=/cases"
    web.http.cookies.clear()
    r = await web.http.post(f"/cases/{case_id}/move", data={"trigger": "advance", "csrf": "x"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    # the login page itself is served, in Polish by default, and not cached
    page = await web.http.get("/login?expired=1&next=/cases")
    assert page.status_code == 200 and '<html lang="pl">' in page.text and "Zaloguj" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


async def test_a_colleagues_case_is_not_found_like_a_made_up_one(stack: Stack, unit: dict[str, str]) -> None:
    mine, theirs = await _open(stack, unit, "coord"), await _open(stack, unit, "colleague")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    assert (await web.http.get(f"/cases/{mine}")).status_code == 200
    colleague = await web.http.get(f"/cases/{theirs}")
    made_up_id = uuid.uuid4().hex
    made_up = await web.http.get(f"/cases/{made_up_id}")
    assert colleague.status_code == made_up.status_code == 404
    assert colleague.text.replace(theirs, "<id>") == made_up.text.replace(made_up_id, "<id>")
    # nor can a form act on it
    fields = await web.form_fields(f"/cases/{mine}", f"/cases/{mine}/facts/diagnosis")
    r = await web.http.post(
        f"/cases/{theirs}/facts/diagnosis", data={**fields, **{f"item.{k}": "on" for k in DIAGNOSIS_DONE}}
    )
    assert r.status_code == 404
    listing = await web.http.get("/cases")
    assert mine in listing.text and theirs not in listing.text


async def test_a_form_without_the_sessions_csrf_token_changes_nothing(stack: Stack, unit: dict[str, str]) -> None:
    case_id = await _open(stack, unit, "coord")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/facts/diagnosis")
    checked = {f"item.{k}": "on" for k in DIAGNOSIS_DONE}
    for csrf in (None, "", "forged-" + fields["csrf"][7:]):
        data = {**fields, **checked}
        if csrf is None:
            del data["csrf"]
        else:
            data["csrf"] = csrf
        r = await web.http.post(f"/cases/{case_id}/facts/diagnosis", data=data)
        assert r.status_code == 403, r.text
        assert "Formularz wygasł" in r.text
    # another session's token is not this session's
    other = Browserless(stack)
    await other.sign_in(unit["coord"])
    theirs = await other.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/facts/diagnosis")
    assert theirs["csrf"] != fields["csrf"]
    r = await web.http.post(f"/cases/{case_id}/facts/diagnosis", data={**fields, "csrf": theirs["csrf"], **checked})
    assert r.status_code == 403
    token, _ = accounts.login(stack.engine, user_id=unit["coord"], password=PASSWORD)
    case = (await stack.http.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})).json()
    assert "diagnosis" not in case["facts"]
    # the sign-in form has its own token (a double-submit cookie)
    fresh = Browserless(stack)
    r = await fresh.http.post("/login", data={"username": unit["coord"], "password": PASSWORD, "csrf": "guess"})
    assert r.status_code == 403 and "pathway_session" not in fresh.http.cookies


async def test_the_same_form_sent_twice_moves_the_case_once(stack: Stack, unit: dict[str, str]) -> None:
    case_id = await _open(stack, unit, "coord")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/facts/diagnosis")
    r = await web.http.post(
        f"/cases/{case_id}/facts/diagnosis", data={**fields, **{f"item.{k}": "on" for k in DIAGNOSIS_DONE}}
    )
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=fact#top"
    move = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/move")
    assert move["trigger"] == "advance" and move["expected_stage"] == "diagnosis" and move["key"]
    first = await web.http.post(f"/cases/{case_id}/move", data=move)
    second = await web.http.post(f"/cases/{case_id}/move", data=move)
    assert first.status_code == second.status_code == 303, second.text
    page = await web.http.get(f"/cases/{case_id}")
    assert 'data-stage="plan"' in page.text
    token, _ = accounts.login(stack.engine, user_id=unit["coord"], password=PASSWORD)
    case = (await stack.http.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})).json()
    assert case["stage"] == "plan"
    assert [h["stage"] for h in case["history"]] == ["diagnosis", "plan"]
    # a new key for the same (now stale) move is refused: the case has moved on
    r = await web.http.post(f"/cases/{case_id}/move", data={**move, "key": uuid.uuid4().hex})
    assert r.status_code == 409 and 'role="alert"' in r.text


async def test_each_role_sees_its_own_pages(stack: Stack, unit: dict[str, str]) -> None:
    case_id = await _open(stack, unit, "coord")
    sup, coord, admin = Browserless(stack), Browserless(stack), Browserless(stack)
    await sup.sign_in(unit["sup"])
    await coord.sign_in(unit["coord"])
    await admin.sign_in(unit["admin"])
    page = await sup.http.get(f"/cases/{case_id}")
    assert page.status_code == 200
    assert f'action="/cases/{case_id}/move"' not in page.text and "tylko do odczytu" in page.text
    board = await sup.http.get("/dashboard?visits=2")
    assert board.status_code == 200
    # the forecast's chart, accessible (its title and description named) and in Polish
    assert 'aria-labelledby="forecast-title forecast-desc"' in board.text and "Prognoza" in board.text
    assert (await coord.http.get("/dashboard")).status_code == 403
    assert (await admin.http.get("/cases")).status_code == 403
    # The admin reads no case: a real case is "not found", like a made-up one.
    assert (await admin.http.get(f"/cases/{case_id}")).status_code == 404
    assert (await admin.http.get("/partners")).status_code == 200
    # English on request, remembered in a cookie
    r = await coord.http.get("/lang/en?next=/cases")
    assert r.status_code == 303 and r.headers["location"] == "/cases"
    assert "My cases" in (await coord.http.get("/cases")).text
    assert (await coord.http.get("/lang/en?next=//evil.example")).headers["location"] == "/"


async def test_a_wrong_password_is_told_in_the_pages_language(stack: Stack, unit: dict[str, str]) -> None:
    web = Browserless(stack)
    form = await web.http.get("/login")
    r = await web.http.post(
        "/login",
        data={"csrf": CSRF.search(form.text).group(1), "username": unit["coord"], "password": "wrong-password-123"},
    )
    assert r.status_code == 401 and "Nieprawidłowa nazwa użytkownika lub hasło." in r.text
    assert "pathway_session" not in web.http.cookies
    await web.http.get("/lang/en")
    form = await web.http.get("/login")
    r = await web.http.post("/login", data={"csrf": CSRF.search(form.text).group(1), "username": "", "password": ""})
    assert r.status_code == 422 and "Enter your username and password." in r.text


def _partner(stack: Stack, unit: str, name: str, kind: str, capacity: int = 0) -> str:
    with Session(stack.engine) as session:
        return queries.create_partner(
            session,
            partner=PartnerCreate(  # type: ignore[arg-type]
                unit_id=unit,
                name=name,
                kind=kind,
                sector="non_public" if kind != "employer" else "private",
                internship_capacity=capacity,
            ),
        ).id


def _row(page: str, attribute: str, value: str) -> str:
    start = page.index(f'{attribute}="{value}"')
    return page[start : page.index("</tr>", start)]


async def test_consent_referral_and_answer_on_the_case_page(stack: Stack, unit: dict[str, str]) -> None:
    case_id = await _open(stack, unit, "coord")
    therapy = _partner(stack, unit["unit"], "Poradnia Terapii „Spokój”", "therapy")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = (await web.http.get(f"/cases/{case_id}")).text
    assert "Nie zapisano zgód." in page and "Brak skierowań." in page
    assert '<option value="therapy">Terapia</option>' in page  # the definition's services, in Polish

    # a referral without the client's consent is refused, in words, and leaves no trace
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/referrals")
    refused = await web.http.post(
        f"/cases/{case_id}/referrals", data={**fields, "partner_id": therapy, "service": "therapy"}
    )
    assert refused.status_code == 409 and 'role="alert"' in refused.text
    assert "nie wyraził/a zgody na przekazanie danych temu partnerowi" in refused.text
    assert "Brak skierowań." in refused.text

    # the consent, chosen from the resource map
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/consents")
    r = await web.http.post(f"/cases/{case_id}/consents", data={**fields, "partner_id": therapy})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=consent#top"
    page = (await web.http.get(f"/cases/{case_id}?done=consent")).text
    assert "Zgoda zapisana." in page and "obowiązuje" in _row(page, "data-partner", therapy)

    # now the referral goes out, once for a double submit
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/referrals")
    data = {**fields, "partner_id": therapy, "service": "therapy"}
    first = await web.http.post(f"/cases/{case_id}/referrals", data=data)
    second = await web.http.post(f"/cases/{case_id}/referrals", data=data)
    assert first.status_code == 303 and first.headers["location"] == f"/cases/{case_id}?done=refer#top", first.text
    assert second.status_code == 303, second.text
    token, _ = accounts.login(stack.engine, user_id=unit["coord"], password=PASSWORD)
    auth = {"Authorization": f"Bearer {token}"}
    [made] = (await stack.http.get(f"/api/v1/cases/{case_id}", headers=auth)).json()["referrals"]
    page = (await web.http.get(f"/cases/{case_id}")).text
    row = _row(page, "data-referral", made["referral_id"])
    assert (
        'data-status="pending"' in row
        and "Terapia" in row
        and "Poradnia Terapii" in row
        and "oczekuje na odpowiedź" in row
    )

    # the partner's answer, entered by the coordinator: a rejection needs its reason
    action = f"/cases/{case_id}/referrals/{made['referral_id']}/answer"
    fields = await web.form_fields(f"/cases/{case_id}", action)
    r = await web.http.post(action, data={**fields, "answer": "rejected", "reason": ""})
    assert r.status_code == 422 and 'role="alert"' in r.text and "reason code" in r.text
    r = await web.http.post(action, data={**fields, "answer": "rejected", "reason": "no_places"})
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=answer#top", r.text
    page = (await web.http.get(f"/cases/{case_id}")).text
    row = _row(page, "data-referral", made["referral_id"])
    assert 'data-status="rejected"' in row and "brak miejsc" in row and f'action="{action}"' not in row
    [answered] = (await stack.http.get(f"/api/v1/cases/{case_id}", headers=auth)).json()["referrals"]
    assert answered["status"] == "rejected" and answered["reason"] == "no_places"

    # the consent withdrawn: in force no more, and a new referral is refused again
    consent_row = _row(page, "data-partner", therapy)
    withdraw = re.search(r'action="(/cases/[^"]+/withdraw)"', consent_row).group(1)
    fields = await web.form_fields(f"/cases/{case_id}", withdraw)
    r = await web.http.post(withdraw, data=fields)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{case_id}?done=withdraw#top"
    page = (await web.http.get(f"/cases/{case_id}")).text
    assert "wycofana" in _row(page, "data-partner", therapy) and withdraw not in page
    fields = await web.form_fields(f"/cases/{case_id}", f"/cases/{case_id}/referrals")
    r = await web.http.post(f"/cases/{case_id}/referrals", data={**fields, "partner_id": therapy, "service": "therapy"})
    assert r.status_code == 409 and "Najpierw zapisz zgodę" in r.text
    # a supervisor reads consents and referrals, without the forms
    sup = Browserless(stack)
    await sup.sign_in(unit["sup"])
    page = (await sup.http.get(f"/cases/{case_id}")).text
    assert "Poradnia Terapii" in page and made["referral_id"] in page
    assert f'action="/cases/{case_id}/consents"' not in page and f'action="/cases/{case_id}/referrals"' not in page


async def test_the_resource_map_shows_free_places_and_what_each_partner_is_told(
    stack: Stack, unit: dict[str, str]
) -> None:
    bakery = _partner(stack, unit["unit"], "Piekarnia Testowa", "employer", capacity=3)
    _partner(stack, unit["unit"], "Poradnia Testowa", "therapy")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = (await web.http.get("/partners")).text
    row = _row(page, "data-partner", bakery)
    assert re.findall(r'<td class="num"[^>]*>(\d+)</td>', row) == ["3", "0", "3"]  # places, in use, free
    assert "Numer sprawy, Etap ścieżki, Daty, Kontakt do koordynatora" in row
    assert "Wolnych miejsc: 3" in page
    assert "Przekazywane dane: Numer sprawy, Etap ścieżki, Daty, Kontakt do koordynatora" in page


async def test_the_case_page_shows_the_notes_and_searches_them(stack: Stack, unit: dict[str, str]) -> None:
    """The notes section (issue 14): the case's notes with author and time, a search within
    the case; the supervisor sees them too, a colleague gets "not found"."""
    case_id = await _open(stack, unit, "coord")
    token, _ = accounts.login(stack.engine, user_id=unit["coord"], password=PASSWORD)
    me = {"Authorization": f"Bearer {token}"}
    for note in ("Rozmowa o <b>mieszkaniu</b>", "Klientka prosi o kontakt po 16:00"):
        r = await stack.http.post(f"/api/v1/cases/{case_id}/pause", json={"reason": "other", "note": note}, headers=me)
        assert r.status_code == 200, r.text
        assert (await stack.http.post(f"/api/v1/cases/{case_id}/resume", headers=me)).status_code == 200
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = await web.http.get(f"/cases/{case_id}")
    assert page.status_code == 200, page.text
    notes = page.text[page.text.index('id="notes"') :]
    assert "Notatki" in notes and "Rozmowa o &lt;b&gt;mieszkaniu&lt;/b&gt;" in notes  # escaped, never markup
    assert "po 16:00" in notes and "coord" in notes
    found = await web.http.get(f"/cases/{case_id}", params={"q": "MIESZKANIU"})
    notes = found.text[found.text.index('id="notes"') :]
    assert "mieszkaniu" in notes and "po 16:00" not in notes
    too_long = await web.http.get(f"/cases/{case_id}", params={"q": "x" * 201})
    assert too_long.status_code == 422 and "<title>" in too_long.text  # a page that says why, not a 500
    sup = Browserless(stack)
    await sup.sign_in(unit["sup"])
    assert "po 16:00" in (await sup.http.get(f"/cases/{case_id}")).text
    colleague = Browserless(stack)
    await colleague.sign_in(unit["colleague"])
    r = await colleague.http.get(f"/cases/{case_id}")
    assert r.status_code == 404 and "po 16:00" not in r.text


async def test_the_case_page_links_the_papers_and_the_browser_gets_them(stack: Stack, unit: dict[str, str]) -> None:
    case_id = await _open(stack, unit, "coord")
    web = Browserless(stack)
    await web.sign_in(unit["coord"])
    page = await web.http.get(f"/cases/{case_id}")
    links = dict(re.findall(r'href="([^"]+)" data-paper="([^"]+)"', page.text))
    assert sorted(links.values()) == ["consent", "plan", "transfer"], links  # no referral yet: no letter
    assert "Zgoda na przekazywanie danych" in page.text
    consent = next(href for href, kind in links.items() if kind == "consent")
    r = await web.http.get(consent)  # with the session cookie, as the browser follows the link
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF-")
    web.http.cookies.set(LANG_COOKIE, "en")
    english = await web.http.get(f"/cases/{case_id}")
    assert "consent.pdf?lang=en" in english.text and "Consent to sharing information" in english.text
    colleague = Browserless(stack)
    await colleague.sign_in(unit["colleague"])
    assert (await colleague.http.get(consent)).status_code == 404
