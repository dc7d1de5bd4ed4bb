"""Rule 6: before ticket 06, staging must still be what ticket 05 validated; every difference is named."""

from __future__ import annotations

from typing import Any

from server import db
from server.runbook import RunState
from tools.lib import catalog
from tools.validate import ORPHAN_GATE, catalog_state


def staging_drift(conn: db.Conn, state: RunState) -> list[str]:
    """Differences between staging now and the catalog state ticket 05 validated, plus the combo gate."""
    validated_records = state.records.get("05") or []
    preflight = state.records.get("00") or []
    if not validated_records or not preflight:
        return ["this run has no validated staging state (ticket 05) to compare with"]
    validated: dict[str, Any] = validated_records[-1].get("catalog_state", {})
    now = catalog_state(conn, preflight[-1]["baseline"]["staging"])
    drift: list[str] = []
    for name, cover in sorted(validated.get("targets", {}).items()):
        if cover is not None and now["targets"].get(name) is None:
            drift.append(f"target index {name} is no longer valid or covered")
    drift += [f"INVALID index {name}" for name in now["invalid_indexes"]]
    for table, flags in sorted(validated.get("rls_flags", {}).items()):
        if now["rls_flags"].get(table) != flags:
            drift.append(f"RLS flags of menuca_v3.{table} changed: {flags} → {now['rls_flags'].get(table)}")

    def keyed(policies: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        return {(p["table"], p["name"]): p for p in policies}

    before, after = keyed(validated.get("run_policies", [])), keyed(now["run_policies"])
    drift += [
        f"policy {name} on menuca_v3.{table} is missing" for table, name in sorted(set(before) - set(after))
    ]
    drift += [
        f"policy {name} on menuca_v3.{table} was added" for table, name in sorted(set(after) - set(before))
    ]
    drift += [
        f"policy {name} on menuca_v3.{table} was changed"
        for (table, name) in sorted(set(before) & set(after))
        if before[(table, name)] != after[(table, name)]
    ]
    functions_then = {(f["name"], f["definition_md5"]) for f in validated.get("run_functions", [])}
    functions_now = {(f["name"], f["definition_md5"]) for f in now["run_functions"]}
    drift += [
        f"function menuca_v3.{name} is missing or changed"
        for name, _ in sorted(functions_then - functions_now)
    ]
    rates = catalog.orphan_rates(conn)
    if rates["source_backed"] >= ORPHAN_GATE:
        drift.append(
            f"the combo gate no longer holds: source-backed orphan rate {rates['source_backed']:.4f}"
        )
    return drift
