"""Tickets 02 and 07: make the 58 target indexes exist without blocking writes or duplicating what the
database already has, verify every build, and measure the menu queries before and after; and its
undo, rollback scope "indexes"."""

from __future__ import annotations

import threading
import time
from typing import Any, cast

import psycopg

from server import db
from server.runbook import ticket_of
from tools.lib import advisor, catalog, measure
from tools.lib.targets import (
    TARGET_COUNT,
    IndexDecision,
    analyze_statement,
    decide_targets,
    drop_statement,
    shared_definitions,
    target_names,
    targets,
)
from tools.records import ApplyIndexesRecord, ApplyRlsRecord, Baseline, BuiltIndex, IndexDetail, QueryFamily
from tools.results import (
    ApplyIndexesArgs,
    ApplyIndexesFields,
    Check,
    IndexOutcome,
    PlannedStatement,
    QueryTiming,
    RollbackArgs,
    RollbackFields,
    TransactionMode,
)
from tools.step import StepContext, StepOutcome, check

SQL_FILES = (
    "apply_indexes/targets.sql",
    "apply_indexes/long_transactions.sql",
    "apply_indexes/index_state.sql",
    "apply_indexes/drop_index.sql",
    "apply_indexes/analyze.sql",
    "validate/advisor/created.sql",
    "apply_indexes/build_progress.sql",
)
# Transactions older than this are reported before each build and waited for (a concurrent build
# waits for every transaction that could see the table); after MAX_WAIT_S the step fails clearly.
LONG_TRANSACTION_S = 60.0
MAX_WAIT_S = 120.0
VALIDITY_RETRIES = 5
CLEANUP_LOCK_TIMEOUT = "15s"
PROGRESS_POLL_S = 0.5  # how often a running build's pg_stat_progress_create_index row is read


def _drop(conn: db.Conn, name: str) -> None:
    db.query_all(conn, drop_statement(name))


def _cleanup(conn: db.Conn, name: str) -> bool:
    """Drop an INVALID leftover concurrently, waiting at most CLEANUP_LOCK_TIMEOUT for other transactions
    (the build may have stopped precisely because one is holding the table)."""
    previous = db.query_one(conn, "SELECT current_setting('lock_timeout') AS v")
    db.query_all(conn, "SELECT set_config('lock_timeout', %s, false)", [CLEANUP_LOCK_TIMEOUT])
    try:
        _drop(conn, name)
        return True
    except psycopg.errors.LockNotAvailable:
        return False
    finally:
        db.query_all(
            conn, "SELECT set_config('lock_timeout', %s, false)", [previous["v"] if previous else "0"]
        )


def _valid(conn: db.Conn, name: str) -> bool | None:
    """Whether the index is valid now (None: it does not exist)."""
    row = db.query_one(conn, db.sql_file("apply_indexes/index_state.sql"), {"name": name})
    return None if row is None else bool(row["valid"])


def _wait_for_old_transactions(ctx: StepContext, conn: db.Conn) -> list[str]:
    """Old transactions the build would wait behind: wait (bounded) for them; return those left."""
    deadline = time.monotonic() + MAX_WAIT_S
    while True:
        rows = db.query_all(
            conn, db.sql_file("apply_indexes/long_transactions.sql"), {"threshold_s": LONG_TRANSACTION_S}
        )
        if not rows or time.monotonic() > deadline:
            return [r["who"] for r in rows]
        ctx.progress(
            0, None, f"waiting for {len(rows)} old transaction(s) of this database to end: {rows[0]['who']}"
        )
        ctx.checkpoint()
        time.sleep(1)


