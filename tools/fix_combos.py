"""Tickets 04 and 09: repair orphaned combo groups from the V1 source junction in one transaction whose
gate is checked before COMMIT; a repair that misses the gate is rolled back, never half-committed.
Its undo, rollback scope "combos", deletes exactly the rows of this run's batches."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import psycopg
from psycopg import sql

from server import db
from server.runbook import Env
from tools.lib import catalog
from tools.lib.gates import ORPHAN_GATE, Integrity, band, gate_checks, integrity
from tools.records import FixCombosRecord, OrphanCounts
from tools.results import (
    Check,
    Coverage,
    FixCombosArgs,
    FixCombosFields,
    OrphanRates,
    PlannedStatement,
    RollbackArgs,
    RollbackFields,
)
from tools.step import StepContext, StepOutcome, check

SQL_FILES = (
    "fix_combos/bookkeeping.sql",
    "fix_combos/source_map.sql",
    "fix_combos/coverage.sql",
    "fix_combos/expected.sql",
    "fix_combos/lock.sql",
    "fix_combos/start_batch.sql",
    "fix_combos/backfill_dishes.sql",
    "fix_combos/insert_items.sql",
    "fix_combos/finish_batch.sql",
    "fix_combos/batch_rows.sql",
    "fix_combos/referencing_keys.sql",
    "fix_combos/delete_batch_rows.sql",
    "fix_combos/delete_batch_dishes.sql",
    "fix_combos/lock_holders.sql",
    "fix_combos/analyze.sql",
    "common/orphan_rates.sql",
    "common/combo_integrity.sql",
    "common/combo_checksums.sql",
)
LOCK_RETRIES = 3
# The statements of the repair transaction, in order, as a dry run shows them.
REPAIR_FILES = (
    ("fix_combos/lock.sql", "SHARE ROW EXCLUSIVE on combo_items, short lock_timeout"),
    ("fix_combos/bookkeeping.sql", "our own schema menuca_migrate (batches and their rows)"),
    ("fix_combos/source_map.sql", "temporary view: how each source row maps"),
    ("fix_combos/start_batch.sql", "the batch <batch_id>"),
    ("fix_combos/backfill_dishes.sql", "inactive dishes for the backfillable ids"),
    ("fix_combos/insert_items.sql", "one item per new (group, dish) pair"),
    ("fix_combos/finish_batch.sql", "totals"),
    ("common/orphan_rates.sql", "the gate: source-backed orphan rate < 5 %, integrity; COMMIT only if met"),
)


def _rates(rates: OrphanCounts) -> OrphanRates:
    return OrphanRates(naive=rates["naive"], source_backed=rates["source_backed"])


def _coverage(conn: db.Conn, backfill: bool) -> Coverage:
    row = db.query_one(conn, db.sql_file("fix_combos/coverage.sql"))
    assert row is not None
    backfillable = int(row["backfillable_rows"])
    return Coverage(
        source_rows=int(row["source_rows"]),
        mapped_rows=int(row["mapped_rows"]) + (backfillable if backfill else 0),
        unmapped_group_missing=int(row["group_missing_rows"]),
        unmapped_dish_missing=int(row["dish_missing_rows"]) + (0 if backfill else backfillable),
        unmapped_dish_ambiguous=int(row["dish_ambiguous_rows"]),
        already_present=int(row["already_present_rows"]),
        dishes_missing_backfillable=int(row["backfillable_dishes"]),
        dishes_ambiguous=int(row["ambiguous_dishes"]),
        dishes_nowhere=int(row["nowhere_dishes"]),
    )


def _advice(coverage: Coverage, backfill: bool, after: float) -> str:
    if not backfill and coverage.dishes_missing_backfillable:
        return (
            f"{coverage.dishes_missing_backfillable:,} referenced dishes are missing from menuca_v3.dishes but exist "
            "in the staging menu table: call fix_combos with backfill_missing_dishes=true"
        )
    return (
        f"the source-backed orphan rate would still be {after:.4f} (gate < {ORPHAN_GATE}): "
        f"{coverage.unmapped_group_missing:,} source rows name no V3 group, {coverage.unmapped_dish_missing:,} a dish "
        f"that exists nowhere, {coverage.unmapped_dish_ambiguous:,} an ambiguous dish id; a human must decide "
        "these mappings (or roll back with rollback scope=combos)"
    )


def fix_combos(ctx: StepContext, args: FixCombosArgs) -> StepOutcome[FixCombosFields]:
    """The repair; a missed gate (its transaction already rolled back) becomes a FAIL with advice."""
    env, backfill = args.environment, args.backfill_missing_dishes
    batch_id = f"combos-{env}-{ctx.run_id}-{secrets.token_hex(3)}"
    conn = ctx.connect(env)
    if ctx.dry_run:
        return _dry_run(conn, backfill)
    try:
        return _repair_with_retries(ctx, conn, env, backfill, batch_id)
    except _GateMissed as missed:
        rate = missed.fields.orphan_rate_before.source_backed if missed.fields.orphan_rate_before else 0.0
        fields = missed.fields.model_copy(
            update={
                "committed": False,
                "items_inserted": 0,
                "dishes_backfilled": 0,
                "orphan_rate_after": missed.fields.orphan_rate_before,
            }
        )
        return StepOutcome(
            checks=missed.checks,
            summary=f"The repair missed its gate and was ROLLED BACK, so the database is unchanged (source-backed "
            f"orphan rate would have gone {rate:.4f} → {missed.after:.4f}, band {band(missed.after)}). "
            + _advice(missed.coverage, backfill, missed.after)
            + ".",
            fields=fields,
            actions=[*missed.actions, "gate missed: transaction rolled back, nothing committed"],
        )


def _repair_with_retries(
    ctx: StepContext, conn: db.Conn, env: Env, backfill: bool, batch_id: str
) -> StepOutcome[FixCombosFields]:
    last: psycopg.errors.LockNotAvailable | None = None
    for _ in range(LOCK_RETRIES):
        try:
            return _repair(ctx, conn, backfill, batch_id)
        except psycopg.errors.LockNotAvailable as exc:
            conn.rollback()
            last = exc
            ctx.checkpoint()
    blockers = db.query_all(conn, db.sql_file("fix_combos/lock_holders.sql"))
    conn.rollback()
    who = [f"pid {b['pid']} ({b['application_name'] or '?'}, {b['state']}, {b['mode']})" for b in blockers]
    return StepOutcome(
        checks=[
            check(
                "SHARE ROW EXCLUSIVE lock on combo_items within 2 s",
                "granted",
                f"timed out ({last})",
                passed=False,
            ),
            check("sessions holding locks on combo_items", [], who),
        ],
        summary="fix_combos could not lock combo_items: other sessions are writing it "
        f"({'; '.join(who) or 'they have finished since'}); nothing was changed. Call fix_combos again.",
        fields=FixCombosFields(batch_id=batch_id),
    )


def _repair(ctx: StepContext, conn: db.Conn, backfill: bool, batch_id: str) -> StepOutcome[FixCombosFields]:
    phases = 6
    with conn.transaction():
        ctx.progress(1, phases, "locking combo_items (SHARE ROW EXCLUSIVE) and measuring before")
        conn.execute(db.sql_file("fix_combos/lock.sql"))
        conn.execute(db.sql_file("fix_combos/bookkeeping.sql"))
        conn.execute(db.sql_file("fix_combos/source_map.sql"))
        before = catalog.orphan_rates(conn)
        coverage = _coverage(conn, backfill)
        db.query_all(
            conn,
            db.sql_file("fix_combos/start_batch.sql"),
            {"batch_id": batch_id, "run_id": ctx.run_id, "backfill": backfill},
        )
        ctx.checkpoint()
        if backfill:
            ctx.progress(2, phases, f"backfilling {coverage.dishes_missing_backfillable:,} dishes")
            db.query_all(conn, db.sql_file("fix_combos/backfill_dishes.sql"), {"batch_id": batch_id})
            ctx.checkpoint()
        ctx.progress(3, phases, "inserting the missing combo items")
        db.query_all(conn, db.sql_file("fix_combos/insert_items.sql"), {"batch_id": batch_id})
        totals = db.query_one(conn, db.sql_file("fix_combos/finish_batch.sql"), {"batch_id": batch_id})
        assert totals is not None
        ctx.progress(4, phases, "measuring after and checking the gate")
        after = catalog.orphan_rates(conn)
        checks = _gate_checks(before, after, integrity(conn))
        fields = FixCombosFields(
            orphan_rate_before=_rates(before),
            orphan_rate_after=_rates(after),
            items_inserted=int(totals["items_inserted"]),
            dishes_backfilled=int(totals["dishes_backfilled"]),
            batch_id=batch_id,
            coverage=coverage,
            empty_shells=after["empty_shells"],
            band=band(after["source_backed"]),
        )
        actions = [
            f"orphan rate naive {before['naive']} → {after['naive']}, source-backed {before['source_backed']} → "
            f"{after['source_backed']} ({after['orphaned']:,} empty groups, {after['empty_shells']:,} of them never "
            "in the source)",
            f"items inserted: {totals['items_inserted']:,}; dishes backfilled: {totals['dishes_backfilled']:,}",
            f"coverage: {coverage.mapped_rows:,} of {coverage.source_rows:,} source rows mapped; unmapped: "
            f"group missing {coverage.unmapped_group_missing:,}, dish missing {coverage.unmapped_dish_missing:,}, "
            f"dish ambiguous {coverage.unmapped_dish_ambiguous:,} ({coverage.dishes_ambiguous:,} ambiguous ids "
            "not guessed)",
        ]
        if not all(c.passed for c in checks):
            ctx.progress(5, phases, "gate missed: rolling back")
            raise _GateMissed(checks, fields, actions, coverage, after["source_backed"])
        ctx.progress(5, phases, "gate met: committing")
        ctx.pause("fix_combos:before_commit")
        ctx.checkpoint()
    # thousands of new rows: fresh statistics so the menu and combo queries keep their plans (ANALYZE
    # takes SHARE UPDATE EXCLUSIVE, which blocks neither reads nor writes)
    for table in ("combo_items", "dishes"):
        db.query_all(conn, db.sql_file("fix_combos/analyze.sql").format(table=sql.Identifier(table)))
    conn.commit()
    ctx.progress(6, phases, "committed")
    return StepOutcome(
        checks=checks,
        summary=f"Combo repair committed (batch {batch_id}): {fields.items_inserted:,} items inserted, "
        f"{fields.dishes_backfilled:,} dishes backfilled; source-backed orphan rate {before['source_backed']:.4f} "
        f"→ {after['source_backed']:.4f} ({fields.band}), naive {before['naive']:.4f} → {after['naive']:.4f} "
        f"({after['empty_shells']:,} empty shells never had items in the source).",
        fields=fields.model_copy(update={"committed": True}),
        record=FixCombosRecord(batch_id=batch_id, backfill=backfill),
        actions=actions,
    )


@dataclass
class _GateMissed(Exception):
    """Leaves the repair's transaction block so that everything in it is rolled back."""

    checks: list[Check]
    fields: FixCombosFields
    actions: list[str]
    coverage: Coverage
    after: float


