"""Tickets 03 and 08: Row Level Security on every menuca_v3 table in ONE short-lock transaction (so no
table is ever RLS-enabled without its policies), proven by the test matrix run as the real API roles;
restored to the snapshot when a test fails; undone exactly by rollback scope "rls"."""

from __future__ import annotations

import psycopg

from server import db
from server.runbook import Env
from tools.lib import advisor, catalog, rls_matrix, rls_policies
from tools.lib.causes import Cause, cause_of
from tools.lib.rls_indexes import BUILD_LOCK_TIMEOUT, build_indexes, drop_indexes, indexes_to_drop
from tools.lib.rls_policies import (
    BackingIndex,
    PolicySpec,
    RlsCatalog,
    RlsDesign,
    RlsGoal,
    change_statements,
    changes_towards,
    generated,
    goal_checks,
    load_design,
    lock_statement,
    missing_indexes,
    ours,
    read_catalog,
)
from tools.lib.short_lock import (
    LOCK_ATTEMPTS,
    STATEMENT_TIMEOUT,
    TxResult,
    in_transaction,
    lock_timeout,
)
from tools.records import ApplyRlsRecord, Baseline, PolicyRow, RlsSnapshot
from tools.results import (
    ApplyRlsArgs,
    ApplyRlsFields,
    Check,
    PlannedStatement,
    RollbackArgs,
    RollbackFields,
    TransactionMode,
)
from tools.step import StepContext, StepOutcome, check

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
PAUSE_POINT = "apply_rls:before_commit"


def converge(
    ctx: StepContext, env: Env, watch: db.Conn, goal: RlsGoal, design: RlsDesign, what: str
) -> tuple[TxResult | None, list[Check], list[str]]:
    """Bring our part of the catalog to the goal in one short-lock transaction, verified inside it."""
    changes = changes_towards(read_catalog(watch), goal, design)
    tx = None
    if not changes.empty:
        tx = in_transaction(
            ctx,
            env,
            watch,
            lock_statement(watch, changes.tables),
            lambda conn: change_statements(conn, changes_towards(read_catalog(conn), goal, design)),
            lambda conn: goal_checks(conn, goal, design, what),
        )
        if not tx.committed:
            return (
                tx,
                [*tx.checks, check(f"{what} restored", "committed", tx.error or "rolled back", passed=False)],
                [],
            )
    return tx, goal_checks(watch, goal, design, what), changes.lines()


# -- the step ------------------------------------------------------------------------------------------------


def snapshot_goal(state: RlsCatalog, baseline: Baseline, design: RlsDesign) -> RlsGoal:
    """The state before this tool's work, to restore after a failed test: the current flags and
    pre-existing policies, except that leftovers of an earlier interrupted attempt (our own policies
    the preflight baseline did not have) are not part of it: their tables take the baseline's flag."""
    base_own = [p for p in baseline.policies if ours(p)]
    leftovers = {p["table"] for p in state.own_policies() if p not in base_own}
    flags = {t: baseline.rls_flags.get(t, f) if t in leftovers else f for t, f in state.flags.items()}
    base_functions = [f for f in baseline.functions if f["name"] in design.functions]
    return RlsGoal(flags=flags, policies=state.other_policies() + base_own, functions=base_functions)


def _enabled(conn: db.Conn) -> int:
    return sum(1 for f in catalog.rls_flags(conn).values() if f["enabled"])


