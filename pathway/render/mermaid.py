"""A pathway drawn as a Mermaid state diagram (for the CLI, the API and the web UI)."""

from __future__ import annotations

from pathway.core.definition import Definition


def mermaid(d: Definition, lang: str = "pl") -> str:
    def title(name: str) -> str:
        t = d.stages[name].title
        return (t.pl if lang == "pl" else t.en).replace('"', "'")

    lines = ["stateDiagram-v2", f"    [*] --> {d.initial}"]
    for name, stage in d.stages.items():
        extra = []
        if stage.duration:
            extra.append(f"{stage.duration}")
        if stage.deadline:
            extra.append(f"≤ {stage.deadline}")
        label = title(name) + (f" ({', '.join(extra)})" if extra else "")
        lines.append(f'    state "{label}" as {name}')
    for t in d.transitions:
        label = t.title.pl if lang == "pl" else t.title.en
        for src in t.sources(d):
            lines.append(f"    {src} --> {t.dest}: {label}")
    for outcome, closing in d.outcomes.items():
        lines.append(f"    note right of {closing}: close({outcome})")
    for name in d.terminal_stages():
        lines.append(f"    {name} --> [*]")
    return "\n".join(lines) + "\n"
