"""Tickets 01 and 06: a named, verified pg_dump of the application schemas, counted in the dump's own
snapshot, read back in full and (where the role may create databases) restored into a scratch database."""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from server import db
from server.errors import NotConfigured
from server.pgbin import find_client
from server.proc import run_child
from server.runbook import BACKUP_TICKET, Env
from tools.lib import catalog, restore
from tools.lib.causes import Cause, cause_of, cause_of_text
from tools.lib.leftovers import Cleanup, create_scratch, drop_scratch, remove_leftovers, scratch_name
from tools.records import BackupRecord, CatalogSnapshot
from tools.results import BackupArgs, BackupFields, Check, PlannedStatement, TransactionMode
from tools.step import StepContext, StepInterrupted, StepOutcome, check

SQL_FILES = (
    "common/row_counts.sql",
    "common/tables.sql",
    "common/indexes.sql",
    "backup/scratch_standins.sql",
    "backup/scratch_databases.sql",
    "backup/create_scratch.sql",
    "backup/drop_scratch.sql",
)
SCHEMAS = ("menuca_v3", "staging")
LOCK_WAIT = "30s"


def _server_major(conn: db.Conn) -> int:
    row = db.query_one(conn, "SELECT current_setting('server_version_num')::int / 10000 AS major")
    return int(row["major"]) if row else 0


def dump_command(pg_dump: Path, conninfo: str, path: Path, snapshot: str | None) -> list[str]:
    cmd = [str(pg_dump), "--format=custom", "--no-password", f"--lock-wait-timeout={LOCK_WAIT}", "--verbose"]
    cmd += [f"--schema={schema}" for schema in SCHEMAS]
    if snapshot:
        cmd.append(f"--snapshot={snapshot}")
    return [*cmd, f"--file={path}", f"--dbname={conninfo}"]


def backup(ctx: StepContext, args: BackupArgs) -> StepOutcome[BackupFields]:
    env = args.environment
    conninfo, child_env = db.client_invocation(ctx.dsn(env), ctx.run_id)
    stamp = datetime.now(UTC).strftime("%H%M%S")
    backup_id = f"{env}-{ctx.run_id}-{stamp}-{secrets.token_hex(2)}"
    path = ctx.backups_dir() / f"{backup_id}.dump"

    earlier = Cleanup()
    if not ctx.dry_run:  # what a killed or failed earlier attempt of this ticket left goes first
        earlier = remove_leftovers(
            ctx.connect(env, autocommit=True), ctx.backups_dir(), ctx.run_id, env, verified_paths(ctx)
        )
    snap_conn = ctx.connect(env)
    major = _server_major(snap_conn)
    snap_conn.rollback()
    pg_dump = find_client("pg_dump", major)
    pg_restore = find_client("pg_restore", major)
    if ctx.dry_run:
        return _plan(pg_dump, pg_restore, ctx.backups_dir() / "<backup_id>.dump")

    # Count rows in the very snapshot the dump reads, so the counts describe the archive exactly.
    snap_conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    snap_conn.read_only = True
    # counting waits for no DDL forever: the same bound pg_dump gets for its locks
    db.query_all(snap_conn, "SELECT set_config('lock_timeout', %s, true)", [LOCK_WAIT])
    snapshot_row = db.query_one(snap_conn, "SELECT pg_export_snapshot() AS id")
    assert snapshot_row is not None
    counts = catalog.row_counts(snap_conn, list(SCHEMAS))
    indexes = catalog.indexes(snap_conn)
    flags = catalog.rls_flags(snap_conn)
    policies = catalog.policies(snap_conn)
    functions = catalog.functions(snap_conn)
    tables = len(counts)
    snapshot = CatalogSnapshot(
        schemas=list(SCHEMAS),
        indexes=[
            {"name": i["name"], "table": i["table"], "definition": i["definition"], "valid": i["valid"]}
            for i in indexes
        ],
        rls_flags=flags,
        policies=policies,
        functions=functions,
    )
    dumped = 0

    def on_dump_line(line: str) -> None:
        nonlocal dumped
        if "dumping contents of table" in line:
            dumped += 1
            ctx.progress(dumped, tables + 2, f"dumping {line.rsplit(' ', 1)[-1]}")

    try:
        result = run_child(
            dump_command(pg_dump, conninfo, path, str(snapshot_row["id"])),
            env=child_env,
            checkpoint=ctx.checkpoint,
            on_stderr_line=on_dump_line,
        )
    except (StepInterrupted, TimeoutError):
        path.unlink(missing_ok=True)
        raise
    finally:
        snap_conn.rollback()
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        cause = cause_of_text(result.stderr)
        return _with_cleanup(
            StepOutcome(
                checks=[
                    check("pg_dump exit code", 0, result.returncode),
                    check("pg_dump error", "", _errors(result.stderr), passed=False),
                ],
                summary=f"pg_dump failed and its partial archive was removed: {cause.sentence('call backup again')}.",
                fields=BackupFields(backup_id=backup_id, path=str(path)),
            ),
            earlier,
        )
    os.chmod(path, 0o600)
    try:
        outcome = _verify(ctx, env, path, pg_restore, child_env, conninfo, counts, backup_id, snapshot)
    except psycopg.Error as exc:  # the database failed under the verification: a FAIL naming why
        path.unlink(missing_ok=True)
        return _with_cleanup(_unverifiable(ctx, env, backup_id, cause_of(exc)), earlier)
    except BaseException:
        path.unlink(missing_ok=True)  # an archive that was not verified is never left behind
        raise
    return _with_cleanup(outcome, earlier)


