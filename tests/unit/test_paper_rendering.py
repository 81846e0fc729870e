"""The papers' plumbing without a server: Jinja2 templates laid out by WeasyPrint, read back
with pypdf. Polish letters survive, every page carries the case reference, the template's
version, the date and "Strona i z n"; what a person typed is text, never markup; an
employer's letter cannot even be built with the client's address or the reason for support."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError
from pypdf import PdfReader

from pathway.documents.papers import Bilingual, ConsentPaper, Disclosed, ReferralPaper, Sharing, Stamp
from pathway.documents.renderer import html_of, render_pdf

MADE_AT = datetime(2026, 12, 6, 10, 30, tzinfo=UTC)
NAME = "Zażółć Gęślą Jaźń"


def _stamp(kind: str = "consent", reference: str = "c0ffee0123456789") -> Stamp:
    return Stamp(kind=kind, version=3, document_id="doc-42", reference=reference, made_at=MADE_AT, tz="Europe/Warsaw")


def _consent(partners: int, name: str = NAME) -> ConsentPaper:
    return ConsentPaper(
        stamp=_stamp(),
        client_name=name,
        pathway=Bilingual(pl="Model Wsparcia — koordynator", en="Support Model — coordinator"),
        coordinator_name="Łucja Śliwińska",
        sharing=[
            Sharing(
                partner_name=f"Ośrodek Terapii nr {i}",
                partner_kind="therapy",
                fields=["case_reference", "stage"],
                basis="consent",
                consent_given_at=MADE_AT,
            )
            for i in range(partners)
        ],
    )


def _pages(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF-")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_a_long_paper_carries_the_reference_version_date_and_page_numbers_on_every_page() -> None:
    pages = _pages(render_pdf(_consent(partners=70), "pl"))
    assert len(pages) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Sprawa nr c0ffee0123456789" in text, number
        assert "wersja 3" in text and "6 grudnia 2026 r." in text
        assert f"Strona {number} z {len(pages)}" in text
    first = pages[0]
    assert NAME in first and "Łucja Śliwińska" in first  # every Polish letter as typed
    assert "Zgoda na przekazywanie danych" in first
    assert "Data i podpis klienta / klientki" in pages[-1]


def test_english_on_request() -> None:
    [page] = _pages(render_pdf(_consent(partners=1), "en"))
    assert "Consent to sharing information" in page and "Case no. c0ffee0123456789" in page
    assert "Page 1 of 1" in page and "6 December 2026" in page and "Support Model" in page
    assert "Strona" not in page


def test_what_a_person_typed_is_text_never_markup() -> None:
    html = html_of(_consent(partners=0, name='<img src="http://evil.example/x.png">Anna'), "pl")
    assert "<img" not in html and "&lt;img" in html
    [page] = _pages(render_pdf(_consent(partners=0, name='<img src="http://evil.example/x.png">Anna'), "pl"))
    assert "Anna" in page and "Sprawa nie jest dziś przekazywana" in page


def _referral(kind: str, told: Disclosed) -> ReferralPaper:
    return ReferralPaper(
        stamp=_stamp("referral", reference="ref-1"),
        partner_name="Piekarnia Przykładowa",
        partner_kind=kind,
        service=Bilingual(pl="Praktyka u pracodawcy", en="Employer placement"),
        referral_id="ref-1",
        made_at=MADE_AT,
        answer_due_on=date(2026, 12, 18),
        told=told,
    )


@pytest.mark.parametrize(
    "told",
    [
        Disclosed(client_address="ul. Długa 5"),
        Disclosed(support_reason=Bilingual(pl="Przemoc", en="Violence")),
        Disclosed(zi_reference="ZI/7/2026"),
    ],
)
def test_an_employers_letter_cannot_be_built_with_what_an_employer_may_never_be_told(told: Disclosed) -> None:
    with pytest.raises(ValidationError, match="employer"):
        _referral("employer", told)
    _referral("therapy", told)  # a therapist may be told it, where its scope says so


def test_a_referral_letter_holds_only_what_it_was_given() -> None:
    paper = _referral("employer", Disclosed(client_name=NAME, stage=Bilingual(pl="Praktyka", en="Internship")))
    [page] = _pages(render_pdf(paper, "pl"))
    assert NAME in page and "Praktyka u pracodawcy" in page and "18 grudnia 2026 r." in page
    assert "Adres" not in page and "Powód" not in page and "Numer sprawy" not in page
    assert "Skierowanie nr ref-1" in page
