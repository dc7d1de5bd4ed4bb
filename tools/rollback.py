"""Rollback: undo exactly what this run did in one environment. `full` restores the environment's
backup in a single transaction; the narrower scopes are undone by the module of the step they undo."""

from __future__ import annotations

import os
import time
from pathlib import Path

from server import db
from server.pgbin import find_client
from server.proc import run_child
from server.runbook import BACKUP_TICKET, Scope
from tools.apply_indexes import rollback_indexes
from tools.apply_rls import rollback_rls
from tools.backup import sha256_file, verified_paths
from tools.fix_combos import rollback_combos
from tools.lib import catalog, full_restore, restore
from tools.lib.causes import cause_of_text
from tools.lib.leftovers import Cleanup, remove_leftovers
from tools.records import BackupRecord
from tools.results import Check, PlannedStatement, RollbackArgs, RollbackFields
from tools.step import StepContext, StepFn, StepOutcome, check

SQL_FILES = ("rollback/full_drop.sql", "rollback/external_dependents.sql", *full_restore.SQL_FILES)
LOCK_RETRIES = 3
PAUSE_MARKER = "MENUCA_PAUSE_POINT"


def rollback(ctx: StepContext, args: RollbackArgs) -> StepOutcome[RollbackFields]:
    """Undo one scope of this run's work (the tickets it returns to ROLLED_BACK are the runbook's to say
    and the guard's to record)."""
    cleanup = Cleanup()
    if not ctx.dry_run:  # a killed backup verification or full restore of this run leaves nothing behind
        cleanup = remove_leftovers(
            ctx.connect(args.environment, autocommit=True),
            ctx.backups_dir(),
            ctx.run_id,
            args.environment,
            verified_paths(ctx),
        )
    outcome = SCOPES[args.scope](ctx, args)
    outcome.actions[:0] = [f"reason given: {args.reason}", *(f"removed {item}" for item in cleanup.removed)]
    if cleanup.removed or cleanup.not_removed:
        outcome.checks.append(
            check(
                "no leftover of interrupted work (scratch database, unverified dump, restore script)",
                [],
                cleanup.not_removed,
            )
        )
        outcome.summary = f"{outcome.summary} {cleanup.sentence()}"
        if outcome.fields is not None:
            outcome.fields.restored += [f"removed {item}" for item in cleanup.removed]
    return outcome


def backup_record(ctx: StepContext, args: RollbackArgs) -> BackupRecord:
    record = ctx.completed_record(BackupRecord, BACKUP_TICKET[args.environment])
    if record is None or not record.path:
        raise FileNotFoundError(f"this run has no verified backup of {args.environment}")
    return record


def external_dependents(conn: db.Conn) -> list[str]:
    return [r["dependent"] for r in db.query_all(conn, db.sql_file("rollback/external_dependents.sql"))]


