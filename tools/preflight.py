"""Ticket 00: prove both databases are reachable, distinct, ready for the run, and record the baselines
every later ticket and rollback is compared with. Reads only; writes nothing to either database."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import psycopg

from server import db
from server.errors import EmbeddedPgError, NotConfigured
from server.pgbin import client_tool
from server.runbook import ENVIRONMENTS, FIRST, Env, ticket_of
from server.settings import redact_dsn
from tools.lib import advisor, catalog, clients, combo_diagnosis, measure, pooler, schema
from tools.lib import privileges as role_privileges
from tools.lib.causes import cause_of_text
from tools.lib.identity import identity_of, same_database_problem, same_server_problem
from tools.records import Baseline, PreflightRecord, SuggestedArgs
from tools.results import (
    Check,
    ComboDiagnosis,
    EnvironmentReport,
    OrphanRates,
    PreflightArgs,
    PreflightFields,
)
from tools.step import StepContext, StepOutcome, check

SQL_FILES = (
    "common/identity.sql",
    "common/row_counts.sql",
    "common/tables.sql",
    "common/indexes.sql",
    "common/invalid_indexes.sql",
    "common/rls_flags.sql",
    "common/policies.sql",
    "common/functions.sql",
    "common/orphan_rates.sql",
    "common/combo_checksums.sql",
    "common/pick_restaurants.sql",
    "common/pick_combo_restaurants.sql",
    "common/menu_queries/menu.sql",
    "common/menu_queries/menu_with_modifiers.sql",
    "common/menu_queries/combos.sql",
    "preflight/server.sql",
    "preflight/privileges.sql",
    "preflight/other_runs.sql",
    "preflight/data_size.sql",
    *role_privileges.SQL_FILES,
    *advisor.SQL_FILES,
    *combo_diagnosis.SQL_FILES,
    "preflight/columns.sql",
    schema.SCHEMA_FILE,
)
MIN_SERVER_VERSION = 140000  # client_connection_check_interval (14) is what ends a killed server's work
EXPECTED_TABLES = 42
# combo_groups at the time of the runbook (MENUCA_FACTS.md): the seeded dataset's scale is measured by it
REAL_COMBO_GROUPS = 8234


def preflight(ctx: StepContext, args: PreflightArgs) -> StepOutcome[PreflightFields]:
    checks: list[Check] = []
    reports: dict[Env, EnvironmentReport] = {}
    baseline: dict[Env, Baseline] = {}
    data_bytes = 0
    actions: list[str] = []

    conns: dict[Env, db.Conn] = {}
    for env in ENVIRONMENTS:
        dsn = ctx.settings.dsn(env)
        checks.append(check(f"{env}: DSN configured", True, bool(dsn)))
        if not dsn:
            continue
        try:
            conns[env] = ctx.connect(env, autocommit=True)
            checks.append(check(f"{env}: reachable", True, True))
        except NotConfigured as exc:
            checks.append(check(f"{env}: reachable", True, str(exc), passed=False))

    # which databases the DSNs really name, before anything else: one database under two spellings (or
    # one server, unless allowed) is the human's to fix, and nothing else is worth checking until then
    identities = {env: identity_of(conn) for env, conn in conns.items()}
    both = len(identities) == 2
    same_database = same_database_problem(identities)
    same_server = same_server_problem(identities, ctx.settings.allow_same_server)
    checks.append(
        check(
            "staging and production are distinct databases",
            "different system_identifier, database name or start time",
            "the same database: " + identities["staging"].describe()
            if same_database
            else ("distinct" if both else "not both reachable"),
            passed=both and not same_database,
        )
    )
    if both and not same_database:
        shared = identities["staging"].server == identities["production"].server
        checks.append(
            check(
                "staging and production are on different PostgreSQL servers (or MENUCA_ALLOW_SAME_SERVER)",
                "different servers" if not ctx.settings.allow_same_server else "any",
                (
                    "one server"
                    + (", allowed by MENUCA_ALLOW_SAME_SERVER" if ctx.settings.allow_same_server else "")
                )
                if shared
                else "different servers",
                passed=same_server is None,
            )
        )
    problem = same_database or same_server
    if problem is not None:
        return StepOutcome(
            checks=checks,
            summary=f"Preflight FAILED on the configuration, before any other check: {problem}.",
            fields=PreflightFields(),
            record=PreflightRecord(
                config_problem=problem, database_fingerprint=ctx.settings.database_fingerprint()
            ),
            actions=[f"configuration problem: {problem}"],
        )

    for env, conn in conns.items():
        ctx.checkpoint()
        ctx.progress(len(reports), 2, f"checking {env}")
        report, env_checks, env_baseline, size = _check_environment(ctx, env, conn)
        reports[env] = report
        checks += env_checks
        baseline[env] = env_baseline
        data_bytes += size
        actions.append(
            f"{env}: PostgreSQL {report.server_version}, {sum(report.row_counts.values()):,} rows, "
            f"{report.index_count} indexes, menu query {report.menu_query_ms} ms on restaurants "
            f"{report.pinned_restaurants}"
        )

    free = shutil.disk_usage(_existing_parent(ctx.settings.run_dir)).free
    checks.append(
        check(
            "free disk space for the backups",
            f">= {data_bytes:,} bytes (size of both datasets)",
            f"{free:,} bytes free in {ctx.settings.run_dir}",
            passed=free >= data_bytes,
        )
    )
    checksums = db.sql_checksums()
    missing = [name for name in ctx.required_sql_files if name not in checksums]
    pinned = _pinned_checksums(ctx)
    changed = sorted(name for name, digest in pinned.items() if checksums.get(name) != digest)
    checks.append(
        check("SQL files present", "all", f"missing {missing}" if missing else "all", passed=not missing)
    )
    if pinned:
        checks.append(check("SQL files match the checksums this run pinned", [], changed))
    advice: dict[str, SuggestedArgs] = {}
    staging_gate = reports["staging"].combo_gate if "staging" in reports else None
    reason = combo_diagnosis.backfill_advice(staging_gate) if staging_gate else None
    if reason:
        advice[ticket_of("fix_combos", "staging").id] = SuggestedArgs(
            args={"backfill_missing_dishes": True}, reason=reason
        )
        actions.append(f"advice for ticket 04: backfill_missing_dishes=true ({reason})")
    failed = [_named(c) for c in checks if not c.passed]
    summary = (
        "Both databases are ready; baselines recorded. Next: backup staging (ticket 01)."
        if not failed
        else f"Preflight found {len(failed)} problem(s): {'; '.join(failed[:6])}. Fix them and call preflight again."
    ) + "".join(f" Warning: {c.name}: {c.warning}." for c in checks if c.warning)
    return StepOutcome(
        checks=checks,
        summary=summary,
        fields=PreflightFields(
            staging=reports.get("staging"), production=reports.get("production"), sql_files=len(checksums)
        ),
        record=PreflightRecord(baseline=baseline, sql_checksums=pinned or checksums, next_args=advice),
        actions=actions,
    )


def _check_environment(
    ctx: StepContext, env: Env, conn: db.Conn
) -> tuple[EnvironmentReport, list[Check], Baseline, int]:
    checks: list[Check] = []
    info = db.query_one(conn, db.sql_file("preflight/server.sql"))
    assert info is not None
    report = EnvironmentReport(database=redact_dsn(ctx.dsn(env)), server_version=info["version"])
    checks.append(
        check(
            f"{env}: server version",
            ">= 14",
            info["version"],
            passed=info["version_num"] >= MIN_SERVER_VERSION,
        )
    )
    checks.append(
        check(
            f"{env}: accepts writes (not a standby, default_transaction_read_only off)",
            "read-write",
            "a read-only standby"
            if info["standby"]
            else "read-only: default_transaction_read_only is on (the DSN's options, the role or the database "
            "set it; remove it, or ALTER ROLE/DATABASE … SET default_transaction_read_only = off)"
            if info["read_only"]
            else "read-write",
        )
    )
    checks.append(pooler.session_check(env, conn, ctx.dsn(env), ctx.run_id))
    tools_check, report.client_tools = clients.client_tools_check(env, int(info["version_num"]) // 10000)
    checks.append(tools_check)
    checks.append(_pg_dump_works(ctx, env, int(info["version_num"]) // 10000))

    privileges = db.query_one(conn, db.sql_file("preflight/privileges.sql"))
    assert privileges is not None
    present = privileges["tables"] >= EXPECTED_TABLES and privileges["staging_tables"] >= 2
    checks.append(
        check(
            f"{env}: MenuCA V3 schema present",
            f">= {EXPECTED_TABLES} menuca_v3 tables and the staging source tables",
            f"{privileges['tables']} menuca_v3 tables, {privileges['staging_tables']} staging tables",
            passed=present,
        )
    )
    # every table, and every column the tools' SQL names, with its type: a renamed table or a dropped
    # column is named here instead of failing a later ticket with a raw error
    missing = schema.schema_problems(conn, ctx.required_sql_files) if present else []
    if present:
        checks.append(
            check(
                f"{env}: every table and column the tools use exists with its type", [], schema.shown(missing)
            )
        )
    dataset = present and not missing
    granted = role_privileges.checks(env, conn)
    checks += granted
    invalid = catalog.invalid_indexes(conn)
    checks.append(check(f"{env}: no INVALID index", [], invalid))
    others = db.query_all(
        conn, db.sql_file("preflight/other_runs.sql"), {"application_name": db.application_name(ctx.run_id)}
    )
    checks.append(
        check(
            f"{env}: no other menuca-migrate run in progress",
            [],
            [f"{o['application_name']} (pid {o['pid']}, {o['state']})" for o in others],
        )
    )
    size_row = db.query_one(conn, db.sql_file("preflight/data_size.sql"))
    size = int(size_row["bytes"]) if size_row else 0

    env_baseline = Baseline(server_version=info["version"])
    if dataset and all(c.passed for c in granted):  # baselines read what a lacking role may not
        ctx.checkpoint()
        counts = catalog.row_counts(conn)
        indexes = catalog.indexes(conn)
        flags = catalog.rls_flags(conn)
        policies = catalog.policies(conn)
        rates = catalog.orphan_rates(conn)
        restaurants = measure.pick_restaurants(conn)
        combo_restaurants = measure.pick_combo_restaurants(conn)
        family = measure.measure_family(conn, restaurants, combo_restaurants=combo_restaurants)
        env_baseline = Baseline(
            server_version=info["version"],
            row_counts=counts,
            indexes=[
                {
                    "name": i["name"],
                    "table": i["table"],
                    "definition": i["definition"],
                    "valid": i["valid"],
                    "is_unique": i.get("is_unique", False),
                    "constraint_name": i.get("constraint_name"),
                }
                for i in indexes
            ],
            rls_flags=flags,
            policies=policies,
            functions=catalog.functions(conn),
            orphan_rates=rates,
            combo_checksums=catalog.combo_checksums(conn),
            restaurants=restaurants,
            combo_restaurants=combo_restaurants,
            menu_queries=family,
            advisor=advisor.baseline(conn),
        )
        report.row_counts = counts
        report.index_count = len(indexes)
        report.rls_enabled_tables = sum(1 for f in flags.values() if f["enabled"])
        report.policies = len(policies)
        report.orphan_rate = OrphanRates(
            naive=rates["naive"], source_backed=rates["source_backed"]
        ).model_dump()
        report.menu_query_ms = family["menu"]["median_ms"]
        report.pinned_restaurants = restaurants
        report.pinned_combo_restaurants = combo_restaurants
        report.dataset_scale = round(counts.get("menuca_v3.combo_groups", 0) / REAL_COMBO_GROUPS, 3)
        report.combo_gate = _combo_gate(conn)
        checks.append(
            check(
                f"{env}: menu query restaurants chosen from the data",
                ">= 1",
                len(restaurants),
                passed=len(restaurants) >= 1,
            )
        )
    report.invalid_indexes = invalid
    return report, checks, env_baseline, size


def _named(failed: Check) -> str:
    """A failed check for the summary: its name, and the first things it found when it lists them."""
    if isinstance(failed.actual, list) and failed.actual and all(isinstance(a, str) for a in failed.actual):
        listed = [str(a) for a in failed.actual]
        more = f" and {len(listed) - 3} more" if len(listed) > 3 else ""
        return f"{failed.name} ({', '.join(listed[:3])}{more})"
    return failed.name


def _combo_gate(conn: db.Conn) -> ComboDiagnosis | None:
    """The combo repair's reach, with and without the backfill (None: the source tables are unusable)."""
    try:
        return combo_diagnosis.diagnose(conn)
    except psycopg.Error:
        return None