def apply_rls(ctx: StepContext, args: ApplyRlsArgs) -> StepOutcome[ApplyRlsFields]:
    env = args.environment
    design = load_design()
    baseline = ctx.baseline(env)
    watch = ctx.connect(env, autocommit=True)
    state = read_catalog(watch)
    missing, invalid_own = missing_indexes(watch, design)
    preexisting = state.other_policies()
    # A helper of ours in the baseline is only acceptable when an earlier run of this tool left it
    # (its policies are there too); otherwise it is someone else's function that ours would replace.
    clashing = [f["name"] for f in baseline.functions if f["name"] in design.functions]
    earlier_run = any(ours(p) for p in baseline.policies)
    by_command = advisor.policies_by_command(design, preexisting)
    pre_checks = [
        check(
            "every menuca_v3 table has policies in sql/apply_rls",
            [],
            sorted(set(state.tables) - set(design.tables)),
        ),
        check("policy files only name existing tables", [], sorted(set(design.tables) - set(state.tables))),
        check(
            "no helper function of that name existed before the run",
            [],
            clashing,
            passed=not clashing or earlier_run,
        ),
        advisor.one_permissive_check(by_command),
    ]
    fields = ApplyRlsFields(
        tables_total=len(state.tables),
        tables_enabled=sum(1 for f in state.flags.values() if f["enabled"]),
        policies_preexisting=[f"{p['table']}.{p['name']}" for p in preexisting],
        helper_functions=[f"menuca_v3.{name}()" for name in design.functions],
        policies_by_command=by_command,
    )
    if ctx.dry_run:
        fields.tests_total = len(rls_matrix.load_tests())
        return StepOutcome(
            checks=pre_checks,
            summary=f"Dry run: {len(missing)} backing index build(s), then one transaction enabling RLS on "
            f"{len(design.tables)} tables with {len(design.policies)} policies and {len(design.functions)} helper "
            f"functions, then {len(rls_matrix.load_tests())} RLS tests; nothing was changed.",
            fields=fields,
            plan=_plan_statements(watch, design, state, missing, invalid_own),
        )
    if not all(c.passed for c in pre_checks):
        return StepOutcome(
            checks=pre_checks,
            summary="apply_rls did not start: "
            + "; ".join(c.name for c in pre_checks if not c.passed)
            + ". Nothing was changed; fix the SQL files or the schema, then call apply_rls again.",
            fields=fields,
        )
    snapshot = snapshot_goal(state, baseline, design)
    record = ApplyRlsRecord(
        snapshot=RlsSnapshot(
            rls_flags=snapshot.flags, policies=snapshot.policies, functions=snapshot.functions
        )
    )
    checks = list(pre_checks)
    actions: list[str] = []

    ctx.progress(0, 4, f"building {len(missing)} backing index(es)")
    built, index_checks, build_causes = build_indexes(ctx, watch, missing, invalid_own)
    record.indexes_built = fields.indexes_built = built
    checks += index_checks
    actions += [f"built index {name} concurrently" for name in built]
    if not all(c.passed for c in index_checks):
        why = (
            build_causes[0].sentence("call apply_rls again")
            if build_causes
            else "see checks; call apply_rls again once it is fixed"
        )
        return StepOutcome(
            checks=checks,
            summary=f"A backing index could not be built, so no policy was applied: {why}.",
            fields=fields,
            record=record,
            actions=actions,
        )

    ctx.progress(1, 4, "applying policies in one transaction")
    tx = in_transaction(
        ctx,
        env,
        watch,
        lock_statement(watch, state.tables),
        lambda conn: _apply_statements(conn, design),
        lambda conn: _verify_applied(conn, design, state.tables, preexisting),
        pause_point=PAUSE_POINT,
    )
    fields.lock_retries = max(tx.attempts - 1, 0)
    fields.blocking_sessions = tx.blockers
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
        fields.tables_enabled = _enabled(watch)
        blocked = f" Blocking sessions: {'; '.join(tx.blockers[-3:])}." if tx.blockers else ""
        why = (
            tx.cause.sentence("call apply_rls again")
            if tx.cause is not None
            else f"{tx.error}; resolve it, then call apply_rls again"
        )
        return StepOutcome(
            checks=checks,
            summary=f"The policy transaction was rolled back, so no table's RLS changed: {why}.{blocked}",
            fields=fields,
            record=record,
            actions=actions,
        )
    created = [f"{p.table}.{p.name}" for p in design.policies]
    fields.policies_created = created
    actions.append(
        f"one transaction: RLS enabled on {len(design.tables)} tables, {len(created)} policies and "
        f"{len(design.functions)} helper functions created (attempt {tx.attempts})"
    )

    ctx.progress(2, 4, f"running {len(rls_matrix.load_tests())} RLS tests as anon and authenticated")
    matrix_checks, report, matrix_cause = _run_matrix(ctx, env)
    checks += matrix_checks
    if report is not None:
        fields.tests = list(report.tests)
        fields.tests_passed = report.passed
        fields.tests_total = len(report.tests)
    after = read_catalog(watch)
    if all(c.passed for c in checks):
        fields.tables_enabled = sum(1 for f in after.flags.values() if f["enabled"])
        record.rls_flags_after = after.flags
        record.policies_after = after.own_policies()
        record.functions_after = after.own_functions(design)
        record.advisor_created = advisor.created_by_apply_rls(watch, design, record)
        ctx.progress(4, 4, "done")
        return StepOutcome(
            checks=checks,
            summary=f"RLS is on for all {len(design.tables)} menuca_v3 tables with {len(created)} policies; "
            f"{report.passed if report else 0} of {len(report.tests) if report else 0} RLS tests passed as anon "
            "and authenticated and every row is unchanged. Next: fix_combos.",
            fields=fields,
            record=record,
            actions=actions,
        )

    ctx.progress(3, 4, "a test failed: restoring the snapshot")
    _, restore_checks, restored = converge(ctx, env, watch, snapshot, design, "snapshot")
    checks += restore_checks
    fields.snapshot_restored = record.snapshot_restored = all(c.passed for c in restore_checks)
    fields.tables_enabled = _enabled(watch)
    actions += restored
    failing = [t.name for t in report.failed] if report else []
    named = f" Failing tests: {'; '.join(failing[:8])}{' …' if len(failing) > 8 else ''}." if failing else ""
    restored_text = (
        " and the snapshot was restored"
        if fields.snapshot_restored
        else "; restoring the snapshot ALSO FAILED (see checks)"
    )
    # the advice follows the cause: a test that could not run (a timeout, a lock, a lost connection) says
    # nothing about the policies
    advice = (
        f" The tests did not fail on the policies: {matrix_cause.sentence('call apply_rls again')}."
        if matrix_cause is not None and matrix_cause.environmental
        else " Fix the policies in sql/apply_rls, then call apply_rls again."
    )
    return StepOutcome(
        checks=checks,
        summary=f"RLS verification failed after commit{restored_text}.{named}{advice}",
        fields=fields,
        record=record,
        actions=actions,
    )


