"""A pathway drawn as an SVG, on the server, from its definition.

No JavaScript and nothing fetched: the page works without a front-end build, and the same
picture is served to every browser. Stages are laid out in rows by their distance from the
initial stage (the path a client walks goes top to bottom); moves forward are straight
arrows, moves back curve round the right-hand side; the exits any open stage can take by
``close(outcome)`` are listed in a final row. Text is escaped; the picture carries a title
and description for screen readers, and the page lists the same moves as a table."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from xml.sax.saxutils import escape

from pathway.core.definition import ANY_OPEN_STAGE, Definition
from pathway.i18n import title

BOX_W, BOX_H = 190, 54
GAP_X, GAP_Y = 40, 70
MARGIN = 24
LANE = 22  # between the curves of moves back, on the right
CHAR_W = 7  # about the width of a character of a move's label
LINE_CHARS = 24


@dataclass(frozen=True)
class _Box:
    x: int
    y: int

    @property
    def top(self) -> tuple[int, int]:
        return self.x + BOX_W // 2, self.y

    @property
    def bottom(self) -> tuple[int, int]:
        return self.x + BOX_W // 2, self.y + BOX_H

    @property
    def right(self) -> tuple[int, int]:
        return self.x + BOX_W, self.y + BOX_H // 2


def _layers(d: Definition) -> dict[str, int]:
    """Each stage's row: its shortest distance from the initial stage by explicit moves."""
    depth = {d.initial: 0}
    queue = deque([d.initial])
    while queue:
        stage = queue.popleft()
        for t in d.transitions:
            if t.source != ANY_OPEN_STAGE and stage in t.sources(d) and t.dest not in depth:
                depth[t.dest] = depth[stage] + 1
                queue.append(t.dest)
    return depth


def _wrap(text: str) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= LINE_CHARS:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines[:3] or [""]


def _label(x: float, y: float, text: str, cls: str) -> str:
    return f'<text x="{x:.0f}" y="{y:.0f}" class="{cls}">{escape(text)}</text>'


def render_svg(d: Definition, lang: str, *, current: str | None = None, exits_label: str = "close") -> str:
    depth = _layers(d)
    rows: dict[int, list[str]] = {}
    for name in d.main_path():
        if name in depth:
            rows.setdefault(depth[name], []).append(name)
    exit_stages = [name for name in d.stages if name not in depth]
    back = [
        (t, src)
        for t in d.transitions
        if t.source != ANY_OPEN_STAGE
        for src in t.sources(d)
        if src in depth and t.dest in depth and depth[t.dest] <= depth[src]
    ]
    label_w = max((len(title(t.title, lang)) * CHAR_W for t, _ in back), default=0)
    back_lane = 40 + LANE * len(back) + label_w
    width_nodes = max([len(r) for r in rows.values()] + [len(exit_stages), 1])
    width = MARGIN * 2 + width_nodes * BOX_W + (width_nodes - 1) * GAP_X + back_lane
    boxes: dict[str, _Box] = {}
    for row, names in sorted(rows.items()):
        row_w = len(names) * BOX_W + (len(names) - 1) * GAP_X
        x0 = MARGIN + ((width - back_lane - 2 * MARGIN) - row_w) // 2
        for i, name in enumerate(names):
            boxes[name] = _Box(x0 + i * (BOX_W + GAP_X), MARGIN + row * (BOX_H + GAP_Y))
    exits_y = MARGIN + (max(rows) + 1 if rows else 0) * (BOX_H + GAP_Y) + 20
    for i, name in enumerate(exit_stages):
        boxes[name] = _Box(MARGIN + i * (BOX_W + GAP_X), exits_y)
    height = exits_y + (BOX_H if exit_stages else 0) + MARGIN

    parts: list[str] = []
    lane = 0
    labelled_back: set[tuple[str, str]] = set()
    for t in d.transitions:
        if t.source == ANY_OPEN_STAGE:
            continue
        label = title(t.title, lang)
        for src in t.sources(d):
            a, b = boxes.get(src), boxes.get(t.dest)
            if a is None or b is None:
                continue
            if b.y > a.y:
                (x1, y1), (x2, y2) = a.bottom, b.top
                if x1 != x2:  # fan out from the source's bottom edge towards the destination
                    x1 += max(-BOX_W // 3, min(BOX_W // 3, (x2 - x1) // 3))
                parts.append(f'<path class="move" d="M{x1},{y1} L{x2},{y2 - 2}" marker-end="url(#arrow)"/>')
                parts.append(_label((x1 + x2) / 2 + 6, (y1 + y2) / 2 + 4, label, "move-label"))
            else:  # a move back (or sideways): round the right-hand lane
                lane += 1
                (x1, y1), (x2, y2) = a.right, b.right
                bend = max(a.x, b.x) + BOX_W + 20 + LANE * lane
                parts.append(
                    f'<path class="move back" d="M{x1},{y1} C{bend},{y1} {bend},{y2} {x2 + 2},{y2}" '
                    'marker-end="url(#arrow)"/>'
                )
                if (t.trigger, t.dest) not in labelled_back:  # one label for a move back from several stages
                    labelled_back.add((t.trigger, t.dest))
                    # right of every curve, level with the middle of this one
                    outer = max(a.x, b.x) + BOX_W + 20 + LANE * len(back) + 6
                    parts.append(_label(outer, (y1 + y2) / 2 + 4, label, "move-label"))
    for name, box in boxes.items():
        stage = d.stages[name]
        classes = ["stage"]
        if stage.terminal:
            classes.append("terminal")
        if name == current:
            classes.append("current")
        lines = _wrap(title(stage.title, lang))
        parts.append(f'<g class="{" ".join(classes)}" data-stage="{escape(name)}">')
        parts.append(f'<rect x="{box.x}" y="{box.y}" width="{BOX_W}" height="{BOX_H}" rx="8"/>')
        first = box.y + BOX_H / 2 - (len(lines) - 1) * 8 + 5
        for i, line in enumerate(lines):
            parts.append(_label(box.x + BOX_W / 2, first + i * 16, line, "stage-label"))
        parts.append("</g>")
    if exit_stages:
        parts.append(_label(MARGIN, exits_y - 8, exits_label, "exits-label"))
    heading = escape(title(d.title, lang))
    summary = escape(" → ".join(title(d.stages[n].title, lang) for n in d.main_path() if n in depth))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="pathway-diagram" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="diagram-title diagram-desc">'
        f'<title id="diagram-title">{heading}</title><desc id="diagram-desc">{summary}</desc>'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" markerHeight="8" '
        'orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" class="arrow-head"/></marker></defs>' + "".join(parts) + "</svg>"
    )