def apply_indexes(ctx: StepContext, args: ApplyIndexesArgs) -> StepOutcome[ApplyIndexesFields]:
    env = args.environment
    baseline = ctx.baseline(env)
    conn = ctx.connect(env, autocommit=True)  # autocommit: no transaction of ours may hold a build back
    decisions = decide_targets(conn, baseline)
    _, session_settings = targets()
    builds = [d for d in decisions if d.build]
    if ctx.dry_run:
        return _dry_run(conn, decisions, session_settings)

    restaurants = list(baseline.restaurants or measure.pick_restaurants(conn))
    combo_restaurants = list(baseline.combo_restaurants or measure.pick_combo_restaurants(conn))
    ctx.progress(0, len(builds) + 2, "timing the menu queries before")
    before = measure.measure_family(conn, restaurants, combo_restaurants=combo_restaurants)

    build_conn = ctx.connect(env, autocommit=True)
    for statement in session_settings:
        db.query_all(build_conn, cast(Any, statement))
    waited_for: list[str] = []
    for number, decision in enumerate(builds, start=1):
        ctx.checkpoint()
        blockers = _wait_for_old_transactions(ctx, conn)
        if blockers:
            decision.fail(
                f"not built: transactions of this database older than {LONG_TRANSACTION_S:.0f} s still open "
                f"after waiting {MAX_WAIT_S:.0f} s ({'; '.join(blockers)}); a concurrent build waits for "
                "each of them: let them finish or end them (pg_terminate_backend, or COMMIT/ROLLBACK PREPARED), "
                "then call apply_indexes again"
            )
            waited_for = blockers
            break
        decision.build_ms = _build(ctx, conn, build_conn, decision, (number - 1, len(builds) + 2))
        ctx.progress(number, len(builds) + 2, f"{decision.target.name}: {decision.action}")
        if number == 1:
            ctx.pause("apply_indexes:after_first_build")

    for table in _built_tables(builds):
        ctx.checkpoint()
        db.query_all(conn, analyze_statement(table))
    ctx.progress(len(builds) + 1, len(builds) + 2, "timing the menu queries after")
    after = measure.measure_not_slower(conn, restaurants, before, combo_restaurants=combo_restaurants)
    return _outcome(conn, decisions, before, after, (restaurants, combo_restaurants), waited_for)


def _built_tables(decisions: list[IndexDecision]) -> list[str]:
    return sorted({d.target.table for d in decisions if d.action in ("created", "rebuilt")})


def _build(
    ctx: StepContext, conn: db.Conn, build_conn: db.Conn, decision: IndexDecision, position: tuple[int, int]
) -> int:
    target = decision.target
    begun = time.monotonic()
    try:
        if decision.action == "rebuilt":
            _drop(build_conn, target.name)
        _build_reporting_progress(ctx, conn, build_conn, target.name, cast(Any, target.statement), position)
    except psycopg.Error as exc:  # lock timeout, cancellation, a uniqueness or disk problem: clean up below
        decision.fail(f"build stopped: {exc.diag.message_primary or type(exc).__name__}")
    valid = None
    for attempt in range(VALIDITY_RETRIES):
        valid = _valid(conn, target.name)
        if valid:
            break
        time.sleep(0.1 * (attempt + 1))
    if not valid:
        if decision.action != "failed":
            decision.fail("the build left an INVALID index")
        if valid is not None and not _cleanup(build_conn, target.name):
            decision.problem = (decision.problem or "") + (
                f"; the INVALID index {target.name} could not be dropped within {CLEANUP_LOCK_TIMEOUT} (a "
                "transaction still holds the table): the next apply_indexes rebuilds it, rollback scope=indexes drops it"
            )
        ctx.checkpoint()
    return int((time.monotonic() - begun) * 1000)


Pinned = tuple[list[int], list[int]]  # the menu queries' restaurants, the combo query's


def _build_reporting_progress(
    ctx: StepContext, conn: db.Conn, build_conn: db.Conn, name: str, statement: Any, position: tuple[int, int]
) -> None:
    """Run one build on `build_conn` (in a thread) while this thread reads its progress from
    pg_stat_progress_create_index on `conn` and reports it: the phase, the transactions the build waits
    for (a concurrent build waits for older transactions, up to the build session's lock_timeout) and
    the blocks or tuples done. The build's own error is raised here."""
    failure: list[BaseException] = []

    def build() -> None:
        try:
            db.query_all(build_conn, statement)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread, which raises it
            failure.append(exc)

    worker = threading.Thread(target=build, name=f"build {name}", daemon=True)
    pid = build_conn.info.backend_pid
    done, total = position
    worker.start()
    while True:
        worker.join(PROGRESS_POLL_S)
        if not worker.is_alive():
            break
        row = db.query_one(conn, db.sql_file("apply_indexes/build_progress.sql"), {"pid": pid})
        if row is not None:
            fraction, message = build_progress(row)
            ctx.progress(done + fraction, total, f"{name}: {message}")
    if failure:
        raise failure[0]


def build_progress(row: dict[str, Any]) -> tuple[float, str]:
    """A pg_stat_progress_create_index row as (fraction of this build done, a message)."""
    phase = str(row["phase"])
    if row["lockers_total"] and row["lockers_done"] < row["lockers_total"]:
        waiting = row["lockers_total"] - row["lockers_done"]
        who = f" (pid {row['current_locker_pid']})" if row["current_locker_pid"] else ""
        return 0.0, f"{phase}: {waiting} transaction(s) to end first{who}"
    if row["blocks_total"]:
        share = min(row["blocks_done"] / row["blocks_total"], 1.0)
        return share, f"{phase}: {row['blocks_done']:,} of {row['blocks_total']:,} blocks"
    if row["tuples_total"]:
        share = min(row["tuples_done"] / row["tuples_total"], 1.0)
        return share, f"{phase}: {row['tuples_done']:,} of {row['tuples_total']:,} tuples"
    return 0.0, phase