def _apply_statements(conn: db.Conn, design: RlsDesign) -> list[str]:
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
    return [*drops, *design.function_statements, *design.policy_statements]


def _verify_applied(
    conn: db.Conn, design: RlsDesign, tables: list[str], preexisting: list[PolicyRow]
) -> list[Check]:
    state = read_catalog(conn)
    got = {PolicySpec.from_catalog(p) for p in state.own_policies()}
    want = set(design.policies)
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
            sorted(t for t in tables if not (flag := state.flags.get(t)) or not flag["enabled"]),
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
            sorted(design.functions),
            sorted(f["name"] for f in state.own_functions(design)),
        ),
    ]


def _run_matrix(
    ctx: StepContext, env: Env
) -> tuple[list[Check], rls_matrix.MatrixReport | None, Cause | None]:
    """The matrix's checks, its report, and what stopped it or its failing tests when that was not
    the policies (None: nothing did, or the policies did)."""
    conn = ctx.connect(env)
    try:
        report = rls_matrix.run_matrix_report(conn)
    except psycopg.Error as exc:
        cause = cause_of(exc)
        return (
            [check("RLS test matrix ran", "ran", f"{cause.kind}: {cause.detail}", passed=False)],
            None,
            cause,
        )
    except rls_matrix.MatrixError as exc:
        return (
            [check("RLS test matrix ran", "ran", str(exc).strip().splitlines()[0], passed=False)],
            None,
            None,
        )
    failed = [t.name for t in report.failed]
    total = len(report.tests)
    return (
        [
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
        ],
        report,
        (report.environment_causes[0] if report.environment_causes else None),
    )