def rollback_full(ctx: StepContext, args: RollbackArgs) -> StepOutcome[RollbackFields]:
    """rollback scope=full: restore the environment's verified backup in one transaction."""
    env = args.environment
    record = backup_record(ctx, args)
    path = Path(record.path)
    conn = ctx.connect(env, autocommit=True)
    now_counts = catalog.row_counts(conn, record.schemas)
    changed = {
        table: {"backup": record.row_counts.get(table, 0), "now": now_counts.get(table, 0)}
        for table in sorted(set(record.row_counts) | set(now_counts))
        if record.row_counts.get(table, 0) != now_counts.get(table, 0)
    }
    dependents = external_dependents(conn)
    checks: list[Check] = [
        check("backup file present", True, path.exists()),
        check("backup sha256 unchanged", record.sha256, sha256_file(path) if path.exists() else None),
        check("no object outside the schemas depends on them (nothing would cascade)", [], dependents),
    ]
    fields = RollbackFields(scope=args.scope, changed_tables=changed, blocked_by_references=dependents)
    psql = find_client("psql")
    pg_restore = find_client("pg_restore")
    if ctx.dry_run:
        return StepOutcome(
            checks=checks,
            summary=f"Dry run: a full restore of {env} from backup {record.backup_id} would change "
            f"{len(changed)} table(s) back to their backed-up row counts; nothing was changed.",
            fields=fields,
            plan=_plan(psql, pg_restore, path),
        )
    if not all(c.passed for c in checks):
        return StepOutcome(
            checks=checks,
            summary="The full restore did not start: "
            + "; ".join(c.name for c in checks if not c.passed)
            + ". Remove or re-point the dependents (or restore the backup file), then call rollback again.",
            fields=fields,
        )
    conninfo, child_env = db.client_invocation(ctx.dsn(env), ctx.run_id)
    script = path.with_suffix(".restore.sql")
    ctx.progress(1, 4, "writing the restore script")
    schemas = list(record.schemas)
    defaults_before = full_restore.default_privileges(conn, schemas)
    made, kept = full_restore.write_script(pg_restore, path, script, child_env, ctx.checkpoint)
    try:
        os.chmod(script, 0o600)
        if made.returncode != 0:
            return StepOutcome(
                checks=[
                    *checks,
                    check("restore script generated", "exit 0", f"exit {made.returncode}", passed=False),
                ],
                summary="pg_restore could not read the backup; nothing was changed.",
                fields=fields,
            )
        restore.adapt_script(script, conn.info.server_version // 10000)  # newer pg_restore, older server
        ctx.progress(2, 4, "restoring in one transaction")
        with db.sql_path("rollback/full_drop.sql") as drop_sql:  # a real file, also from a zipped install
            restore_check = _restore(ctx, psql, conninfo, child_env, script, drop_sql)
    finally:
        script.unlink(missing_ok=True)
    checks.append(restore_check)
    if not restore_check.passed:
        return StepOutcome(
            checks=checks,
            summary="The restore failed and its transaction was rolled back, so the database is as it was: "
            + cause_of_text(str(restore_check.actual)).sentence("call rollback again")
            + ".",
            fields=fields,
        )
    ctx.progress(3, 4, "verifying against the backup")
    checks += verify_against(conn, record)
    checks.append(
        check(
            "default privileges in the schemas kept (whoever holds them)",
            defaults_before,
            full_restore.default_privileges(conn, schemas),
        )
    )
    ok = all(c.passed for c in checks)
    fields.restored = [
        f"schemas {', '.join(record.schemas)} restored from backup {record.backup_id} (sha256 {record.sha256[:16]}…)",
        f"{len(changed)} table(s) returned to their backed-up row counts",
        f"kept as they are: {len(kept)} schema and default-privilege entries of the backup "
        f"({len(defaults_before)} default privileges in the schemas now)",
    ]
    ctx.progress(4, 4, "done")
    return StepOutcome(
        checks=checks,
        summary=(
            f"{env} restored from backup {record.backup_id}: row counts, indexes, RLS flags and policies "
            "equal the backup's."
            if ok
            else "The restore ran but does not match the backup: "
            + "; ".join(c.name for c in checks if not c.passed)
        ),
        fields=fields,
        actions=list(fields.restored),
    )


def _restore(
    ctx: StepContext, psql: Path, conninfo: str, child_env: dict[str, str], script: Path, drop_sql: Path
) -> Check:
    files = [str(drop_sql)]
    pause_file = None
    pause_s = ctx.pause_seconds("rollback:during_restore")
    if pause_s is not None:
        pause_file = script.with_suffix(".pause.sql")
        pause_file.write_text(f"\\echo {PAUSE_MARKER}\nSELECT pg_sleep({pause_s});\n", encoding="utf-8")
        files.append(str(pause_file))
    files.append(str(script))
    cmd = [str(psql), "-X", "-q", "--no-password", "-v", "ON_ERROR_STOP=1", "--single-transaction"]
    for name in files:
        cmd += ["-f", name]
    cmd.append(f"--dbname={conninfo}")
    last = ""
    try:
        for attempt in range(1, LOCK_RETRIES + 1):
            done = run_child(
                cmd,
                env=child_env,
                checkpoint=ctx.checkpoint,
                on_stdout_line=lambda line: (
                    ctx.pause("rollback:during_restore", sleep=False)
                    if line.strip() == PAUSE_MARKER
                    else None
                ),
            )
            if done.returncode == 0:
                return check("restore transaction committed", "exit 0", "exit 0")
            last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else f"exit {done.returncode}"
            if "lock timeout" not in done.stderr:
                break
            time.sleep(2**attempt)  # other sessions hold locks on the tables: back off and try again
    finally:
        if pause_file is not None:
            pause_file.unlink(missing_ok=True)
    return check("restore transaction committed", "exit 0", last, passed=False)


def verify_against(conn: db.Conn, record: BackupRecord) -> list[Check]:
    """The proofs that the database equals the backup: row counts, index list, RLS flags, policies."""
    counts = catalog.row_counts(conn, record.schemas)
    diff = {
        t: {"backup": record.row_counts.get(t), "now": counts.get(t)}
        for t in set(counts) | set(record.row_counts)
        if counts.get(t) != record.row_counts.get(t)
    }
    indexes_now = {i["name"]: i["definition"] for i in catalog.indexes(conn)}
    indexes_then = {i["name"]: i["definition"] for i in record.indexes}
    return [
        check("row counts equal the backup's", {}, diff),
        check(
            "index list equals the backup's",
            len(indexes_then),
            len(indexes_now),
            passed=indexes_now == indexes_then,
        ),
        check("RLS flags equal the backup's", True, catalog.rls_flags(conn) == record.rls_flags),
        check(
            "policies equal the backup's",
            len(record.policies),
            len(catalog.policies(conn)),
            passed=catalog.policies(conn) == record.policies,
        ),
    ]


def _plan(psql: Path, pg_restore: Path, path: Path) -> list[PlannedStatement]:
    return [
        PlannedStatement(
            order=1,
            statement=f"{pg_restore} --list {path}; {pg_restore} --no-owner --use-list=<toc without the "
            f"SCHEMA and DEFAULT ACL entries> --file=<restore.sql> {path}",
            transaction="external",
            note="turns the verified archive into one SQL script; the schemas and the default privileges "
            "in them are kept as they are",
        ),
        PlannedStatement(
            order=2,
            statement=db.sql_text("rollback/full_drop.sql").strip(),
            transaction="transaction",
            lock_timeout="5s",
            note=f"{psql} --single-transaction: drop and restore commit together",
        ),
        PlannedStatement(
            order=3,
            statement="<restore.sql: CREATE SCHEMA …; CREATE TABLE …; COPY …; indexes, "
            "constraints, policies, grants as they were at backup time>",
            transaction="transaction",
            lock_timeout="0 (the tables are new in this transaction)",
            note=f"retried up to {LOCK_RETRIES} times when another session holds a lock",
        ),
        PlannedStatement(
            order=4,
            statement="row counts, index list, RLS flags and policies compared with the backup",
            transaction="autocommit",
        ),
    ]


# Each scope's undo, registered explicitly: the narrower ones live beside the step they undo.
SCOPES: dict[Scope, StepFn] = {
    "indexes": rollback_indexes,
    "rls": rollback_rls,
    "combos": rollback_combos,
    "full": rollback_full,
}