def _timings(conn: db.Conn, before: QueryFamily, after: QueryFamily, pinned: Pinned) -> list[QueryTiming]:
    timings = []
    for name in measure.QUERIES:
        b, a = before[name]["median_ms"], after[name]["median_ms"]
        on = measure.restaurants_for(name, *pinned)
        used = measure.plan_indexes(conn, name, on[0]) if on else []
        timings.append(
            QueryTiming(
                name=name,
                before_ms=b,
                after_ms=a,
                speedup=measure.speedup(b, a),
                uses_index=bool(used) if on else None,
                indexes_used=used,
                restaurants=on,
            )
        )
    return timings


def slower_queries(timings: list[QueryTiming]) -> list[Check]:
    """A passed check per query of the family that got slower after the indexes (speedup below 1),
    carrying a warning with the indexes its new plan reads; the menu query's gate is a check of its
    own, so these say what the gate does not."""
    found = []
    for t in timings:
        if t.before_ms is None or t.after_ms is None:
            continue
        warning = measure.slower_warning(t.name, t.before_ms, t.after_ms, t.indexes_used, "after the indexes")
        if warning is not None:
            found.append(
                Check(
                    name=f"{t.name} query after the indexes (reported, not gated)",
                    expected="speedup >= 1",
                    actual=t.speedup,
                    passed=True,
                    warning=warning,
                )
            )
    return found


def _outcome(
    conn: db.Conn,
    decisions: list[IndexDecision],
    before: QueryFamily,
    after: QueryFamily,
    pinned: Pinned,
    waited_for: list[str],
) -> StepOutcome[ApplyIndexesFields]:
    existing = catalog.indexes(conn)
    by_name = {i["name"]: i for i in existing}
    outcomes = []
    for d in decisions:
        covering = by_name.get(d.equivalent_to or d.target.name)
        outcomes.append(
            IndexOutcome(
                name=d.target.name,
                table=d.target.table,
                action=d.action,
                equivalent_to=d.equivalent_to,
                # a conflict's index is valid, but it is not the target: the target is not covered
                valid=bool(covering and covering["valid"]) and d.action != "conflict",
                build_ms=d.build_ms,
            )
        )
    counts = _counts(outcomes)
    covered = sum(1 for o in outcomes if o.valid and o.action not in ("failed", "conflict"))
    invalid = catalog.invalid_indexes(conn)
    conflicts = [d for d in decisions if d.action == "conflict"]
    slower = measure.slower_restaurants(before["menu"], after["menu"])
    menu_b, menu_a = before["menu"]["median_ms"], after["menu"]["median_ms"]
    problems = [f"{d.target.name}: {d.problem}" for d in decisions if d.problem and d.action != "conflict"]
    checks: list[Check] = [
        check("targets valid or equivalently covered", TARGET_COUNT, covered),
        check("no INVALID index", [], invalid),
        check("no two indexes share a definition", [], shared_definitions(existing)),
        check(
            "menu query not slower on any pinned restaurant (median after <= 1.25 x before + 1 ms)",
            [],
            slower,
        ),
    ]
    if conflicts:
        checks.append(
            check(
                "no other index holds a target's name (conflict: kept, never dropped)",
                [],
                [f"{d.target.name}: {by_name[d.target.name]['definition']}" for d in conflicts],
            )
        )
    if problems:
        checks.append(check("every target handled", [], problems))
    if waited_for:
        checks.append(check("no transaction blocking the builds", [], waited_for))
    timings = _timings(conn, before, after, pinned)
    checks += slower_queries(timings)
    ok = all(c.passed for c in checks)
    built = _built_indexes(decisions, by_name)
    summary = (
        f"{counts.get('created', 0)} created, {counts.get('present', 0)} present, "
        f"{counts.get('equivalent', 0)} equivalent, {counts.get('rebuilt', 0)} rebuilt; 0 INVALID. "
        f"Menu query {menu_b} → {menu_a} ms (speedup {measure.speedup(menu_b, menu_a)}x)."
        + "".join(f" Warning: {c.warning}" for c in checks if c.warning)
        if ok
        else _failed_summary(checks, decisions, invalid, built)
    )
    return StepOutcome(
        checks=checks,
        summary=summary,
        fields=ApplyIndexesFields(
            indexes=outcomes,
            counts=counts,
            menu_query_ms_before=menu_b,
            menu_query_ms_after=menu_a,
            speedup=measure.speedup(menu_b, menu_a),
            queries=timings,
            long_transactions=waited_for,
        ),
        record=ApplyIndexesRecord(
            built=[d.target.name for d in decisions if d.action in ("created", "rebuilt")],
            built_indexes=built,
            equivalent={d.target.name: d.equivalent_to for d in decisions if d.equivalent_to},
            advisor_created=advisor.created_objects(conn, indexes=[b.name for b in built]),
        ),
        actions=[
            f"{o.name} on {o.table}: {o.action}"
            + (f" (= {o.equivalent_to})" if o.equivalent_to else "")
            + (f", {o.build_ms} ms" if o.build_ms is not None else "")
            for o in outcomes
            if o.action != "present"
        ]
        + [f"ANALYZE on {len(_built_tables(decisions))} tables"],
    )


