"""Tickets 03 and 08: Row Level Security on every menuca_v3 table in ONE short-lock transaction (so no
table is ever RLS-enabled without its policies), proven by the test matrix run as the real API roles;
restored to the snapshot when a test fails; undone exactly by rollback scope "rls"."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString, cast

import psycopg
from psycopg import errors, sql

from server import db
from server.runbook import Env, ticket_for
from tools.lib import advisor, catalog, rls_matrix, rls_policies
from tools.lib.rls_policies import (
    BackingIndex,
    Plan,
    PolicySpec,
    State,
    Target,
    change_statements,
    changes_towards,
    generated,
    load_plan,
    lock_statement,
    missing_indexes,
    ours,
    read_state,
    target_checks,
)
from tools.results import Check, PlannedStatement, StepOutcome, check
from tools.step import StepContext

SQL_FILES = (
    *rls_policies.SQL_FILES,
    "apply_rls/blockers.sql",
    "apply_rls/lock_profile.sql",
    "apply_rls/build_profile.sql",
    "common/indexes.sql",
    "validate/advisor/created.sql",
    *rls_matrix.SQL_FILES,
)
POLICY_FILES = rls_policies.POLICY_FILES
# The short lock profile of policy DDL (SDK_NOTES: ACCESS EXCLUSIVE; never queue readers for long):
# an attempt polls LOCK TABLE … NOWAIT for LOCK_WAIT_S (never waiting inside it, so readers are never
# queued behind it and it cannot deadlock with them); a failed attempt is retried with backoff, a
# bounded number of times. lock_timeout bounds every other lock the transaction takes.
LOCK_WAIT_S = 2.0
STATEMENT_TIMEOUT = "60s"
LOCK_ATTEMPTS = 5
LOCK_POLL_S = (0.01, 0.02, 0.04, 0.05)  # between NOWAIT tries within an attempt; the last one repeats
BACKOFF_S = 0.5  # between attempts; doubled after every failed attempt
MAX_BACKOFF_S = 8.0


def lock_timeout() -> str:
    """LOCK_WAIT_S as a PostgreSQL interval ('2s', '300ms')."""
    ms = round(LOCK_WAIT_S * 1000)
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms}ms"


# The long profile of the concurrent index builds and drops.
BUILD_LOCK_TIMEOUT = "5min"
PAUSE_POINT = "apply_rls:before_commit"


# -- transactions with the short lock profile --------------------------------------------------------------


@dataclass
class TxResult:
    committed: bool
    attempts: int = 0
    statements: list[str] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    blockers: list[str] = field(default_factory=list)
    error: str | None = None


def _describe_blocker(row: Mapping[str, Any]) -> str:
    def at(value: Any) -> str:
        return f"{value:%Y-%m-%d %H:%M:%S%z}" if value else "unknown"

    return (
        f"pid {row['pid']} ({row['application_name']}, user {row['user']}, {row['state']}, transaction "
        f"since {at(row['xact_start'])}, query started {at(row['query_start'])}) holds {row['locks']}; "
        f"query: {row['query']}"
    )


def _sleep(ctx: StepContext, seconds: float) -> None:
    """Back off without ignoring a halt or cancel for longer than a quarter second."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        ctx.checkpoint()
        time.sleep(min(left, 0.25))


def _begin_locked(ctx: StepContext, conn: db.Conn, lock: str | None) -> None:
    """Begin the transaction with the short lock profile and hold every lock: LOCK TABLE … NOWAIT,
    retried (a fresh transaction each time) until LOCK_WAIT_S is spent; then LockNotAvailable."""
    deadline = time.monotonic() + LOCK_WAIT_S
    for tries in itertools.count():
        db.query_all(
            conn,
            db.sql_file("apply_rls/lock_profile.sql"),
            {"lock_timeout": lock_timeout(), "statement_timeout": STATEMENT_TIMEOUT},
        )
        if lock is None:
            return
        try:
            conn.execute(_sql(lock))
            return
        except errors.LockNotAvailable:
            conn.rollback()
            if time.monotonic() >= deadline:
                raise
            ctx.checkpoint()
            time.sleep(LOCK_POLL_S[min(tries, len(LOCK_POLL_S) - 1)])
    raise AssertionError("unreachable")  # itertools.count() never ends


