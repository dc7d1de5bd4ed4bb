"""The combo gate fixed before the run (MENUCA_FACTS.md): source-backed orphan rate < 5 % and the
junction's integrity. fix_combos checks it before COMMIT; validate and the drift check again."""

from __future__ import annotations

from typing import Literal, cast

from typing_extensions import TypedDict

from server import db
from tools.lib import catalog
from tools.records import OrphanCounts
from tools.results import Check
from tools.step import check

ORPHAN_GATE = 0.05
Band = Literal["excellent", "pass", "warning", "fail"]


class Integrity(TypedDict):
    """sql/common/combo_integrity.sql"""

    null_keys: int
    dangling_groups: int
    dangling_dishes: int
    duplicate_pairs: int


def band(rate: float) -> Band:
    """The bands fixed before the run: < 1 % excellent, < 5 % pass, < 20 % warning, else fail."""
    return (
        "excellent" if rate < 0.01 else "pass" if rate < ORPHAN_GATE else "warning" if rate < 0.20 else "fail"
    )


def integrity(conn: db.Conn) -> Integrity:
    row = db.query_one(conn, db.sql_file("common/combo_integrity.sql"))
    assert row is not None  # an aggregate query always returns its row
    return cast(Integrity, row)


def gate_checks(rates: OrphanCounts, found: Integrity) -> list[Check]:
    return [
        check(
            "source-backed orphan rate < 5 % (decided before the run)",
            f"< {ORPHAN_GATE}",
            rates["source_backed"],
            passed=rates["source_backed"] < ORPHAN_GATE,
        ),
        check("combo_items: no NULL keys", 0, int(found["null_keys"])),
        check(
            "combo_items: no dangling keys", 0, int(found["dangling_groups"]) + int(found["dangling_dishes"])
        ),
        check("combo_items: no duplicate (group, dish) pairs", 0, int(found["duplicate_pairs"])),
    ]


def combo_gate(conn: db.Conn) -> tuple[list[Check], OrphanCounts]:
    rates = catalog.orphan_rates(conn)
    return gate_checks(rates, integrity(conn)), rates
