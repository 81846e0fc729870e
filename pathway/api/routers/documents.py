"""The case's papers as PDF: which kinds the case has, and one made (thin)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from pathway.api.deps import ContextDep
from pathway.app import documents
from pathway.app.documents import DocumentKindOut
from pathway.app.schemas import ID_PATTERN, Page

router = APIRouter(prefix="/cases/{case_id}/documents", tags=["documents"])


def _id(description: str) -> object:
    return Query(min_length=1, max_length=128, pattern=ID_PATTERN, description=description)


@router.get("", response_model=Page[DocumentKindOut])
def list_(case_id: str, ctx: ContextDep) -> Page[DocumentKindOut]:
    return documents.list_documents(ctx, case_id)


@router.get(
    "/{kind}.pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "the paper, one PDF"},
        404: {"description": "no such case (or not yours), or no such document: unknown_document"},
    },
)
async def make(
    case_id: str,
    kind: str,
    ctx: ContextDep,
    lang: Literal["pl", "en"] = "pl",
    referral: Annotated[str | None, _id("a referral letter: the case's referral it is for")] = None,
    partner: Annotated[str | None, _id("a consent form: a partner of the resource map to add")] = None,
) -> Response:
    made = await documents.make_document(ctx, case_id, kind, lang, referral=referral, partner=partner)
    return Response(
        made.pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{made.filename}"',
            "Cache-Control": "no-store",
            "X-Document-Id": made.document_id,
        },
    )
