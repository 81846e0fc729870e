"""Every word the papers print, in Polish (the default) and English, and dates in words.

Local to the papers: the web's catalogue (pathway/web/i18n.py) is on its way to gettext
catalogs; when the Jinja2 i18n extension is there, these move into the templates' {% trans %}."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from pathway.core.definition import PARTNER_KINDS
from pathway.core.sharing import SCOPE_FIELDS

WORDS: dict[str, dict[str, str]] = {
    "pl": {
        "page": "Strona",
        "of": "z",
        "case": "Sprawa nr",
        "referral_no": "Skierowanie nr",
        "version": "wersja",
        "made_on": "sporządzono",
        "document": "dokument",
        "title.consent": "Zgoda na przekazywanie danych",
        "title.referral": "Skierowanie",
        "title.transfer": "Podsumowanie sprawy do przekazania",
        "title.contract": "Kontrakt z rodziną",
        "title.plan": "Plan pracy z rodziną — indywidualny plan pomocy",
        "title.assessment": "Okresowa ocena sytuacji rodziny",
        "plan.intro": "Plan uzgodniony z klientem / klientką i rodziną: cele, działania, kto je wykona i do kiedy.",
        "plan.version": "Wersja planu",
        "plan.agreed_on": "Uzgodniony dnia",
        "plan.not_agreed": "jeszcze nieuzgodniony",
        "plan.review_due": "Przegląd planu do dnia",
        "plan.goal": "Cel",
        "plan.none": "Plan nie ma jeszcze celów.",
        "col.action": "Działanie",
        "col.owner": "Kto",
        "col.due": "Do dnia",
        "owner.member": "członek rodziny",
        "action.planned": "zaplanowane",
        "action.done": "wykonane",
        "action.dropped": "zaniechane",
        "action.late": "po terminie: {days} dni",
        "contract.intro": (
            "Kontrakt zawierają asystent rodziny i rodzina, aby wspólnie pracować nad poprawą jej "
            "sytuacji. Strony ustalają, że:"
        ),
        "contract.terms.visits": (
            "spotkania odbywają się co najmniej co {days} dni, po co najmniej {minutes} minut, "
            "przede wszystkim w domu rodziny;"
        ),
        "contract.terms.plan": "asystent i rodzina wspólnie opracowują plan pracy z rodziną i razem go realizują;",
        "contract.terms.order": (
            "najpierw rozwiązywane są podstawowe problemy socjalne (mieszkanie, środki do życia, zdrowie, "
            "dokumenty), następnie problemy psychologiczne, aktywność społeczna i zawodowa;"
        ),
        "contract.terms.members": "asystent utrzymuje kontakt ze wszystkimi członkami rodziny;",
        "contract.terms.end": "każda ze stron może zakończyć współpracę, informując o tym drugą stronę.",
        "contract.family_members": "Liczba członków rodziny",
        "contract.signed_on": "Data zawarcia",
        "sign.family": "Data i podpis przedstawiciela rodziny",
        "sign.assistant": "Data i podpis asystenta rodziny",
        "assessment.intro": "Ocena sytuacji rodziny i postępów w realizacji planu pracy z rodziną.",
        "assessment.progress": "Realizacja planu",
        "assessment.counts": "wykonane: {done}, w toku: {planned}, zaniechane: {dropped}, po terminie: {late}",
        "assessment.in_words": "Ocena asystenta rodziny (opis sytuacji, zmiany, dalsze kroki)",
        "client": "Klient / klientka",
        "address": "Adres",
        "phone": "Telefon",
        "pathway": "Ścieżka wsparcia",
        "coordinator": "Koordynator / koordynatorka",
        "consent.intro": (
            "Poniżej wymieniono instytucje, którym ośrodek przekazuje informacje o sprawie, "
            "zakres tych informacji i podstawę ich przekazania."
        ),
        "consent.partner": "Instytucja",
        "consent.what": "Zakres informacji",
        "consent.basis": "Podstawa",
        "basis.law": "ustawa o przeciwdziałaniu przemocy domowej (art. 9c–9d), bez zgody",
        "basis.consent_given": "zgoda z dnia {day}",
        "basis.consent_withdrawn": "zgoda z dnia {day}, wycofana {withdrawn}",
        "basis.consent_missing": "zgoda — do podpisu",
        "consent.none": "Sprawa nie jest dziś przekazywana żadnej instytucji.",
        "consent.declaration": (
            "Wyrażam zgodę na przekazywanie wymienionym instytucjom, dla których podstawą jest zgoda, "
            "informacji w podanym zakresie, w celu udzielenia mi wsparcia. Wiem, że mogę tę zgodę "
            "wycofać w każdej chwili; wycofanie nie wpływa na zgodność z prawem przekazania dokonanego "
            "przed nim."
        ),
        "sign.client": "Data i podpis klienta / klientki",
        "sign.coordinator": "Data i podpis koordynatora / koordynatorki",
        "referral.to": "Do",
        "referral.service": "Usługa",
        "referral.made": "Data skierowania",
        "referral.answer_by": "Prosimy o odpowiedź do dnia",
        "referral.intro": "Kierujemy do Państwa osobę objętą wsparciem ośrodka, w zakresie opisanym poniżej.",
        "referral.told": "Przekazywane informacje (w zakresie uzgodnionym z Państwa instytucją)",
        "referral.case_reference": "Numer sprawy",
        "referral.stage": "Etap ścieżki",
        "referral.opened": "Sprawa otwarta",
        "referral.stage_entered": "Na obecnym etapie od",
        "referral.coordinator": "Kontakt: koordynator / koordynatorka",
        "referral.support_reason": "Powód wsparcia",
        "referral.zi_reference": "Sygnatura planu Zespołu Interdyscyplinarnego",
        "referral.answer": "Odpowiedź prosimy przekazać koordynatorowi sprawy, podając numer skierowania.",
        "transfer.intro": "Stan sprawy w dniu sporządzenia, do przekazania innej instytucji lub osobie.",
        "transfer.case": "Sprawa",
        "transfer.status": "Stan",
        "transfer.stage": "Obecny etap",
        "transfer.opened": "Otwarta",
        "transfer.stage_due": "Termin etapu (ostatni dzień)",
        "transfer.next_visit": "Następna wizyta do (ostatni dzień)",
        "transfer.visits": "Wizyty",
        "transfer.visits_count": "{n}, ostatnia {last}",
        "transfer.history": "Przebieg",
        "transfer.referrals": "Skierowania",
        "transfer.sharing": "Komu przekazywane są informacje",
        "transfer.none": "brak",
        "definition_version": "wersja definicji",
        "col.stage": "Etap",
        "col.from": "Od",
        "col.to": "Do",
        "col.partner": "Instytucja",
        "col.service": "Usługa",
        "col.status": "Stan",
        "col.made": "Data",
        "status.active": "w toku",
        "status.paused": "wstrzymana",
        "status.closed": "zamknięta",
        "status.opening": "otwierana",
        "referral.pending": "oczekuje na odpowiedź",
        "referral.accepted": "przyjęte",
        "referral.rejected": "odrzucone",
        "referral.done": "zrealizowane",
        "about.opening": "otwarcie sprawy",
        "about.move": "przejście do etapu",
        "about.visit": "wizyta",
        "about.pause": "wstrzymanie",
        "about.close": "zamknięcie",
        "about.referral": "skierowanie",
        "about.referral_answer": "odpowiedź na skierowanie",
        "about.note": "notatka",
        "none": "—",
        "at": "godz.",
        "year_suffix": " r.",
    },
    "en": {
        "page": "Page",
        "of": "of",
        "case": "Case no.",
        "referral_no": "Referral no.",
        "version": "version",
        "made_on": "made on",
        "document": "document",
        "title.consent": "Consent to sharing information",
        "title.referral": "Referral",
        "title.transfer": "Case summary for a transfer",
        "title.contract": "Contract with the family",
        "title.plan": "Family work plan — individual help plan",
        "title.assessment": "Periodic assessment of the family's situation",
        "plan.intro": "The plan agreed with the client and the family: goals, actions, who does them and by when.",
        "plan.version": "Plan version",
        "plan.agreed_on": "Agreed on",
        "plan.not_agreed": "not agreed yet",
        "plan.review_due": "Plan review due by",
        "plan.goal": "Goal",
        "plan.none": "The plan has no goals yet.",
        "col.action": "Action",
        "col.owner": "Who",
        "col.due": "By",
        "owner.member": "a family member",
        "action.planned": "planned",
        "action.done": "done",
        "action.dropped": "dropped",
        "action.late": "overdue: {days} days",
        "contract.intro": (
            "The family assistant and the family make this contract to work together on improving the "
            "family's situation. They agree that:"
        ),
        "contract.terms.visits": (
            "they meet at least every {days} days, for at least {minutes} minutes, mostly in the family's home;"
        ),
        "contract.terms.plan": (
            "the assistant and the family make the family work plan together and carry it out together;"
        ),
        "contract.terms.order": (
            "basic social problems come first (housing, money, health, documents), then psychological "
            "problems, social and professional activity;"
        ),
        "contract.terms.members": "the assistant keeps in touch with every member of the family;",
        "contract.terms.end": "either side may end the cooperation, telling the other.",
        "contract.family_members": "Family members",
        "contract.signed_on": "Made on",
        "sign.family": "Date and signature of the family's representative",
        "sign.assistant": "Date and family assistant's signature",
        "assessment.intro": "An assessment of the family's situation and of the progress of the family work plan.",
        "assessment.progress": "Progress of the plan",
        "assessment.counts": "done: {done}, in progress: {planned}, dropped: {dropped}, overdue: {late}",
        "assessment.in_words": "The family assistant's assessment (the situation, changes, next steps)",
        "client": "Client",
        "address": "Address",
        "phone": "Phone",
        "pathway": "Support pathway",
        "coordinator": "Coordinator",
        "consent.intro": (
            "Below are the institutions the centre shares information about the case with, what it "
            "shares and on what basis."
        ),
        "consent.partner": "Institution",
        "consent.what": "Information shared",
        "consent.basis": "Basis",
        "basis.law": "Domestic Violence Act (art. 9c–9d), without consent",
        "basis.consent_given": "consent of {day}",
        "basis.consent_withdrawn": "consent of {day}, withdrawn {withdrawn}",
        "basis.consent_missing": "consent — to be signed",
        "consent.none": "The case is not shared with any institution today.",
        "consent.declaration": (
            "I consent to the centre sharing the information listed with the institutions for which "
            "consent is the basis, so that they can support me. I know I may withdraw this consent at "
            "any time; a withdrawal does not affect the lawfulness of sharing done before it."
        ),
        "sign.client": "Date and client's signature",
        "sign.coordinator": "Date and coordinator's signature",
        "referral.to": "To",
        "referral.service": "Service",
        "referral.made": "Referred on",
        "referral.answer_by": "Please answer by",
        "referral.intro": "We refer to you a person supported by the centre, as described below.",
        "referral.told": "Information shared (within the scope agreed with your institution)",
        "referral.case_reference": "Case reference",
        "referral.stage": "Pathway stage",
        "referral.opened": "Case opened",
        "referral.stage_entered": "In the current stage since",
        "referral.coordinator": "Contact: coordinator",
        "referral.support_reason": "Reason for support",
        "referral.zi_reference": "Interdisciplinary Team plan reference",
        "referral.answer": "Please answer to the case's coordinator, quoting the referral number.",
        "transfer.intro": "The case as it stands on the day this was made, for handing it over.",
        "transfer.case": "Case",
        "transfer.status": "Status",
        "transfer.stage": "Current stage",
        "transfer.opened": "Opened",
        "transfer.stage_due": "Stage due (last day)",
        "transfer.next_visit": "Next visit due (last day)",
        "transfer.visits": "Visits",
        "transfer.visits_count": "{n}, last on {last}",
        "transfer.history": "History",
        "transfer.referrals": "Referrals",
        "transfer.sharing": "Who is told what",
        "transfer.none": "none",
        "definition_version": "definition version",
        "col.stage": "Stage",
        "col.from": "From",
        "col.to": "To",
        "col.partner": "Institution",
        "col.service": "Service",
        "col.status": "Status",
        "col.made": "Date",
        "status.active": "in progress",
        "status.paused": "paused",
        "status.closed": "closed",
        "status.opening": "being opened",
        "referral.pending": "awaiting an answer",
        "referral.accepted": "accepted",
        "referral.rejected": "rejected",
        "referral.done": "done",
        "about.opening": "case opened",
        "about.move": "moved to a stage",
        "about.visit": "visit",
        "about.pause": "pause",
        "about.close": "close",
        "about.referral": "referral",
        "about.referral_answer": "referral answer",
        "about.note": "note",
        "none": "—",
        "at": "at",
        "year_suffix": "",
    },
}

_MONTHS = {
    "pl": (
        "stycznia lutego marca kwietnia maja czerwca lipca sierpnia września października listopada grudnia"
    ).split(),
    "en": "January February March April May June July August September October November December".split(),
}


class Words:
    """The papers' words in one language, and dates as people write them in it."""

    def __init__(self, lang: str, tz: str) -> None:
        self.lang = lang if lang in WORDS else "pl"
        self.tz = ZoneInfo(tz)

    def __call__(self, key: str, **values: object) -> str:
        text = WORDS[self.lang][key]
        return text.format(**values) if values else text

    def day(self, value: date | datetime | None) -> str:
        """``6 grudnia 2026 r.`` / ``6 December 2026``; a moment is shown on its local day."""
        if value is None:
            return self("none")
        if isinstance(value, datetime):
            value = value.astimezone(self.tz).date()
        return f"{value.day} {_MONTHS[self.lang][value.month - 1]} {value.year}{self('year_suffix')}"

    def moment(self, value: datetime | None) -> str:
        if value is None:
            return self("none")
        return f"{self.day(value)}, {self('at')} {value.astimezone(self.tz):%H:%M}"

    def scope(self, field: str) -> str:
        names = SCOPE_FIELDS.get(field)
        return (names[0] if self.lang == "pl" else names[1]) if names else field

    def partner_kind(self, kind: str) -> str:
        names = PARTNER_KINDS.get(kind)
        return (names[0] if self.lang == "pl" else names[1]) if names else kind
