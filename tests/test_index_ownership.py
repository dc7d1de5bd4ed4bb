"""Indexes this run did not build are never dropped (SPEC.md §6): an index of another definition under a
target's name is apply_indexes' `conflict` (kept; the ticket FAILs naming it), and rollback
scope=indexes drops exactly the indexes apply_indexes recorded by oid and definition, keeping and
reporting a DBA's hotfix made under a target's name after preflight."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Runbook

HOTFIX = "CREATE INDEX idx_coupons_code ON menuca_v3.promotional_coupons USING btree (code, restaurant_id)"


def _indexes(rb: Runbook) -> dict[str, str]:
    with rb.admin() as conn:
        rows = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'menuca_v3'"
        ).fetchall()
    return {r[0]: r[1] for r in rows}


def _prepared(rb: Runbook) -> None:
    assert rb.call("preflight")["status"] == "PASS"
    assert rb.call("backup", "staging")["status"] == "PASS"


def test_an_index_of_another_definition_under_a_target_name_is_a_kept_conflict_and_the_ticket_fails(
    runbook: Callable[..., Runbook],
) -> None:
    rb = runbook()
    _prepared(rb)
    with rb.admin() as conn:
        conn.execute(HOTFIX)  # a DBA's hotfix after preflight, under a target's name
    result = rb.call("apply_indexes", "staging")
    assert result["status"] == "FAIL"
    by_name = {i["name"]: i for i in result["indexes"]}
    assert by_name["idx_coupons_code"]["action"] == "conflict"
    assert by_name["idx_coupons_code"]["valid"] is False  # the target is not covered
    assert result["counts"]["conflict"] == 1 and result["counts"]["created"] == 50
    failed = {c["name"]: c["actual"] for c in result["checks"] if not c["passed"]}
    assert failed["no other index holds a target's name (conflict: kept, never dropped)"] == [
        f"idx_coupons_code: {HOTFIX}"
    ]
    assert "idx_coupons_code" in result["summary"] and "kept" in result["summary"]
    assert "a DBA decides" in result["summary"]
    assert _indexes(rb)["idx_coupons_code"] == HOTFIX


def test_rollback_drops_exactly_the_indexes_this_run_built_and_keeps_a_later_hotfix_under_a_target_name(
    runbook: Callable[..., Runbook],
) -> None:
    rb = runbook()
    _prepared(rb)
    before = _indexes(rb)
    applied = rb.call("apply_indexes", "staging")
    assert applied["status"] == "PASS", [c for c in applied["checks"] if not c["passed"]]
    ours = _indexes(rb)["idx_users_origin"]
    with rb.admin() as conn:
        # after the run built them, a DBA replaces one with a hotfix of another definition and drops
        # and re-creates another with the very same definition (a different index all the same)
        conn.execute("DROP INDEX menuca_v3.idx_coupons_code")
        conn.execute(HOTFIX)
        conn.execute("DROP INDEX menuca_v3.idx_users_origin")
        conn.execute(ours)

    plan = rb.call("rollback", "staging", scope="indexes", reason="undo the indexes", dry_run=True)
    assert "idx_coupons_code" not in " ".join(p["statement"] for p in plan["plan"])
    undone = rb.call("rollback", "staging", scope="indexes", reason="undo the indexes")
    assert undone["status"] == "PASS", [c for c in undone["checks"] if not c["passed"]]
    after = _indexes(rb)
    assert after == {**before, "idx_coupons_code": HOTFIX, "idx_users_origin": ours}
    kept = [line for line in undone["restored"] if line.startswith("kept ")]
    assert sorted(line.split(":")[0] for line in kept) == ["kept idx_coupons_code", "kept idx_users_origin"]
    assert "idx_coupons_code" in undone["summary"] and "idx_users_origin" in undone["summary"]
    assert sum(line.startswith("dropped ") for line in undone["restored"]) == 49


def test_a_rerun_after_a_rollback_records_the_new_indexes_and_a_second_rollback_drops_them(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    _prepared(rb)
    before = _indexes(rb)
    assert rb.call("apply_indexes", "staging")["status"] == "PASS"
    assert rb.call("rollback", "staging", scope="indexes", reason="first")["status"] == "PASS"
    assert rb.call("apply_indexes", "staging")["status"] == "PASS"  # ROLLED_BACK: run again
    second = rb.call("rollback", "staging", scope="indexes", reason="second")
    assert second["status"] == "PASS", [c for c in second["checks"] if not c["passed"]]
    assert _indexes(rb) == before
