"""POST /definitions/{id}/migrations: who may, and how a wrong mapping is refused."""

from __future__ import annotations

import pytest
from apistack import Stack, new_unit

pytestmark = pytest.mark.integration


async def test_only_an_admin_migrates_and_a_bad_mapping_is_refused(stack: Stack) -> None:
    unit = new_unit()
    await stack.open_case(unit=unit)
    admin = stack.headers(unit, "admin-migr", roles=("admin",))
    url = "/api/v1/definitions/model-wsparcia/migrations"

    r = await stack.http.post(url, json={"mapping": {}, "dry_run": True}, headers=stack.headers(unit))
    assert r.status_code == 403
    r = await stack.http.post("/api/v1/definitions/no-such/migrations", json={"mapping": {}}, headers=admin)
    assert r.status_code == 404
    r = await stack.http.post(url, json={"mapping": {"plan": "no_such_stage"}, "dry_run": True}, headers=admin)
    assert r.status_code == 422 and r.json()["detail"]["code"] == "invalid_migration"
    assert "no_such_stage" in r.json()["detail"]["message"]

    # The unit's case already runs on the current version: nothing to do, nothing changed.
    r = await stack.http.post(url, json={"mapping": {}, "dry_run": True}, headers=admin)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["dry_run"] is True and report["migrated"] == [] and report["refused"] == [] and report["failed"] == []
