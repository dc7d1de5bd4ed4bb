"""What this run changed in a catalog, in a form two databases can be compared by (validate records it;
production is compared with staging), and rule 6: staging must still be what ticket 05 validated."""

from __future__ import annotations

from server import db
from server.runbook import FIRST, SOAK_AFTER, RunState
from tools.lib import catalog
from tools.lib.gates import ORPHAN_GATE
from tools.lib.targets import decide_targets
from tools.records import Baseline, CatalogState, PolicyRow, PreflightRecord, ValidateRecord


def catalog_state(conn: db.Conn, baseline: Baseline) -> CatalogState:
    """Which index covers each target, the RLS flags, and the policies and functions that were not in
    the baseline."""
    base_policies = {(p["table"], p["name"]) for p in baseline.policies}
    base_functions = {(f["name"], f["arguments"]) for f in baseline.functions}
    return CatalogState(
        targets={d.target.name: d.covering for d in decide_targets(conn, baseline)},
        rls_flags=catalog.rls_flags(conn),
        run_policies=[p for p in catalog.policies(conn) if (p["table"], p["name"]) not in base_policies],
        run_functions=[
            f for f in catalog.functions(conn) if (f["name"], f["arguments"]) not in base_functions
        ],
        invalid_indexes=catalog.invalid_indexes(conn),
    )


def staging_drift(conn: db.Conn, state: RunState) -> list[str]:
    """Differences between staging now and the catalog state ticket 05 validated, plus the combo gate."""
    validated_records = state.records.get(SOAK_AFTER) or []
    preflight = state.records.get(FIRST.id) or []
    if not validated_records or not preflight:
        return [f"this run has no validated staging state (ticket {SOAK_AFTER}) to compare with"]
    validated = ValidateRecord.model_validate(validated_records[-1]).catalog_state
    now = catalog_state(conn, PreflightRecord.model_validate(preflight[-1]).baseline["staging"])
    drift: list[str] = []
    for name, cover in sorted(validated.targets.items()):
        if cover is not None and now.targets.get(name) is None:
            drift.append(f"target index {name} is no longer valid or covered")
    drift += [f"INVALID index {name}" for name in now.invalid_indexes]
    for table, flags in sorted(validated.rls_flags.items()):
        if now.rls_flags.get(table) != flags:
            drift.append(f"RLS flags of menuca_v3.{table} changed: {flags} → {now.rls_flags.get(table)}")

    def keyed(policies: list[PolicyRow]) -> dict[tuple[str, str], PolicyRow]:
        return {(p["table"], p["name"]): p for p in policies}

    before, after = keyed(validated.run_policies), keyed(now.run_policies)
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
    functions_then = {(f["name"], f["definition_md5"]) for f in validated.run_functions}
    functions_now = {(f["name"], f["definition_md5"]) for f in now.run_functions}
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
