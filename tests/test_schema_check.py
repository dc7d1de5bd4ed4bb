"""Preflight checks the schema the tools use, with types (tools/lib/schema.py): a renamed table, a
dropped column or a column of another type is a FAIL that names it, before any ticket trips over it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from server.engine.registry import required_sql_files
from server.errors import Refused
from tests.conftest import Runbook
from tools.lib.schema import seed_schema, used_columns

SCHEMA_CHECK = "every table and column the tools use exists with its type"


def test_a_renamed_table_a_dropped_column_and_a_changed_type_fail_preflight_naming_each(
    runbook: Callable[..., Runbook],
) -> None:
    rb = runbook()
    with rb.admin() as conn:  # by hand, before the run
        conn.execute("ALTER TABLE menuca_v3.combo_steps RENAME TO combo_steps_old")
        conn.execute("ALTER TABLE menuca_v3.combo_items DROP COLUMN source_id")
        conn.execute("ALTER TABLE menuca_v3.combo_groups ALTER COLUMN legacy_v1_id TYPE text")
    result = rb.call("preflight")
    assert result["status"] == "FAIL"
    checks = {c["name"]: c for c in result["checks"]}
    assert checks[f"staging: {SCHEMA_CHECK}"]["actual"] == [
        "table menuca_v3.combo_steps is missing (renamed or dropped?)",
        "column menuca_v3.combo_groups.legacy_v1_id is text, expected int4",
        "column menuca_v3.combo_items.source_id (int8) is missing",
    ]
    assert checks[f"production: {SCHEMA_CHECK}"]["passed"] is True
    assert "table menuca_v3.combo_steps is missing" in result["summary"]
    with pytest.raises(Refused) as refused:
        rb.call("backup", "staging")
    assert refused.value.code == "BLOCKED_BY_FAILURE"


def test_the_columns_checked_are_those_the_tools_sql_names_with_the_seed_schemas_types() -> None:
    used = {(c.table, c.name): c.type for c in used_columns(required_sql_files())}
    assert used[("combo_items", "source_id")] == "int8"  # fix_combos inserts it
    assert used[("dishes", "restaurant_id")] == "int8"  # every policy of the menu
    assert used[("restaurants", "status")] == "restaurant_status"
    assert used[("combo_groups", "combo_rules")] == "jsonb"
    assert ("restaurants", "is_active") not in used  # there is no such column (MENUCA_FACTS.md)
    seed = seed_schema()
    assert len(seed) == 44  # 42 menuca_v3 tables and the two staging source tables
    ids = {(c.schema, c.table) for c in used_columns(required_sql_files()) if c.name == "id"}
    assert ids == {key for key, columns in seed.items() if "id" in columns}  # every table is read by id