def _unverifiable(ctx: StepContext, env: Env, backup_id: str, cause: Cause) -> StepOutcome[BackupFields]:
    """The verification stopped on a database error: the archive is gone, and so is the scratch
    database if it can still be reached (else the next backup call, a rollback or abandon drops it)."""
    try:
        after = remove_leftovers(
            ctx.connect(env, autocommit=True), ctx.backups_dir(), ctx.run_id, env, verified_paths(ctx)
        )
    except NotConfigured:
        after = remove_leftovers(None, ctx.backups_dir(), ctx.run_id, env, verified_paths(ctx))
    left = (
        "nothing is left behind (the unverified archive was removed)"
        if not after.not_removed
        else f"the unverified archive was removed, but {'; '.join(after.not_removed)}"
    )
    return StepOutcome(
        checks=[
            check("backup verified", True, f"{cause.kind}: {cause.detail}", passed=False),
            check("nothing left behind", [], after.not_removed),
        ],
        summary=f"The backup could not be verified, so it does not count; {left}. {cause.sentence('call backup again')}.",
        fields=BackupFields(backup_id=backup_id),
        actions=[f"verification stopped ({cause.kind}): {cause.detail}", *after.removed],
    )


def _with_cleanup(outcome: StepOutcome[BackupFields], earlier: Cleanup) -> StepOutcome[BackupFields]:
    """The outcome, saying what was removed of an earlier attempt (and failing if something stayed)."""
    if not earlier.removed and not earlier.not_removed:
        return outcome
    outcome.checks.insert(
        0,
        check(
            "no leftover of an earlier attempt (scratch database, unverified dump)", [], earlier.not_removed
        ),
    )
    outcome.actions[:0] = [f"removed {item}" for item in earlier.removed]
    outcome.summary = f"{outcome.summary} {earlier.sentence()}"
    return outcome


def verified_paths(ctx: StepContext) -> list[str]:
    """The archives of this run's verified backups: the only backup files that stay on disk."""
    return [
        record.path
        for ticket in BACKUP_TICKET.values()
        for record in ctx.records(BackupRecord, ticket)
        if record.verified
    ]


def _verify(
    ctx: StepContext,
    env: Env,
    path: Path,
    pg_restore: Path,
    child_env: dict[str, str],
    conninfo: str,
    counts: dict[str, int],
    backup_id: str,
    snapshot: CatalogSnapshot,
) -> StepOutcome[BackupFields]:
    tables = len(counts)
    checks: list[Check] = [check("pg_dump exit code", 0, 0)]
    ctx.pause("backup:after_dump")
    size = path.stat().st_size
    digest = sha256_file(path)
    ctx.progress(tables, tables + 2, "reading the archive back in full")

    verification: list[str] = []
    read = run_child(
        [str(pg_restore), "--exit-on-error", "--file=/dev/null", str(path)],
        env=child_env,
        checkpoint=ctx.checkpoint,
    )
    checks.append(
        check(
            "full read of the archive (pg_restore to /dev/null)",
            "exit 0",
            f"exit {read.returncode}" + (f": {_errors(read.stderr)[:200]}" if read.returncode else ""),
            passed=read.returncode == 0,
        )
    )
    if read.returncode == 0:
        verification.append("full read of every archive entry with pg_restore --exit-on-error")
    checks.append(
        check(
            "row counts recorded for every table",
            f">= {len(SCHEMAS)} schemas' tables",
            tables,
            passed=tables > 0,
        )
    )
    ctx.progress(tables + 1, tables + 2, "restoring into a scratch database")
    restore_checks, note = _scratch_restore(ctx, env, pg_restore, child_env, conninfo, path, counts)
    checks += restore_checks
    if note:
        verification.append(note)
    verified = all(c.passed for c in checks)
    ctx.progress(tables + 2, tables + 2, "backup verified" if verified else "backup NOT verified")
    fields = BackupFields(
        backup_id=backup_id,
        path=str(path),
        bytes=size,
        sha256=digest,
        row_counts=counts,
        verified=verified,
        verification=verification,
    )
    record = BackupRecord(**fields.model_dump(), **snapshot.model_dump())
    summary = (
        f"Backup {backup_id} written ({size:,} bytes, {sum(counts.values()):,} rows in {tables} tables) and "
        f"verified ({'; '.join(verification)})."
        if verified
        else "The backup could not be verified, so it does not count: "
        + "; ".join(c.name for c in checks if not c.passed)
        + ". Call backup again once the cause is fixed."
    )
    if not verified:
        path.unlink(missing_ok=True)  # an archive that failed verification is never left behind
    return StepOutcome(
        checks=checks,
        summary=summary,
        fields=fields,
        record=record,
        actions=[
            f"pg_dump -Fc of {', '.join(SCHEMAS)} → {path} ({size:,} bytes, sha256 {digest[:16]}…)",
            *verification,
        ],
    )


