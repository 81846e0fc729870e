"""Search attributes of a case's workflow. Never encrypted by the codec: keep them opaque
(ids, stage names, dates) — never a client's name or address."""

from temporalio.common import SearchAttributeKey

PATHWAY_DEFINITION = SearchAttributeKey.for_keyword("PathwayDefinition")
PATHWAY_STAGE = SearchAttributeKey.for_keyword("PathwayStage")
COORDINATOR_ID = SearchAttributeKey.for_keyword("CoordinatorId")
UNIT_ID = SearchAttributeKey.for_keyword("UnitId")
STAGE_DUE_AT = SearchAttributeKey.for_datetime("StageDueAt")
NEXT_VISIT_DUE_AT = SearchAttributeKey.for_datetime("NextVisitDueAt")

ALL_KEYS = (PATHWAY_DEFINITION, PATHWAY_STAGE, COORDINATOR_ID, UNIT_ID, STAGE_DUE_AT, NEXT_VISIT_DUE_AT)
