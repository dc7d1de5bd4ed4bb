"""What fix_combos could reach, read before the run: the combo gate with and without the dish backfill,
from the same source map, coverage and expected-outcome SQL the repair and its dry run use."""

from __future__ import annotations

from server import db
from tools.lib.gates import ORPHAN_GATE
from tools.results import ComboDiagnosis

SQL_FILES = ("fix_combos/source_map.sql", "fix_combos/coverage.sql", "fix_combos/expected.sql")


def _source_backed(row: dict[str, int]) -> float:
    return round(row["source_orphaned"] / row["source_groups"], 6) if row["source_groups"] else 0.0


def diagnose(conn: db.Conn) -> ComboDiagnosis:
    """The diagnosis, in a transaction that is always rolled back (the source map is a temporary view):
    nothing is left in the database."""
    with conn.transaction(force_rollback=True):
        conn.execute(db.sql_file("fix_combos/source_map.sql"))
        coverage = db.query_one(conn, db.sql_file("fix_combos/coverage.sql"))
        plain = db.query_one(conn, db.sql_file("fix_combos/expected.sql"), {"backfill": False})
        backfilled = db.query_one(conn, db.sql_file("fix_combos/expected.sql"), {"backfill": True})
    assert coverage is not None and plain is not None and backfilled is not None  # aggregates: one row
    without, with_ = _source_backed(plain), _source_backed(backfilled)
    return ComboDiagnosis(
        source_rows=int(coverage["source_rows"]),
        mapped_rows=int(coverage["mapped_rows"]),
        dishes_missing_backfillable=int(coverage["backfillable_dishes"]),
        source_backed_without_backfill=without,
        source_backed_with_backfill=with_,
        reaches_gate_without_backfill=without < ORPHAN_GATE,
        reaches_gate_with_backfill=with_ < ORPHAN_GATE,
    )


def backfill_advice(diagnosis: ComboDiagnosis) -> str | None:
    """The reason to pass backfill_missing_dishes=true, when only the backfill reaches the gate."""
    if diagnosis.reaches_gate_without_backfill or not diagnosis.reaches_gate_with_backfill:
        return None
    return (
        "preflight's coverage diagnosis: without the backfill the combo gate is out of reach (the "
        f"source-backed orphan rate would end at {diagnosis.source_backed_without_backfill:.4f}; the gate is "
        f"< {ORPHAN_GATE}), and backfill_missing_dishes=true first inserts the "
        f"{diagnosis.dishes_missing_backfillable:,} referenced dishes that exist only in the V1 menu (as "
        f"inactive dishes) and reaches {diagnosis.source_backed_with_backfill:.4f}; the operator sees those "
        "dishes in the approval evidence."
    )