def _scratch_restore(
    ctx: StepContext,
    env: Env,
    pg_restore: Path,
    child_env: dict[str, str],
    conninfo: str,
    path: Path,
    counts: dict[str, int],
) -> tuple[list[Check], str | None]:
    admin = ctx.connect(env, autocommit=True)
    row = db.query_one(
        admin, "SELECT rolcreatedb OR rolsuper AS may FROM pg_roles WHERE rolname = current_user"
    )
    if not row or not row["may"]:
        return [], "scratch restore skipped: the role may not create databases"
    # named after the run and environment, so that whatever kills this step, the next backup call, a
    # rollback or abandon finds and drops it (it holds a copy of personal data)
    scratch = scratch_name(ctx.run_id, env)
    create_scratch(admin, scratch)
    checks: list[Check] = []
    note: str | None = None
    try:
        params = {k: str(v) for k, v in conninfo_to_dict(conninfo).items() if v is not None}
        params["dbname"] = scratch
        scratch_conninfo = make_conninfo(**params)
        scratch_dsn = make_conninfo(ctx.dsn(env), dbname=scratch)
        with db.session(scratch_dsn, run_id=ctx.run_id) as conn:
            # the dump may hold policies that call Supabase's auth functions: give them stand-ins
            conn.execute(db.sql_file("backup/scratch_standins.sql"))
            conn.commit()
        # through a script adapted to the server: newer client tools write settings older servers reject
        major = admin.info.server_version // 10000
        psql = find_client("psql", major)
        done = restore.restore_into(
            pg_restore, psql, path, scratch_conninfo, child_env, major, ctx.checkpoint
        )
        if done.returncode != 0:
            cause = cause_of_text(done.stderr)
            checks.append(
                check(
                    "restore into a scratch database",
                    "exit 0",
                    f"exit {done.returncode}: {_errors(done.stderr)[:200]} ({cause.explanation})",
                    passed=False,
                )
            )
            return checks, None
        ctx.pause("backup:during_scratch_restore")  # the scratch database now holds the whole dump
        with db.session(scratch_dsn, run_id=ctx.run_id) as conn:
            restored = catalog.row_counts(conn, list(SCHEMAS))
        diff = {
            t: {"backup": counts.get(t), "restored": restored.get(t)}
            for t in set(counts) | set(restored)
            if counts.get(t) != restored.get(t)
        }
        checks.append(check("scratch restore row counts equal the dump's", {}, diff))
        if not diff:
            note = f"restored into scratch database {scratch}: {len(restored)} tables, row counts identical"
        return checks, note
    finally:
        problem = drop_scratch(admin, scratch)
        checks.append(
            check(
                "scratch database dropped (it held a copy of the data)",
                f"{scratch} dropped",
                f"{scratch} dropped"
                if problem is None
                else f"{scratch} NOT dropped ({problem}): the next backup call, a rollback or abandon drops it",
            )
        )


def _plan(pg_dump: Path, pg_restore: Path, path: Path) -> StepOutcome[BackupFields]:
    steps: list[tuple[str, TransactionMode, str | None]] = [
        (
            "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SELECT pg_export_snapshot(); "
            "exact row counts of every table in that snapshot",
            "transaction",
            None,
        ),
        (
            " ".join(
                dump_command(
                    pg_dump, "<dsn without password; PGPASSWORD in the environment>", path, "<snapshot>"
                )
            ),
            "external",
            f"pg_dump waits at most {LOCK_WAIT} for each ACCESS SHARE lock",
        ),
        (f"{pg_restore} --exit-on-error --file=/dev/null {path}", "external", "full read of the archive"),
        (
            "CREATE DATABASE menuca_verify_<scratch>; pg_restore --exit-on-error --no-owner --no-privileges into it; "
            "compare row counts; "
            "DROP DATABASE … WITH (FORCE)",
            "autocommit",
            "only where the role may create databases",
        ),
    ]
    plan = [
        PlannedStatement(order=i, statement=text, transaction=mode, lock_timeout=None, note=note)
        for i, (text, mode, note) in enumerate(steps, start=1)
    ]
    return StepOutcome(
        checks=[check("pg_dump and pg_restore found", True, True)],
        summary=f"Dry run: backup would write {path} and verify it; nothing was changed.",
        fields=BackupFields(backup_id="<backup_id>", path=str(path)),
        plan=plan,
    )


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _errors(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "error" in line.lower() or "fatal" in line.lower()]
    return " | ".join(lines[-3:]) if lines else stderr.strip()[-300:]