def _gate_checks(before: OrphanCounts, after: OrphanCounts, found: Integrity) -> list[Check]:
    return [
        *gate_checks(after, found),
        check(
            "orphaned groups did not increase",
            f"<= {before['orphaned']}",
            after["orphaned"],
            passed=after["orphaned"] <= before["orphaned"],
        ),
    ]


def _dry_run(conn: db.Conn, backfill: bool) -> StepOutcome[FixCombosFields]:
    with conn.transaction(force_rollback=True):
        conn.execute(db.sql_file("fix_combos/source_map.sql"))
        before = catalog.orphan_rates(conn)
        coverage = _coverage(conn, backfill)
        expected = db.query_one(conn, db.sql_file("fix_combos/expected.sql"), {"backfill": backfill})
    assert expected is not None
    naive = round(expected["orphaned"] / expected["groups"], 6) if expected["groups"] else 0.0
    source = (
        round(expected["source_orphaned"] / expected["source_groups"], 6)
        if expected["source_groups"]
        else 0.0
    )
    steps = [
        (name, note) for name, note in REPAIR_FILES if backfill or name != "fix_combos/backfill_dishes.sql"
    ]
    passes = source < ORPHAN_GATE
    return StepOutcome(
        checks=[check("expected source-backed orphan rate < 5 %", f"< {ORPHAN_GATE}", source, passed=True)],
        summary=f"Dry run: would insert {expected['items']:,} items"
        + (f" after backfilling {coverage.dishes_missing_backfillable:,} dishes" if backfill else "")
        + f"; orphan rate naive {before['naive']:.4f} → {naive:.4f}, source-backed {before['source_backed']:.4f} → "
        f"{source:.4f}: the gate would {'hold' if passes else 'FAIL and the repair would be rolled back'}"
        + ("" if passes else f" ({_advice(coverage, backfill, source)})")
        + ". Nothing was changed.",
        fields=FixCombosFields(
            orphan_rate_before=_rates(before),
            orphan_rate_after=OrphanRates(naive=naive, source_backed=source),
            items_inserted=int(expected["items"]),
            dishes_backfilled=coverage.dishes_missing_backfillable if backfill else 0,
            batch_id="<batch_id>",
            coverage=coverage,
            band=band(source),
        ),
        plan=[
            PlannedStatement(
                order=i,
                statement=db.sql_text(name).strip(),
                transaction="transaction",
                lock_timeout="2s",
                statement_timeout="10min",
                note=note,
            )
            for i, (name, note) in enumerate(steps, start=1)
        ],
    )


