"""Pathway definitions: the pydantic model, loading from YAML, and validation.

A definition is data written by people. When it is wrong the error names the file, the path
inside it (``stages.plan.deadline``), the line where the YAML parser can tell, and what is
wrong, so that whoever edits the YAML can fix it without reading Python.

- ``models``: the model and the names a definition may use;
- ``parsing``: YAML in, a checked ``Definition`` out (``parse_definition``);
- ``semantics``: the checks pydantic's types cannot make (``check_semantics``);
- ``snapshot``: what a running case keeps (``DefinitionSnapshot``) and the definition rebuilt
  from it.
"""

from pathway.core.definition.models import (
    ANY_OPEN_STAGE,
    DOCUMENT_KINDS,
    FIELD_TYPES,
    PARTNER_KINDS,
    RESERVED_TRIGGERS,
    SLUG,
    ChecklistItem,
    Definition,
    Escalation,
    FactSpec,
    GuardRef,
    Notify,
    PausePolicy,
    PlanPolicy,
    ReferralPolicy,
    ReferralService,
    Stage,
    Titles,
    Transition,
    VisitCadence,
)
from pathway.core.definition.parsing import definition_from_data, load_definition, parse_definition
from pathway.core.definition.semantics import check_semantics
from pathway.core.definition.snapshot import DefinitionSnapshot, content_hash, from_snapshot, snapshot

__all__ = [
    "ANY_OPEN_STAGE",
    "FIELD_TYPES",
    "PARTNER_KINDS",
    "RESERVED_TRIGGERS",
    "SLUG",
    "ChecklistItem",
    "Definition",
    "DefinitionSnapshot",
    "Escalation",
    "FactSpec",
    "GuardRef",
    "Notify",
    "PausePolicy",
    "PlanPolicy",
    "DOCUMENT_KINDS",
    "ReferralPolicy",
    "ReferralService",
    "Stage",
    "Titles",
    "Transition",
    "VisitCadence",
    "check_semantics",
    "content_hash",
    "definition_from_data",
    "from_snapshot",
    "load_definition",
    "parse_definition",
    "snapshot",
]
