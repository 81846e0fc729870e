"""Short-hands of the browser tests (import as ``from e2estack import ...``; the fixtures
that start the stack and the browser are in this directory's conftest.py).

``Visit`` checks one page of a scenario: axe-core finds no serious or critical violation of
WCAG 2.1 A/AA, no script error or refused resource shows on the console, and a screenshot
is saved under ``test-artifacts/e2e/``."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
AXE = ROOT / ".cache" / "e2e" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# What the accessibility check holds every page to.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("serious", "critical")
EVERY_IMPACT = ("minor", "moderate", "serious", "critical")

UNIT = "unit-e2e"
PASSWORD = "e2e-password-long-enough"
COORDINATOR = "ewa.e2e"
SUPERVISOR = "anna.e2e"
PARTNERS = (
    ("e2e-zi", "Zespół Interdyscyplinarny Gminy Testowo", "zi", "public", 0),
    ("e2e-terapia", "Ośrodek Terapii „Przystań”", "therapy", "non_public", 0),
    ("e2e-szkolenia", "Centrum Szkoleń „Wzór”", "training", "private", 0),
    ("e2e-piekarnia", "Piekarnia „Złoty Kłos”", "employer", "private", 2),
    ("e2e-hotel", "Hotel „Pod Przykładem”", "employer", "private", 3),
)


@dataclass
class Live:
    base_url: str
    engine: Any


async def sign_in(page: Any, live: Live, login: str) -> None:
    """Sign in from a page that needs a session (sent to sign in, and back afterwards)."""
    await page.goto(f"{live.base_url}/cases")
    assert "/login" in page.url
    await page.get_by_label("Nazwa użytkownika").fill(login)
    await page.get_by_label("Hasło").fill(PASSWORD)
    await page.get_by_role("button", name="Zaloguj").click()
    await page.wait_for_url(re.compile(r"/(cases|dashboard)$"))


def require_tools() -> str:
    missing = []
    if shutil.which("chromium") is None and not Path(CHROMIUM).exists():
        missing.append("chromium (Debian package)")
    if not AXE.is_file():
        missing.append(f"axe-core ({AXE.relative_to(ROOT)})")
    if missing:
        pytest.fail(f"the browser tests need {', '.join(missing)}: run `make e2e-deps`", pytrace=False)
    return AXE.read_text(encoding="utf-8")


@dataclass
class Visit:
    """Checks each page a scenario shows: accessibility, a screenshot, no script errors."""

    axe_source: str
    checked: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> Any:
        # A page's script error or a refused resource (e.g. by the Content-Security-Policy)
        # shows on the console: none is expected.
        # A page itself may answer 4xx on purpose (a refused move is a 422 page), and so may a
        # form its script sends (a refused visit: static/visit-queue.js); what a page loads
        # (styles, script, icon) must not fail, nor a script's request answer 5xx.
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and not m.text.startswith("Failed to load resource")
                and self.problems.append(f"{page.url}: console: {m.text}")
            ),
        )
        page.on(
            "response",
            lambda r: (
                r.request.resource_type != "document"
                and r.status >= (500 if r.request.resource_type == "fetch" else 400)
                and self.problems.append(f"{page.url}: {r.url} answered {r.status}")
            ),
        )
        page.on("pageerror", lambda e: self.problems.append(f"{page.url}: {e}"))
        return page

    async def check(self, page: Any, name: str, blocking: tuple[str, ...] = BLOCKING) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        # Evaluated through the DevTools protocol, so the page's CSP (script-src 'self')
        # need not be loosened for the check.
        await page.evaluate(self.axe_source)
        result = await page.evaluate(
            "opts => axe.run(document, opts)", {"runOnly": {"type": "tag", "values": AXE_TAGS}}
        )
        found = [v for v in result["violations"] if v["impact"] in blocking]
        (ARTIFACTS / f"{name}.axe.json").write_text(json.dumps(result["violations"], indent=1, ensure_ascii=False))
        self.checked.append(name)
        assert not found, f"{name}: accessibility violations:\n" + "\n".join(
            f"- {v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:5]}" for v in found
        )