def in_transaction(
    ctx: StepContext,
    env: Env,
    watch: db.Conn,
    lock_tables: Sequence[str],
    statements_for: Callable[[db.Conn], list[str]],
    verify: Callable[[db.Conn], list[Check]],
    pause_point: str | None = None,
) -> TxResult:
    """Run one transaction: short lock profile, every lock up front in a fixed order, the statements
    (a safe point between each), verification, then COMMIT; rolled back on any failure. An attempt
    that cannot get the locks within LOCK_WAIT_S (55P03; or a deadlock, 40P01) is rolled back and
    retried with backoff, LOCK_ATTEMPTS times at most, naming the sessions that held them."""
    conn = ctx.connect(env)
    lock = lock_statement(watch, lock_tables)
    result = TxResult(committed=False)
    try:
        for attempt in range(1, LOCK_ATTEMPTS + 1):
            result.attempts = attempt
            ctx.checkpoint()
            try:
                _begin_locked(ctx, conn, lock)
                statements = statements_for(conn)
                for statement in statements:
                    ctx.checkpoint()
                    conn.execute(_sql(statement))
                result.statements = ([lock] if lock else []) + statements
                result.checks = verify(conn)
                if not all(c.passed for c in result.checks):
                    conn.rollback()
                    result.error = "verification inside the transaction failed: " + "; ".join(
                        c.name for c in result.checks if not c.passed
                    )
                    return result
                if pause_point:
                    ctx.pause(pause_point)
                ctx.checkpoint()
                conn.commit()
                result.committed = True
                return result
            except (errors.LockNotAvailable, errors.DeadlockDetected):
                conn.rollback()
                pids = [conn.info.backend_pid, watch.info.backend_pid]
                found = db.query_all(watch, db.sql_file("apply_rls/blockers.sql"), {"own_pids": pids})
                described = [_describe_blocker(r) for r in found] or [
                    "no session holds a lock on menuca_v3 any more (the blocker has finished)"
                ]
                result.blockers += [f"attempt {attempt}: {b}" for b in described]
                if attempt < LOCK_ATTEMPTS:
                    _sleep(ctx, min(BACKOFF_S * 2 ** (attempt - 1), MAX_BACKOFF_S))
            except psycopg.Error as exc:
                conn.rollback()
                ctx.checkpoint()  # a cancel interrupts the statement: report it as the interruption it is
                result.error = f"{exc.sqlstate or ''} {exc.diag.message_primary or exc}".strip()
                return result
        result.error = (
            f"could not lock the tables within {lock_timeout()} in {LOCK_ATTEMPTS} attempts: other sessions "
            "hold locks on them"
        )
        return result
    finally:
        # A halt or cancel (StepInterrupted) or any error leaves here too: nothing uncommitted survives.
        if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                conn.rollback()
            except psycopg.Error:
                conn.close()


def converge(
    ctx: StepContext, env: Env, watch: db.Conn, target: Target, plan: Plan, what: str
) -> tuple[TxResult | None, list[Check], list[str]]:
    """Bring our part of the catalog to the target in one short-lock transaction, verified inside it."""
    changes = changes_towards(read_state(watch), target, plan)
    tx = None
    if not changes.empty:
        tx = in_transaction(
            ctx,
            env,
            watch,
            changes.tables,
            lambda conn: change_statements(conn, changes_towards(read_state(conn), target, plan)),
            lambda conn: target_checks(conn, target, plan, what),
        )
        if not tx.committed:
            return (
                tx,
                [*tx.checks, check(f"{what} restored", "committed", tx.error or "rolled back", passed=False)],
                [],
            )
    return tx, target_checks(watch, target, plan, what), changes.lines()


# -- the step ------------------------------------------------------------------------------------------------


def _env(ctx: StepContext) -> Env:
    return cast(Env, ctx.environment)


