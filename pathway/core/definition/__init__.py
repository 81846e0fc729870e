"""Pathway definitions: the pydantic model, loading from YAML, and validation.

A definition is data written by people. When it is wrong the error names the file, the path
inside it (``stages.plan.deadline``), the line where the YAML parser can tell, and what is
wrong, so that whoever edits the YAML can fix it without reading Python.

- ``models``: the model and the names a definition may use;
- ``facts``: the facts a definition declares, one model per kind (a discriminated union);
- ``parsing``: YAML in, a checked ``Definition`` out (``parse_definition``);
- ``semantics``: the checks pydantic's types cannot make (``check_semantics``);
- ``snapshot``: what a running case keeps (``DefinitionSnapshot``) and the definition rebuilt
  from it.
"""

from pathway.core.definition.facts import (
    FACT_SPECS,
    FIELD_TYPES,
    PARTNER_KINDS,
    CertificateSpec,
    ChecklistItem,
    ChecklistSpec,
    FactSpec,
    FactSpecBase,
    FlagSpec,
    PartnerField,
    PartnerSpec,
    RecordSpec,
    Titles,
    fact_spec,
    field_partner_kind,
    field_type,
)
from pathway.core.definition.models import (
    ANY_OPEN_STAGE,
    DOCUMENT_KINDS,
    RESERVED_TRIGGERS,
    SLUG,
    Definition,
    Escalation,
    GuardRef,
    Notify,
    PausePolicy,
    PlanPolicy,
    ReferralPolicy,
    ReferralService,
    Stage,
    Transition,
    VisitCadence,
)
from pathway.core.definition.parsing import definition_from_data, load_definition, parse_definition
from pathway.core.definition.semantics import check_semantics
from pathway.core.definition.snapshot import DefinitionSnapshot, content_hash, from_snapshot, snapshot

__all__ = [
    "FACT_SPECS",
    "ANY_OPEN_STAGE",
    "FIELD_TYPES",
    "PARTNER_KINDS",
    "RESERVED_TRIGGERS",
    "SLUG",
    "CertificateSpec",
    "ChecklistItem",
    "ChecklistSpec",
    "Definition",
    "DefinitionSnapshot",
    "Escalation",
    "FactSpec",
    "FactSpecBase",
    "FlagSpec",
    "GuardRef",
    "Notify",
    "PartnerField",
    "PartnerSpec",
    "PausePolicy",
    "PlanPolicy",
    "DOCUMENT_KINDS",
    "ReferralPolicy",
    "RecordSpec",
    "ReferralService",
    "Stage",
    "Titles",
    "Transition",
    "VisitCadence",
    "check_semantics",
    "content_hash",
    "fact_spec",
    "field_partner_kind",
    "field_type",
    "definition_from_data",
    "from_snapshot",
    "load_definition",
    "parse_definition",
    "snapshot",
]