def _built_indexes(decisions: list[IndexDecision], by_name: dict[str, IndexDetail]) -> list[BuiltIndex]:
    """This run's indexes by oid and definition: those it built or rebuilt now, those an earlier attempt
    of the run built (valid, the target's definition, absent from the baseline), and the INVALID
    leftovers of its own failed builds, so that a rollback drops exactly these and nothing else."""
    found = []
    for d in decisions:
        index = by_name.get(d.target.name)
        ours = d.action in ("created", "rebuilt") or (d.build and index is not None and not index["valid"])
        if ours and index is not None and "oid" in index:
            found.append(
                BuiltIndex(
                    name=d.target.name, oid=index["oid"], definition=index["definition"], valid=index["valid"]
                )
            )
    return found


def _failed_summary(
    checks: list[Check], decisions: list[IndexDecision], invalid: list[str], built: list[BuiltIndex]
) -> str:
    """What went wrong, exactly what is left behind, and what to do."""
    failed = "; ".join(c.name for c in checks if not c.passed)
    left: list[str] = []
    if invalid:
        left.append(
            f"{len(invalid)} INVALID index(es) left: {', '.join(invalid)} (the next apply_indexes rebuilds this "
            "run's, rollback scope=indexes drops them)"
        )
    else:
        left.append("no INVALID index is left")
    valid_built = [b.name for b in built if b.valid]
    if valid_built:
        left.append(f"{len(valid_built)} index(es) this run built stay, valid")
    conflicts = [d.target.name for d in decisions if d.action == "conflict"]
    if conflicts:
        left.append(
            f"{len(conflicts)} index(es) of another definition under a target's name kept: {', '.join(conflicts)}"
        )
    problems = [d.problem for d in decisions if d.problem]
    todo = (
        problems[0] if problems else "fix the cause and call apply_indexes again, or rollback scope=indexes"
    )
    more = f" ({len(problems) - 1} more problem(s) in the checks)" if len(problems) > 1 else ""
    return f"apply_indexes did not finish cleanly: {failed}. Left behind: {'; '.join(left)}. To do: {todo}{more}."


def _counts(outcomes: list[IndexOutcome]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
    return counts


def _dry_run(
    conn: db.Conn, decisions: list[IndexDecision], session_settings: tuple[str, ...]
) -> StepOutcome[ApplyIndexesFields]:
    """The plan, rendered from the very statements the real call runs."""
    steps: list[PlannedStatement] = []
    lock_timeout = next(
        (s.split("=")[1].strip().strip("';") for s in session_settings if "lock_timeout" in s), None
    )

    def add(statement: str, mode: TransactionMode, note: str | None = None) -> None:
        steps.append(
            PlannedStatement(
                order=len(steps) + 1,
                statement=statement,
                transaction=mode,
                lock_timeout=lock_timeout if mode == "autocommit" else None,
                statement_timeout="0" if mode == "autocommit" else None,
                note=note,
            )
        )

    for statement in session_settings:
        add(statement, "autocommit", "session setting of the build connection")
    for d in decisions:
        if d.action == "rebuilt":
            add(db.render(conn, drop_statement(d.target.name)), "autocommit", "an INVALID index of that name")
        if d.build:
            add(d.target.statement, "autocommit", f"{d.action}; then pg_index.indisvalid is checked")
    for table in sorted({d.target.table for d in decisions if d.build}):
        add(db.render(conn, analyze_statement(table)), "autocommit")
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d.action] = counts.get(d.action, 0) + 1
    outcomes = [
        IndexOutcome(
            name=d.target.name,
            table=d.target.table,
            action="planned" if d.build else d.action,
            equivalent_to=d.equivalent_to,
            valid=not d.build and d.action not in ("failed", "conflict"),
        )
        for d in decisions
    ]
    return StepOutcome(
        checks=[check("targets decided", TARGET_COUNT, len(decisions))],
        summary=f"Dry run: {sum(1 for d in decisions if d.build)} concurrent builds planned "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}); nothing was changed.",
        fields=ApplyIndexesFields(indexes=outcomes, counts=counts),
        plan=steps,
    )