def rls_ticket(env: Env) -> str:
    ticket = ticket_for("apply_rls", env)
    assert ticket is not None
    return ticket.id


def snapshot_target(state: State, baseline: Mapping[str, Any], plan: Plan) -> Target:
    """The state before this tool's work, to restore after a failed test: the current flags and
    pre-existing policies, except that leftovers of an earlier interrupted attempt (our own policies
    the preflight baseline did not have) are not part of it: their tables take the baseline's flag."""
    base_policies = baseline.get("policies") or []
    base_own = [p for p in base_policies if ours(p)]
    leftovers = {p["table"] for p in state.own_policies() if p not in base_own}
    base_flags = baseline.get("rls_flags") or {}
    flags = {t: dict(base_flags.get(t, f)) if t in leftovers else dict(f) for t, f in state.flags.items()}
    base_functions = [f for f in baseline.get("functions") or [] if f["name"] in plan.functions]
    return Target(flags=flags, policies=state.other_policies() + base_own, functions=base_functions)


def run(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    env = _env(ctx)
    plan = load_plan()
    baseline = ctx.baseline(env)
    watch = ctx.connect(env, autocommit=True)
    state = read_state(watch)
    missing, invalid_own = missing_indexes(watch, plan)
    preexisting = state.other_policies()
    # A helper of ours in the baseline is only acceptable when an earlier run of this tool left it
    # (its policies are there too); otherwise it is someone else's function that ours would replace.
    clashing = [f["name"] for f in baseline.get("functions") or [] if f["name"] in plan.functions]
    earlier_run = any(ours(p) for p in baseline.get("policies") or [])
    by_command = advisor.policies_by_command(plan, preexisting)
    pre_checks = [
        check(
            "every menuca_v3 table has policies in sql/apply_rls",
            [],
            sorted(set(state.tables) - set(plan.tables)),
        ),
        check(
            "policy files only name existing tables",
            [],
            sorted(set(plan.tables) - set(state.tables)),
        ),
        check(
            "no helper function of that name existed before the run",
            [],
            clashing,
            passed=not clashing or earlier_run,
        ),
        advisor.one_permissive_check(by_command),
    ]
    fields: dict[str, Any] = {
        "tables_total": len(state.tables),
        "tables_enabled": sum(1 for f in state.flags.values() if f["enabled"]),
        "policies_preexisting": [f"{p['table']}.{p['name']}" for p in preexisting],
        "helper_functions": [f"menuca_v3.{name}()" for name in plan.functions],
        "policies_by_command": by_command,
    }
    if ctx.dry_run:
        steps = _plan_statements(watch, plan, state, missing, invalid_own)
        return StepOutcome(
            checks=pre_checks,
            summary=f"Dry run: {len(missing)} backing index build(s), then one transaction enabling RLS on "
            f"{len(plan.tables)} tables with {len(plan.policies)} policies and {len(plan.functions)} helper "
            f"functions, then {len(rls_matrix.load_tests())} RLS tests; nothing was changed.",
            fields={**fields, "policies_created": [], "tests_total": len(rls_matrix.load_tests())},
            plan=steps,
        )
    if not all(c.passed for c in pre_checks):
        return StepOutcome(
            checks=pre_checks,
            summary="apply_rls did not start: "
            + "; ".join(c.name for c in pre_checks if not c.passed)
            + ". Nothing was changed; fix the SQL files or the schema, then call apply_rls again.",
            fields=fields,
        )
    snapshot = snapshot_target(state, baseline, plan)
    record: dict[str, Any] = {
        "snapshot": {
            "rls_flags": snapshot.flags,
            "policies": snapshot.policies,
            "functions": snapshot.functions,
        },
        "indexes_built": [],
    }
    checks = list(pre_checks)
    actions: list[str] = []

    ctx.progress(0, 4, f"building {len(missing)} backing index(es)")
    built, index_checks = _build_indexes(ctx, watch, missing, invalid_own)
    record["indexes_built"] = built
    fields["indexes_built"] = built
    checks += index_checks
    actions += [f"built index {name} concurrently" for name in built]
    if not all(c.passed for c in index_checks):
        return StepOutcome(
            checks=checks,
            summary="A backing index could not be built (see checks); no policy was applied. Wait for or end "
            "long transactions, then call apply_rls again.",
            fields=fields,
            record=record,
            actions=actions,
        )

    ctx.progress(1, 4, "applying policies in one transaction")
    tx = in_transaction(
        ctx,
        env,
        watch,
        state.tables,
        lambda conn: _apply_statements(conn, plan),
        lambda conn: _verify_applied(conn, plan, state.tables, preexisting),
        pause_point=PAUSE_POINT,
    )
    fields["lock_retries"] = max(tx.attempts - 1, 0)
    fields["blocking_sessions"] = tx.blockers
    checks += tx.checks
    checks.append(
        check(
            "policy transaction committed",
            f"committed within {LOCK_ATTEMPTS} attempts",
            f"committed on attempt {tx.attempts}" if tx.committed else (tx.error or "rolled back"),
            passed=tx.committed,
        )
    )
    if not tx.committed:
        fields["tables_enabled"] = sum(1 for f in catalog.rls_flags(watch).values() if f["enabled"])
        blocked = f" Blocking sessions: {'; '.join(tx.blockers[-3:])}." if tx.blockers else ""
        return StepOutcome(
            checks=checks,
            summary=f"The policy transaction was rolled back ({tx.error}); no table's RLS changed.{blocked} "
            "Resolve the cause, then call apply_rls again.",
            fields=fields,
            record=record,
            actions=actions,
        )
    created = [f"{p.table}.{p.name}" for p in plan.policies]
    fields["policies_created"] = created
    actions.append(
        f"one transaction: RLS enabled on {len(plan.tables)} tables, {len(created)} policies and "
        f"{len(plan.functions)} helper functions created (attempt {tx.attempts})"
    )

    ctx.progress(2, 4, f"running {len(rls_matrix.load_tests())} RLS tests as anon and authenticated")
    matrix_checks, report = _run_matrix(ctx, env)
    checks += matrix_checks
    if report is not None:
        fields.update(
            tests=[t.model_dump() for t in report.tests],
            tests_passed=report.passed,
            tests_total=len(report.tests),
        )
    after = read_state(watch)
    if all(c.passed for c in checks):
        fields["tables_enabled"] = sum(1 for f in after.flags.values() if f["enabled"])
        record.update(
            rls_flags_after=after.flags,
            policies_after=after.own_policies(),
            functions_after=after.own_functions(plan),
        )
        record[advisor.RECORD_KEY] = advisor.created_by_apply_rls(watch, plan, record)
        ctx.progress(4, 4, "done")
        return StepOutcome(
            checks=checks,
            summary=f"RLS is on for all {len(plan.tables)} menuca_v3 tables with {len(created)} policies; "
            f"{report.passed if report else 0} of {len(report.tests) if report else 0} RLS tests passed as anon "
            "and authenticated and every row is unchanged. Next: fix_combos.",
            fields=fields,
            record=record,
            actions=actions,
        )

    ctx.progress(3, 4, "a test failed: restoring the snapshot")
    _, restore_checks, restored = converge(ctx, env, watch, snapshot, plan, "snapshot")
    checks += restore_checks
    fields["snapshot_restored"] = record["snapshot_restored"] = all(c.passed for c in restore_checks)
    fields["tables_enabled"] = sum(1 for f in catalog.rls_flags(watch).values() if f["enabled"])
    actions += restored
    failing = [t.name for t in report.failed] if report else []
    named = f" Failing tests: {'; '.join(failing[:8])}{' …' if len(failing) > 8 else ''}." if failing else ""
    return StepOutcome(
        checks=checks,
        summary=f"RLS verification failed after commit{' and the snapshot was restored' if fields['snapshot_restored'] else '; restoring the snapshot ALSO FAILED (see checks)'}."
        f"{named} Fix the policies in sql/apply_rls, then call apply_rls again.",
        fields=fields,
        record=record,
        actions=actions,
    )


def _apply_statements(conn: db.Conn, plan: Plan) -> list[str]:
    """Inside the transaction, after the locks: drop our own policies left by an earlier attempt
    (never anyone else's), then functions and every table's ENABLE and policies from the files."""
    leftovers = [p for p in catalog.policies(conn) if ours(p)]
    drops = (
        generated(
            conn,
            "drop_policies",
            {"tables": [p["table"] for p in leftovers], "names": [p["name"] for p in leftovers]},
        )
        if leftovers
        else []
    )
    return [*drops, *plan.function_statements, *plan.policy_statements]


def _verify_applied(
    conn: db.Conn, plan: Plan, tables: list[str], preexisting: list[dict[str, Any]]
) -> list[Check]:
    state = read_state(conn)
    got = {PolicySpec.from_catalog(p) for p in state.own_policies()}
    want = set(plan.policies)
    unexpected = sorted(f"{p.table}.{p.name}" for p in got - want)
    missing = sorted(f"{p.table}.{p.name}" for p in want - got)
    with_policies = {p["table"] for p in state.policies}
    return [
        check(
            "policy set equals the plan (name, table, command, roles, USING/WITH CHECK)",
            {"missing": [], "unexpected": []},
            {"missing": missing, "unexpected": unexpected},
        ),
        check(
            "every menuca_v3 table has RLS enabled",
            [],
            sorted(t for t in tables if not state.flags.get(t, {}).get("enabled")),
        ),
        check("every menuca_v3 table has at least one policy", [], sorted(set(tables) - with_policies)),
        check(
            "pre-existing policies kept unchanged",
            len(preexisting),
            len(state.other_policies()),
            passed=state.other_policies() == preexisting,
        ),
        check(
            "helper functions present",
            sorted(plan.functions),
            sorted(f["name"] for f in state.own_functions(plan)),
        ),
    ]


def _build_indexes(
    ctx: StepContext, conn: db.Conn, missing: list[BackingIndex], invalid_own: list[str]
) -> tuple[list[str], list[Check]]:
    """Each missing backing index: one CREATE INDEX CONCURRENTLY on the autocommit connection, checked
    valid after (an INVALID leftover of ours is dropped concurrently first)."""
    built: list[str] = []
    failed: list[str] = []
    if missing or invalid_own:
        db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": BUILD_LOCK_TIMEOUT})
    try:
        for statement in generated(conn, "drop_indexes", {"names": invalid_own}) if invalid_own else []:
            ctx.checkpoint()
            conn.execute(_sql(statement))
        for index in missing:
            ctx.checkpoint()
            try:
                conn.execute(_sql(index.statement))
            except psycopg.Error as exc:
                failed.append(f"{index.name}: {exc.sqlstate} {exc.diag.message_primary}")
                continue
            built.append(index.name)
    finally:
        db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": "0"})
    rows = db.query_all(conn, db.sql_file("apply_rls/index_columns.sql"))
    invalid = sorted(r["name"] for r in rows if r["name"] in built and not r["valid"])
    still, _ = missing_indexes(conn, load_plan())
    return built, [
        check("backing index builds succeeded", [], failed + invalid),
        check(
            "every policy column is backed by a valid index",
            [],
            [f"{i.table}.{i.column}" for i in still],
        ),
    ]


def _run_matrix(ctx: StepContext, env: Env) -> tuple[list[Check], rls_matrix.MatrixReport | None]:
    conn = ctx.connect(env)
    try:
        report = rls_matrix.run_matrix_report(conn)
    except (rls_matrix.MatrixError, psycopg.Error) as exc:
        return [check("RLS test matrix ran", "ran", str(exc).strip().splitlines()[0], passed=False)], None
    failed = [t.name for t in report.failed]
    total = len(report.tests)
    return [
        check(
            "RLS tests pass as anon and authenticated (100 % needed)",
            f"{total} of {total}",
            f"{report.passed} of {total}" + (f"; failing: {'; '.join(failed[:10])}" if failed else ""),
            passed=total > 0 and not failed,
        ),
        check(
            "every row unchanged after the tests (md5 of every menuca_v3 table)",
            [],
            report.changed_tables,
        ),
        check("no sequence advanced by the tests", [], report.advanced_sequences),
    ], report


def _plan_statements(
    conn: db.Conn, plan: Plan, state: State, missing: list[BackingIndex], invalid_own: list[str]
) -> list[PlannedStatement]:
    steps: list[PlannedStatement] = []

    def add(statement: str, mode: str, note: str | None = None) -> None:
        in_tx = mode == "transaction"
        steps.append(
            PlannedStatement(
                order=len(steps) + 1,
                statement=statement,
                transaction="transaction" if in_tx else "autocommit",
                lock_timeout=lock_timeout() if in_tx else BUILD_LOCK_TIMEOUT,
                statement_timeout=STATEMENT_TIMEOUT if in_tx else "0",
                note=note,
            )
        )

    for statement in generated(conn, "drop_indexes", {"names": invalid_own}) if invalid_own else []:
        add(statement, "autocommit", "an INVALID leftover of an earlier build")
    for index in missing:
        add(
            index.statement,
            "autocommit",
            f"backs the policy column {index.table}.{index.column}; checked valid after",
        )
    add(
        f"SET LOCAL lock_timeout = '{lock_timeout()}'; SET LOCAL statement_timeout = '{STATEMENT_TIMEOUT}'",
        "transaction",
        f"BEGIN; via set_config(…, true). A lock timeout rolls back and retries, {LOCK_ATTEMPTS} attempts at most",
    )
    lock = lock_statement(conn, state.tables)
    if lock:
        add(
            lock,
            "transaction",
            f"every table, up front, in a fixed order; NOWAIT, tried again (in a new transaction) for up to "
            f"{lock_timeout()} per attempt so that readers never queue behind it",
        )
    leftovers = state.own_policies()
    if leftovers:
        for statement in generated(
            conn,
            "drop_policies",
            {"tables": [p["table"] for p in leftovers], "names": [p["name"] for p in leftovers]},
        ):
            add(statement, "transaction", "own policy left by an earlier attempt (recreated below)")
    for statement in plan.function_statements:
        add(statement, "transaction")
    for statement in plan.policy_statements:
        add(statement, "transaction")
    add(
        "-- verify: policy set equals the plan; every table RLS-enabled with a policy; pre-existing "
        "policies unchanged; helper functions present",
        "transaction",
        "a difference rolls everything back",
    )
    add("COMMIT", "transaction", f"the pause point {PAUSE_POINT} is just before")
    add(
        f"-- {len(rls_matrix.load_tests())} RLS tests ({rls_matrix.MATRIX_FILE}) as anon and authenticated, "
        "each in a savepoint of one transaction that is rolled back; checksums and sequences compared",
        "transaction",
        "a failing test restores the snapshot in a second short transaction",
    )
    return steps


# -- rollback scope "rls" ------------------------------------------------------------------------------------


def undo(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    """Put back exactly the preflight baseline's RLS flags, policies and (absence of) helper functions,
    and drop the backing indexes this run built; pre-existing policies and RLS are left as they were."""
    env = _env(ctx)
    plan = load_plan()
    baseline = ctx.baseline(env)
    target = Target(
        flags={t: dict(f) for t, f in (baseline.get("rls_flags") or {}).items()},
        policies=list(baseline.get("policies") or []),
        functions=[f for f in baseline.get("functions") or [] if f["name"] in plan.functions],
    )
    watch = ctx.connect(env, autocommit=True)
    state = read_state(watch)
    changes = changes_towards(state, target, plan)
    to_drop = _indexes_to_drop(ctx, watch, env, baseline, plan)
    if ctx.dry_run:
        steps: list[PlannedStatement] = []
        if not changes.empty:
            lock = lock_statement(watch, changes.tables)
            for statement in [*([lock] if lock else []), *change_statements(watch, changes)]:
                steps.append(
                    PlannedStatement(
                        order=len(steps) + 1,
                        statement=statement,
                        transaction="transaction",
                        lock_timeout=lock_timeout(),
                        statement_timeout=STATEMENT_TIMEOUT,
                    )
                )
        for statement in generated(watch, "drop_indexes", {"names": to_drop}) if to_drop else []:
            steps.append(
                PlannedStatement(
                    order=len(steps) + 1,
                    statement=statement,
                    transaction="autocommit",
                    lock_timeout=BUILD_LOCK_TIMEOUT,
                )
            )
        return StepOutcome(
            checks=[],
            summary=f"Dry run: {len(changes.lines())} change(s) to RLS ({'; '.join(changes.lines()) or 'none'}) and "
            f"{len(to_drop)} backing index(es) to drop would return {env} to its preflight baseline; nothing was changed.",
            fields={"restored": []},
            plan=steps,
        )
    ctx.progress(0, 2, "restoring the preflight RLS flags and policies")
    tx, checks, restored = converge(ctx, env, watch, target, plan, "preflight baseline")
    if tx is not None and not tx.committed:
        blocked = f" Blocking sessions: {'; '.join(tx.blockers[-3:])}." if tx.blockers else ""
        return StepOutcome(
            checks=checks,
            summary=f"The RLS rollback transaction was rolled back ({tx.error}); nothing changed.{blocked} "
            "Resolve the cause, then call rollback again.",
            fields={"restored": []},
        )
    ctx.progress(1, 2, f"dropping {len(to_drop)} backing index(es)")
    dropped, drop_errors = _drop_indexes(ctx, watch, to_drop)
    left = sorted(set(to_drop) & set(catalog.index_definitions(watch)))
    checks.append(check("backing indexes this run built are dropped", [], left + drop_errors))
    restored += [f"dropped backing index {name} (built by this run)" for name in dropped]
    ok = all(c.passed for c in checks)
    return StepOutcome(
        checks=checks,
        summary=(
            f"{env} RLS is back to its preflight baseline: flags, policies and helper functions equal it"
            + (f"; {len(dropped)} backing index(es) dropped" if dropped else "")
            + ". Re-run apply_rls when ready."
            if ok
            else "The RLS rollback did not reach the preflight baseline: "
            + "; ".join(f"{c.name} ({c.actual})" for c in checks if not c.passed)
        ),
        fields={"restored": restored or ["nothing to restore: RLS already equals the preflight baseline"]},
        actions=restored,
    )


def _indexes_to_drop(
    ctx: StepContext, conn: db.Conn, env: Env, baseline: Mapping[str, Any], plan: Plan
) -> list[str]:
    """Backing indexes this run built: named by our file or journaled as built, present now, and
    absent from the preflight baseline (an index that was there before the run is never dropped)."""
    before = {i["name"] for i in baseline.get("indexes") or []}
    journaled = {
        name for record in ctx.records(rls_ticket(env)) for name in record.get("indexes_built") or []
    }
    candidates = {i.name for i in plan.indexes} | journaled
    present = set(catalog.index_definitions(conn))
    return sorted((candidates & present) - before)


def _drop_indexes(ctx: StepContext, conn: db.Conn, names: list[str]) -> tuple[list[str], list[str]]:
    dropped: list[str] = []
    failures: list[str] = []
    if not names:
        return dropped, failures
    db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": BUILD_LOCK_TIMEOUT})
    try:
        for name, statement in zip(names, generated(conn, "drop_indexes", {"names": names}), strict=True):
            ctx.checkpoint()
            try:
                conn.execute(_sql(statement))
                dropped.append(name)
            except psycopg.Error as exc:
                failures.append(f"{name}: {exc.sqlstate} {exc.diag.message_primary}")
    finally:
        db.query_all(conn, db.sql_file("apply_rls/build_profile.sql"), {"lock_timeout": "0"})
    return dropped, failures


def _sql(text: str) -> sql.SQL:
    """A statement from a shipped sql/ file, or written by PostgreSQL's format() from one (trusted)."""
    return sql.SQL(cast(LiteralString, text))  # type: ignore[redundant-cast]
