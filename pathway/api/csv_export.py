"""CSV answers of the API (audits and reports), the same way everywhere: a header row, ISO
8601 timestamps, UTF-8, and a file name for the browser's download."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import Response


def _cell(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(row.get(k)) for k in columns})
    return buffer.getvalue()


# The OpenAPI document's word for an answer that is CSV when asked for (``?format=csv``).
CSV_ANSWER: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/csv": {"schema": {"type": "string"}}}, "description": "JSON, or CSV with format=csv"}
}


def csv_response(rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str) -> Response:
    return Response(
        csv_text(rows, columns),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
