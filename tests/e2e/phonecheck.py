"""What a page must be on a phone (issue 15, item 3), measured in the browser itself.

- nothing is wider than the screen: ``document.documentElement.scrollWidth <= innerWidth``;
- every tap target is at least 44 px high (WCAG 2.5.5): buttons, form controls (a checkbox
  or a radio through its label, which is where a finger taps it), ``<summary>``, the
  header's links and links drawn as buttons, and the case list's links to the cases;
- what a person came for is on the first screen, within its width.

``Phone.check`` runs these and then ``Visit.check`` (screenshot, axe-core: here no violation
of any impact)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from e2estack import EVERY_IMPACT, Visit

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 1,
    "locale": "pl-PL",
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "pl-PL"}
MIN_TARGET = 44

TAP_TARGETS = (
    "button, summary, select, textarea, input:not([type=hidden]), header a, a.button, table.cases th a, ul.papers a"
)

# The elements whose box is less than MIN_TARGET px high, as "tag#id.class 'text' = h px".
# An element not rendered (no box) is no target; a checkbox or a radio is tapped through
# its label.
_SMALL_TARGETS = """([selector, least]) => {
  const small = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") continue;
    let box = el.getBoundingClientRect();
    if (el.type === "checkbox" || el.type === "radio") {
      const label = (el.labels && el.labels[0]) || el.closest("label");
      if (label) box = label.getBoundingClientRect();
    }
    if (box.height < least) {
      const what = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (el.className ? "." + String(el.className).split(" ").join(".") : "");
      const text = (el.innerText || el.value || el.name || "").trim().slice(0, 40);
      small.push(`${what} '${text}' = ${box.height.toFixed(1)} px`);
    }
  }
  return small;
}"""

_WIDTHS = "() => [document.documentElement.scrollWidth, window.innerWidth]"

# Who sticks out past the right edge (for the failure message).
_WIDER = """() => [...document.querySelectorAll("main *, header *")]
  .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 8)
  .map(el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    " right=" + Math.round(el.getBoundingClientRect().right))"""


async def on_first_screen(locator: Any, page: Any) -> bool:
    """The element is wholly inside the screen as the page opens (not scrolled)."""
    box = await locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and await page.evaluate("() => window.scrollY") == 0
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


async def within_width(locator: Any, page: Any) -> bool:
    """The element is seen without scrolling sideways (anywhere down the page)."""
    box = await locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= page.viewport_size["width"]


@dataclass
class Phone:
    """Checks each page at the phone's width; the same pages at a desk's width with ``desk``."""

    visit: Visit

    async def check(self, page: Any, name: str) -> None:
        await self.fits(page, name)
        small = await page.evaluate(_SMALL_TARGETS, [TAP_TARGETS, MIN_TARGET])
        assert not small, f"{name}: tap targets under {MIN_TARGET} px:\n" + "\n".join(small)
        await self.visit.check(page, name, blocking=EVERY_IMPACT)

    async def each(self, page: Any, base_url: str, pages: Iterable[tuple[str, str]], *, at_desk: bool = False) -> None:
        """Go to each (name, path) and check it at the phone's (or the desk's) width."""
        for name, path in pages:
            await page.goto(f"{base_url}{path}")
            await (self.desk if at_desk else self.check)(page, name)

    async def desk(self, page: Any, name: str) -> None:
        await self.fits(page, name)
        await self.visit.check(page, name)

    async def fits(self, page: Any, name: str) -> None:
        scroll_width, inner_width = await page.evaluate(_WIDTHS)
        assert inner_width == page.viewport_size["width"], f"{name}: the page was zoomed out to {inner_width} px"
        assert scroll_width <= inner_width, (
            f"{name}: {scroll_width} px wide on a {inner_width} px screen; sticking out: {await page.evaluate(_WIDER)}"
        )