def _plan_statements(
    conn: db.Conn, design: RlsDesign, state: RlsCatalog, missing: list[BackingIndex], invalid_own: list[str]
) -> list[PlannedStatement]:
    steps: list[PlannedStatement] = []

    def add(statement: str, mode: TransactionMode, note: str | None = None) -> None:
        in_tx = mode == "transaction"
        steps.append(
            PlannedStatement(
                order=len(steps) + 1,
                statement=statement,
                transaction=mode,
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
        db.render(
            conn,
            db.sql_file("apply_rls/lock_profile.sql"),
            {"lock_timeout": lock_timeout(), "statement_timeout": STATEMENT_TIMEOUT},
        ),
        "transaction",
        f"BEGIN; then these limits, for this transaction only: a lock wait longer than {lock_timeout()} rolls "
        f"everything back and the transaction starts again ({LOCK_ATTEMPTS} attempts at most)",
    )
    lock = lock_statement(conn, state.tables)
    if lock:
        add(
            lock,
            "transaction",
            f"locks every table at once, in a fixed order, without queueing (the application's reads never wait "
            f"behind it); if another session holds a table, it keeps trying for {lock_timeout()}, then rolls back "
            f"and starts again, {LOCK_ATTEMPTS} times at most before failing with the sessions that held them",
        )
    leftovers = state.own_policies()
    if leftovers:
        for statement in generated(
            conn,
            "drop_policies",
            {"tables": [p["table"] for p in leftovers], "names": [p["name"] for p in leftovers]},
        ):
            add(statement, "transaction", "own policy left by an earlier attempt (recreated below)")
    for statement in design.function_statements:
        add(statement, "transaction")
    for statement in design.policy_statements:
        add(statement, "transaction")
    add(
        "-- verify: policy set equals the plan; every table RLS-enabled with a policy; pre-existing "
        "policies unchanged; helper functions present",
        "transaction",
        "a difference rolls everything back",
    )
    add("COMMIT", "transaction", "RLS and its policies take effect together, for every table")
    add(
        f"-- {len(rls_matrix.load_tests())} RLS tests ({rls_matrix.MATRIX_FILE}) as anon and authenticated, "
        "each in a savepoint of one transaction that is rolled back; checksums and sequences compared",
        "transaction",
        "a failing test restores the snapshot in a second short transaction",
    )
    return steps


# -- rollback scope "rls" ------------------------------------------------------------------------------------


def rollback_rls(ctx: StepContext, args: RollbackArgs) -> StepOutcome[RollbackFields]:
    """Put back exactly the preflight baseline's RLS flags, policies and (absence of) helper functions,
    and drop the backing indexes this run built; pre-existing policies and RLS are left as they were."""
    env = args.environment
    design = load_design()
    baseline = ctx.baseline(env)
    goal = RlsGoal(
        flags=dict(baseline.rls_flags),
        policies=list(baseline.policies),
        functions=[f for f in baseline.functions if f["name"] in design.functions],
    )
    watch = ctx.connect(env, autocommit=True)
    changes = changes_towards(read_catalog(watch), goal, design)
    to_drop = indexes_to_drop(ctx, watch, env, baseline, design)
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
            fields=RollbackFields(scope=args.scope),
            plan=steps,
        )
    ctx.progress(0, 2, "restoring the preflight RLS flags and policies")
    tx, checks, restored = converge(ctx, env, watch, goal, design, "preflight baseline")
    if tx is not None and not tx.committed:
        blocked = f" Blocking sessions: {'; '.join(tx.blockers[-3:])}." if tx.blockers else ""
        return StepOutcome(
            checks=checks,
            summary=f"The RLS rollback transaction was rolled back ({tx.error}); nothing changed.{blocked} "
            "Resolve the cause, then call rollback again.",
            fields=RollbackFields(scope=args.scope),
        )
    ctx.progress(1, 2, f"dropping {len(to_drop)} backing index(es)")
    dropped, drop_errors = drop_indexes(ctx, watch, to_drop)
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
        fields=RollbackFields(
            scope=args.scope,
            restored=restored or ["nothing to restore: RLS already equals the preflight baseline"],
        ),
        actions=restored,
    )
