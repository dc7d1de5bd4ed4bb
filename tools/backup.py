"""Tickets 01 and 06: a named, verified pg_dump of the application schemas, counted in the dump's own
snapshot, read back in full and (where the role may create databases) restored into a scratch database."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from server import db
from server.pgbin import find_client
from server.proc import run_child
from server.runbook import Env
from tools.lib import catalog, restore
from tools.results import Check, PlannedStatement, StepOutcome, check
from tools.step import StepContext, StepInterrupted

SQL_FILES = (
    "common/row_counts.sql",
    "common/tables.sql",
    "common/indexes.sql",
    "backup/scratch_standins.sql",
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


def run(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    env: Env = ctx.environment  # type: ignore[assignment]  # backup always has a single environment
    conninfo, child_env = db.client_invocation(ctx.dsn(env), ctx.run_id)
    stamp = datetime.now(UTC).strftime("%H%M%S")
    backup_id = f"{env}-{ctx.run_id}-{stamp}-{secrets.token_hex(2)}"
    path = ctx.backups_dir() / f"{backup_id}.dump"

    if not ctx.dry_run:
        _remove_unverified(ctx, env)
    snap_conn = ctx.connect(env)
    major = _server_major(snap_conn)
    snap_conn.rollback()
    pg_dump = find_client("pg_dump", major)
    pg_restore = find_client("pg_restore", major)
    if ctx.dry_run:
        return _plan(pg_dump, pg_restore, conninfo, path, backup_id)

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
    snapshot_record = {
        "schemas": list(SCHEMAS),
        "indexes": [{k: i[k] for k in ("name", "table", "definition", "valid")} for i in indexes],
        "rls_flags": flags,
        "policies": policies,
        "functions": functions,
    }
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
        return StepOutcome(
            checks=[
                check("pg_dump exit code", 0, result.returncode),
                check("pg_dump error", "", _errors(result.stderr), passed=False),
            ],
            summary=f"pg_dump failed: {_errors(result.stderr)[:200]}. Fix the cause and call backup again.",
            fields={"backup_id": backup_id, "path": str(path)},
        )
    os.chmod(path, 0o600)
    try:
        return _verify(
            ctx, env, path, pg_restore, child_env, conninfo, counts, tables, backup_id, snapshot_record
        )
    except BaseException:
        path.unlink(missing_ok=True)  # an archive that was not verified is never left behind
        raise


def _verify(
    ctx: StepContext,
    env: Env,
    path: Path,
    pg_restore: Path,
    child_env: dict[str, str],
    conninfo: str,
    counts: dict[str, int],
    tables: int,
    backup_id: str,
    snapshot_record: dict[str, Any],
) -> StepOutcome:
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
    fields = {
        "backup_id": backup_id,
        "path": str(path),
        "bytes": size,
        "sha256": digest,
        "row_counts": counts,
        "verified": verified,
        "verification": verification,
    }
    record = {**fields, **snapshot_record}
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
    scratch = f"menuca_verify_{secrets.token_hex(4)}"
    db.query_all(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(scratch)))
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
            return [
                check(
                    "restore into a scratch database",
                    "exit 0",
                    f"exit {done.returncode}: {_errors(done.stderr)[:200]}",
                    passed=False,
                )
            ], None
        with db.session(scratch_dsn, run_id=ctx.run_id) as conn:
            restored = catalog.row_counts(conn, list(SCHEMAS))
        diff = {
            t: {"backup": counts.get(t), "restored": restored.get(t)}
            for t in set(counts) | set(restored)
            if counts.get(t) != restored.get(t)
        }
        return [check("scratch restore row counts equal the dump's", {}, diff)], (
            f"restored into scratch database {scratch}: {len(restored)} tables, row counts identical"
            if not diff
            else None
        )
    finally:
        with contextlib.suppress(psycopg.Error):
            db.query_all(
                admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(scratch))
            )


def _plan(pg_dump: Path, pg_restore: Path, conninfo: str, path: Path, backup_id: str) -> StepOutcome:
    steps = [
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
            "CREATE DATABASE menuca_verify_<random>; pg_restore --exit-on-error --no-owner into it; compare row counts; "
            "DROP DATABASE … WITH (FORCE)",
            "autocommit",
            "only where the role may create databases",
        ),
    ]
    plan = [
        PlannedStatement(order=i, statement=text, transaction=mode, lock_timeout=None, note=note)  # type: ignore[arg-type]
        for i, (text, mode, note) in enumerate(steps, start=1)
    ]
    return StepOutcome(
        checks=[check("pg_dump and pg_restore found", True, True)],
        summary=f"Dry run: backup would write {path} and verify it; nothing was changed.",
        fields={"backup_id": backup_id, "path": str(path)},
        plan=plan,
    )


def _remove_unverified(ctx: StepContext, env: Env) -> None:
    """This run's archives and restore scripts of attempts that never finished (a killed server) are
    removed: only verified backups stay on disk (they hold personal data). Other runs' files are theirs."""
    kept = {
        record.get("path")
        for ticket in ("01", "06")
        for record in ctx.records(ticket)
        if record.get("verified")
    }
    for leftover in ctx.backups_dir().glob(f"{env}-{ctx.run_id}-*"):
        if str(leftover) not in kept:
            leftover.unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _errors(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if "error" in line.lower() or "fatal" in line.lower()]
    return " | ".join(lines[-3:]) if lines else stderr.strip()[-300:]