def rollback_indexes(ctx: StepContext, args: RollbackArgs) -> StepOutcome[RollbackFields]:
    """rollback scope=indexes: drop (concurrently) exactly the indexes this run built or rebuilt, each
    identified by the oid and definition apply_indexes recorded; an index under a target's name that is
    not one of them (a DBA's hotfix created after preflight, say) is kept and reported. The proof is the
    pre-run index list plus each kept index, named."""
    env = args.environment
    baseline: Baseline = ctx.baseline(env)
    base = {i["name"]: i for i in baseline.indexes}
    conn = ctx.connect(env, autocommit=True)
    names = target_names()
    current = {i["name"]: i for i in catalog.indexes(conn)}
    recorded = {
        (built.name, built.oid, built.definition)
        for record in ctx.records(ApplyIndexesRecord, ticket_of("apply_indexes", env).id)
        for built in record.built_indexes
    }

    def ours(index: IndexDetail) -> bool:
        return (index["name"], index.get("oid"), index["definition"]) in recorded

    to_drop = sorted(name for name, index in current.items() if ours(index))
    kept = {
        name: index["definition"]
        for name, index in sorted(current.items())
        if name in names
        and not ours(index)
        and (base[name]["definition"] if name in base else None) != index["definition"]
    }
    kept_lines = [
        f"kept {name}: not an index this run built ({definition}); a DBA decides what becomes of it"
        for name, definition in kept.items()
    ]
    if ctx.dry_run:
        return StepOutcome(
            checks=[check("indexes this run built found", ">= 0", len(to_drop), passed=True)],
            summary=f"Dry run: would drop {len(to_drop)} index(es) this run built, concurrently: "
            f"{', '.join(to_drop) or 'none'}"
            + (f"; would keep {len(kept)} it did not build: {', '.join(kept)}" if kept else "")
            + ".",
            fields=RollbackFields(scope=args.scope, restored=kept_lines),
            plan=[
                PlannedStatement(
                    order=i, statement=db.render(conn, drop_statement(name)), transaction="autocommit"
                )
                for i, name in enumerate(to_drop, start=1)
            ],
        )
    for number, name in enumerate(to_drop, start=1):
        ctx.checkpoint()
        _drop(conn, name)
        ctx.progress(number, len(to_drop), f"dropped {name}")
    # indexes apply_rls built to back its policies are its own to undo (rollback scope=rls)
    rls_built = {
        name
        for record in ctx.records(ApplyRlsRecord, ticket_of("apply_rls", env).id)
        for name in record.indexes_built
    }
    after = {i["name"]: i["definition"] for i in catalog.indexes(conn) if i["name"] not in rls_built}
    expected = {name: i["definition"] for name, i in base.items() if i["valid"]} | kept
    missing = sorted(set(expected) - set(after))
    extra = sorted(set(after) - set(expected))
    changed = sorted(n for n in set(after) & set(expected) if after[n] != expected[n])
    checks = [
        check(
            "index list equals the preflight baseline plus the kept indexes",
            {"missing": [], "extra": [], "changed": []},
            {"missing": missing, "extra": extra, "changed": changed},
        ),
        check("no INVALID index", [], catalog.invalid_indexes(conn)),
    ]
    if kept:
        checks.append(
            check(
                "indexes under a target's name this run did not build are kept (reported, never dropped)",
                sorted(kept),
                sorted(name for name in kept if name in after),
            )
        )
    proven = all(c.passed for c in checks)
    kept_text = f" Kept {len(kept)} index(es) this run did not build: {', '.join(kept)}." if kept else ""
    return StepOutcome(
        checks=checks,
        summary=f"Dropped {len(to_drop)} index(es) this run built; the index list "
        + (
            "equals the preflight baseline" + (" plus the kept indexes." if kept else ".")
            if proven
            else "still differs from the baseline (see checks)."
        )
        + kept_text,
        fields=RollbackFields(
            scope=args.scope, restored=[f"dropped {name}" for name in to_drop] + kept_lines
        ),
        actions=[db.render(conn, drop_statement(name)) for name in to_drop] + kept_lines,
    )