def _pg_dump_works(ctx: StepContext, env: Env, server_major: int) -> Check:
    name = f"{env}: pg_dump can dump the database"
    try:
        chosen = client_tool("pg_dump", server_major)
        pg_dump = chosen.path
    except EmbeddedPgError as exc:
        return check(name, "pg_dump >= server version", str(exc), passed=False)
    conninfo, child_env = db.client_invocation(ctx.dsn(env), ctx.run_id)
    try:
        done = subprocess.run(
            [
                str(pg_dump),
                "--schema-only",
                "--section=pre-data",
                "--schema=menuca_v3",
                "--no-password",
                "--file=/dev/null",
                f"--dbname={conninfo}",
            ],
            env=child_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return check(name, "exit 0", str(exc), passed=False)
    detail = f"exit {done.returncode} ({chosen.describe()})"
    if done.returncode != 0:
        cause = cause_of_text(done.stderr)
        detail += f": {done.stderr.strip()[-300:]} ({cause.explanation}: {cause.fix})"
    return check(name, f"exit 0 ({chosen.describe()})", detail, passed=done.returncode == 0)


def _pinned_checksums(ctx: StepContext) -> dict[str, str]:
    for record in reversed(ctx.records(PreflightRecord, FIRST.id)):
        if record.sql_checksums:
            return record.sql_checksums
    return {}


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path
