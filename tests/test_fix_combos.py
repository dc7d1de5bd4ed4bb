"""fix_combos on the real-sized dataset: the gate holds before COMMIT, the repair maps what the source
really supports, is idempotent, and rollback scope=combos restores the exact rows of the baseline."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from server import db


def _combo_state(rb: Any) -> tuple[int, str, int, str]:
    with rb.admin() as conn:
        row = conn.execute(db.sql_text("common/combo_checksums.sql")).fetchone()
    assert row is not None
    return tuple(row)  # type: ignore[return-value]


@pytest.mark.slow
def test_the_combo_repair_at_scale_1(runbook: Callable[..., Any]) -> None:
    rb = runbook(scale=1.0, production_scale=0.05)
    for tool, env in (
        ("preflight", None),
        ("backup", "staging"),
        ("apply_indexes", "staging"),
        ("apply_rls", "staging"),
    ):
        assert rb.call(tool, env)["status"] == "PASS", tool
    baseline = _combo_state(rb)
    assert baseline[0] == 63

    plan = rb.call("fix_combos", "staging", dry_run=True)
    assert plan["status"] == "DRY_RUN" and plan["coverage"]["dishes_missing_backfillable"] > 5000
    without = rb.call("fix_combos", "staging")
    assert without["status"] == "FAIL" and without["committed"] is False
    assert "backfill_missing_dishes=true" in without["summary"]
    assert _combo_state(rb) == baseline, "a repair that misses its gate changes nothing"
    assert rb.guard.status().model_dump()["tickets"][4]["status"] == "FAILED"

    result = rb.call("fix_combos", "staging", backfill_missing_dishes=True)
    assert result["status"] == "PASS", [c for c in result["checks"] if not c["passed"]]
    assert result["orphan_rate_before"]["naive"] == pytest.approx(8218 / 8234, abs=1e-4)
    assert 0.14 < result["orphan_rate_after"]["naive"] < 0.19  # real run: 16.43 %
    assert result["orphan_rate_after"]["source_backed"] < 0.01  # real run: 0.23 %
    assert 5100 <= result["dishes_backfilled"] <= 5200  # real run: 5,155
    # ~200 ids are ambiguous in the source; those referenced from groups that map are reported, never guessed
    assert result["coverage"]["dishes_ambiguous"] > 100
    assert result["empty_shells"] > 1300  # groups that never had items in the source
    assert result["band"] == "excellent"
    with rb.admin() as conn:
        inactive = conn.execute(
            "SELECT count(*) FROM menuca_v3.dishes WHERE source_system = 'v1' AND NOT is_active AND created_at > now() - interval '1 hour'"
        ).fetchone()
        assert inactive is not None and inactive[0] >= result["dishes_backfilled"]
        pairs = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM menuca_v3.combo_items GROUP BY combo_group_id, dish_id HAVING count(*) > 1) d"
        ).fetchone()
        assert pairs == (0,)

    again = rb.call("fix_combos", "staging", backfill_missing_dishes=True)
    assert again["replayed"] is True and again["items_inserted"] == result["items_inserted"]

    repaired = _combo_state(rb)
    with rb.admin() as conn, conn.transaction():  # the repair's SQL run again by hand inserts nothing new
        conn.execute(db.sql_text("fix_combos/source_map.sql"))
        batch = {"batch_id": "by-hand", "run_id": "by-hand", "backfill": True}
        conn.execute(db.sql_text("fix_combos/start_batch.sql"), batch)
        dishes = conn.execute(db.sql_text("fix_combos/backfill_dishes.sql"), batch).rowcount
        items = conn.execute(db.sql_text("fix_combos/insert_items.sql"), batch).rowcount
        conn.execute("DELETE FROM menuca_migrate.combo_batches WHERE batch_id = 'by-hand'")
    assert (dishes, items) == (0, 0)
    assert _combo_state(rb) == repaired

    undone = rb.call("rollback", "staging", scope="combos", reason="prove the undo")
    assert undone["status"] == "PASS", [c for c in undone["checks"] if not c["passed"]]
    assert _combo_state(rb) == baseline
