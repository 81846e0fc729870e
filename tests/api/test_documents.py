"""The case's papers through the real stack (issue 14, section 4): made from the case, read
back with pypdf; authorized like the case (a colleague: "not found"); each one made recorded
in the audit trail by its id, never its content; what a partner's scope does not allow is
absent from its referral letter (an employer: never the address, never the reason)."""

from __future__ import annotations

import io
import json
import uuid
from typing import Any

import pytest
from apistack import Stack, new_unit
from pypdf import PdfReader
from sqlmodel import Session, col, select

from pathway.store.audit_trail import AuditEntry

pytestmark = pytest.mark.integration

API = "/api/v1"
ADDRESS = "ul. Długa 5/7, 00-950 Łódź"
PHONE = "+48 600 100 200"


def _text(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    # Words as a reader sees them: a line a table cell or the page head wrapped is one line.
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


async def _partner(stack: Stack, unit: str, name: str, kind: str, scope: list[str]) -> dict[str, Any]:
    r = await stack.http.post(
        f"{API}/partners",
        headers=stack.headers(unit, "admin-docs", roles=("admin",)),
        json={"name": name, "kind": kind, "sector": "private", "data_scope": scope},
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _case(stack: Stack, unit: str) -> dict[str, Any]:
    name = f"Grażyna Żółkiewska {uuid.uuid4().hex[:4]}"
    return await stack.open_case(
        unit=unit, client={"name": name, "address": ADDRESS, "phone": PHONE}, note="Notatka: nigdy w dokumencie"
    )


async def _refer(stack: Stack, unit: str, case_id: str, partner_id: str, service: str) -> str:
    me = stack.headers(unit)
    r = await stack.http.post(f"{API}/cases/{case_id}/consents", headers=me, json={"partner_id": partner_id})
    assert r.status_code == 201, r.text
    r = await stack.http.post(
        f"{API}/cases/{case_id}/referrals", headers=me, json={"partner_id": partner_id, "service": service}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["referral_id"])


async def _pdf(stack: Stack, case_id: str, kind: str, headers: dict[str, str], **params: Any) -> Any:
    return await stack.http.get(f"{API}/cases/{case_id}/documents/{kind}.pdf", params=params, headers=headers)


async def test_the_consent_form_and_the_transfer_summary_in_polish_and_english(stack: Stack) -> None:
    unit = new_unit()
    therapy = await _partner(stack, unit, "Ośrodek Terapii Źródło", "therapy", ["case_reference", "stage"])
    case = await _case(stack, unit)
    await _refer(stack, unit, case["id"], therapy["id"], "therapy")
    me = stack.headers(unit)

    kinds = await stack.http.get(f"{API}/cases/{case['id']}/documents", headers=me)
    assert kinds.status_code == 200, kinds.text
    # Model Wsparcia 7 prints its plan too
    assert [k["kind"] for k in kinds.json()["items"]] == ["plan", "consent", "referral", "transfer"]

    r = await _pdf(stack, case["id"], "consent", me)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.headers["cache-control"] == "no-store"
    pages = _text(r.content)
    whole = "\n".join(pages)
    assert case["client"]["name"] in whole and "Ośrodek Terapii Źródło" in whole
    assert "Numer sprawy, Etap ścieżki" in whole and "zgoda z dnia" in whole
    for n, page in enumerate(pages, start=1):
        assert f"Sprawa nr {case['id']}" in page and f"Strona {n} z {len(pages)}" in page

    # a consent form for a partner not told yet: listed, its consent to be signed
    legal = await _partner(stack, unit, "Centrum Prawne Ąę", "legal", ["case_reference", "client_name"])
    r = await _pdf(stack, case["id"], "consent", me, partner=legal["id"])
    whole = "\n".join(_text(r.content))
    assert "Centrum Prawne Ąę" in whole and "zgoda — do podpisu" in whole and "Ośrodek Terapii Źródło" in whole

    r = await _pdf(stack, case["id"], "transfer", me, lang="en")
    assert r.status_code == 200, r.text
    whole = "\n".join(_text(r.content))
    assert "Case summary for a transfer" in whole and f"Case no. {case['id']}" in whole and "Page 1 of" in whole
    assert ADDRESS in whole and PHONE in whole and "Ośrodek Terapii Źródło" in whole and "Therapy" in whole
    assert "nigdy w dokumencie" not in whole  # a note is never on a paper

    # each paper made is in the audit trail, by its id, kind and version; never its content
    with Session(stack.engine) as session:
        made = session.exec(
            select(AuditEntry).where(col(AuditEntry.case_id) == case["id"], col(AuditEntry.action) == "document.make")
        ).all()
    assert [(e.details["kind"], e.details["lang"]) for e in made] == [("consent", "pl")] * 2 + [("transfer", "en")]
    assert made[1].details["partner_id"] == legal["id"]
    assert made[-1].details["document_id"] == r.headers["x-document-id"]
    assert made[-1].details["document_id"] in whole  # the paper names its own record
    trail = json.dumps([e.details for e in made], ensure_ascii=False)
    assert "Długa" not in trail and "Żółkiewska" not in trail


async def test_a_referral_letter_to_an_employer_holds_no_address_and_no_reason(stack: Stack) -> None:
    unit = new_unit()
    everything_allowed = ["case_reference", "stage", "dates", "coordinator_contact", "client_name", "client_phone"]
    employer = await _partner(stack, unit, "Piekarnia Łan", "employer", everything_allowed)
    case = await _case(stack, unit)
    referral = await _refer(stack, unit, case["id"], employer["id"], "employer_placement")

    r = await _pdf(stack, case["id"], "referral", stack.headers(unit), referral=referral)
    assert r.status_code == 200, r.text
    whole = "\n".join(_text(r.content))
    assert "Piekarnia Łan" in whole and "Praktyka u pracodawcy" in whole and referral in whole
    assert case["client"]["name"] in whole and PHONE in whole  # what its scope allows
    for absent in ("Długa", "Łódź", "Adres", "Model Wsparcia", "Powód", "przemoc", "nigdy w dokumencie"):
        assert absent not in whole, absent


async def test_a_therapists_letter_holds_what_its_scope_names(stack: Stack) -> None:
    unit = new_unit()
    therapy = await _partner(
        stack, unit, "Terapia Ślad", "therapy", ["client_name", "client_address", "support_reason"]
    )
    case = await _case(stack, unit)
    referral = await _refer(stack, unit, case["id"], therapy["id"], "therapy")
    r = await _pdf(stack, case["id"], "referral", stack.headers(unit), referral=referral, lang="pl")
    assert r.status_code == 200, r.text
    whole = "\n".join(_text(r.content))
    assert ADDRESS in whole and "Model Wsparcia" in whole and case["client"]["name"] in whole
    assert PHONE not in whole and f"Sprawa nr {case['id']}" not in whole  # not in its scope
    assert f"Skierowanie nr {referral}" in whole  # its pages name the referral instead


async def test_who_may_make_a_paper_and_bad_requests(stack: Stack) -> None:
    unit, other = new_unit(), new_unit()
    case = await _case(stack, unit)
    me = stack.headers(unit)
    made_up = await _pdf(stack, "no-such-case", "consent", me)
    assert made_up.status_code == 404
    for who, headers in {
        "colleague": stack.headers(unit, "colleague-docs"),
        "admin": stack.headers(unit, "admin-docs", roles=("admin",)),
        "other supervisor": stack.supervisor(other),
    }.items():
        r = await _pdf(stack, case["id"], "consent", headers)
        assert r.status_code == 404 and r.json()["detail"]["code"] == made_up.json()["detail"]["code"], who
        r = await stack.http.get(f"{API}/cases/{case['id']}/documents", headers=headers)
        assert r.status_code == 404, who
    assert (await _pdf(stack, case["id"], "consent", stack.supervisor(unit))).status_code == 200

    r = await _pdf(stack, case["id"], "contract", me)  # the family assistant's, not Model Wsparcia's
    assert r.status_code == 404 and r.json()["detail"]["code"] == "unknown_document", r.text
    r = await _pdf(stack, case["id"], "referral", me)
    assert r.status_code == 422 and r.json()["detail"]["field"] == "referral", r.text
    r = await _pdf(stack, case["id"], "referral", me, referral="no-such-referral")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "unknown_referral", r.text
    for params in ({"lang": "de"}, {"referral": "bad id!"}, {"partner": "x" * 200}):
        r = await _pdf(stack, case["id"], "consent", me, **params)
        assert r.status_code == 422, (params, r.text)
    r = await _pdf(stack, case["id"], "transfer", me, partner="x")
    assert r.status_code == 422 and r.json()["detail"]["code"] == "not_applicable", r.text
    r = await _pdf(stack, case["id"], "consent", me, referral="x")
    assert r.status_code == 422 and r.json()["detail"]["field"] == "referral", r.text
    r = await _pdf(stack, case["id"], "consent", me, partner="no-such-partner")
    assert r.status_code == 422 and r.json()["detail"]["field"] == "partner", r.text


async def test_the_openapi_document_says_a_paper_is_a_pdf(stack: Stack) -> None:
    spec = stack.app.openapi()
    op = spec["paths"][f"{API}/cases/{{case_id}}/documents/{{kind}}.pdf"]["get"]
    assert list(op["responses"]["200"]["content"]) == ["application/pdf"]