def rollback_combos(ctx: StepContext, args: RollbackArgs) -> StepOutcome[RollbackFields]:
    """rollback scope=combos: delete exactly the rows of this run's batches; rows that other rows now
    reference block it (reported, never cascaded); prove the baseline checksums are back."""
    env = args.environment
    baseline = ctx.baseline(env)
    conn = ctx.connect(env)
    with conn.transaction():
        rows = (
            db.query_all(conn, db.sql_file("fix_combos/batch_rows.sql"), {"run_id": ctx.run_id})
            if catalog.schema_exists(conn, "menuca_migrate")
            else []
        )
        items = [r["row_id"] for r in rows if r["table_name"] == "combo_items"]
        dishes = [r["row_id"] for r in rows if r["table_name"] == "dishes"]
        blockers = _references(conn, items, dishes)
        if ctx.dry_run or blockers:
            return StepOutcome(
                checks=[check("rows referencing the batch (block the rollback)", [], blockers)],
                summary=(
                    f"Dry run: would delete {len(items):,} combo items and {len(dishes):,} backfilled dishes."
                    if not blockers
                    else f"The combo rollback did not run: {len(blockers)} kind(s) of rows now reference the batch "
                    f"({'; '.join(blockers)}). Nothing was deleted; remove or re-point them, then roll back."
                ),
                fields=RollbackFields(scope=args.scope, blocked_by_references=blockers),
                plan=[
                    PlannedStatement(order=i, statement=db.sql_text(name).strip(), transaction="transaction")
                    for i, name in enumerate(
                        ("fix_combos/delete_batch_rows.sql", "fix_combos/delete_batch_dishes.sql"), 1
                    )
                ]
                if ctx.dry_run
                else None,
            )
        deleted = {"items_deleted": 0, "dishes_deleted": 0}
        if rows:
            conn.execute(db.sql_file("fix_combos/lock.sql"))
            for name in ("fix_combos/delete_batch_rows.sql", "fix_combos/delete_batch_dishes.sql"):
                ctx.checkpoint()
                deleted.update(db.query_one(conn, db.sql_file(name), {"run_id": ctx.run_id}) or {})
    sums = catalog.combo_checksums(conn)
    rates = catalog.orphan_rates(conn)
    conn.rollback()
    base_sums, base_rates = baseline.combo_checksums, baseline.orphan_rates
    checks = [
        check(
            "combo_items rows equal the preflight baseline (md5)",
            base_sums["combo_items_md5"] if base_sums else None,
            sums["combo_items_md5"],
        ),
        check(
            "dishes rows equal the preflight baseline (md5)",
            base_sums["dishes_md5"] if base_sums else None,
            sums["dishes_md5"],
        ),
        check(
            "orphan rates equal the preflight baseline",
            _rates(base_rates).model_dump() if base_rates else None,
            _rates(rates).model_dump(),
        ),
    ]
    return StepOutcome(
        checks=checks,
        summary=f"Deleted exactly this run's {deleted['items_deleted']:,} combo items and "
        f"{deleted['dishes_deleted']:,} backfilled dishes; "
        + (
            "the rows equal the preflight baseline."
            if all(c.passed for c in checks)
            else "the rows still differ from the preflight baseline (see checks)."
        ),
        fields=RollbackFields(
            scope=args.scope,
            restored=[
                f"deleted {deleted['items_deleted']} combo items",
                f"deleted {deleted['dishes_deleted']} backfilled dishes",
            ],
        ),
    )


def _references(conn: db.Conn, items: list[int], dishes: list[int]) -> list[str]:
    """Rows outside the batch that point at its rows, per foreign key."""
    found = []
    ids = {"combo_items": items, "dishes": dishes}
    for fk in db.query_all(conn, db.sql_file("fix_combos/referencing_keys.sql")):
        targets = ids[fk["referenced"]]
        if not targets:
            continue
        query = sql.SQL("SELECT count(*) AS n FROM {} WHERE {} = ANY(%(ids)s)").format(
            sql.Identifier(fk["schema"], fk["table"]), sql.Identifier(fk["column"])
        )
        if (fk["schema"], fk["table"]) == ("menuca_v3", "combo_items"):
            query = query + sql.SQL(" AND NOT (id = ANY(%(own)s))")
        row = db.query_one(conn, query, {"ids": targets, "own": items})
        if row and row["n"]:
            found.append(
                f"{row['n']} row(s) of {fk['schema']}.{fk['table']}.{fk['column']} → {fk['referenced']}"
            )
    return found
