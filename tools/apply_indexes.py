"""Tickets 02 and 07: make the 58 target indexes exist without blocking writes or duplicating what the
database already has, verify every build, and measure the menu queries before and after."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, cast

import pglast
import psycopg
from pglast import ast
from pglast.stream import RawStream
from psycopg import sql

from server import db
from server.runbook import Env
from tools.lib import advisor, catalog, measure
from tools.results import Check, IndexOutcome, PlannedStatement, QueryTiming, StepOutcome, check
from tools.step import StepContext

SQL_FILES = (
    "apply_indexes/targets.sql",
    "apply_indexes/long_transactions.sql",
    "apply_indexes/index_state.sql",
    "apply_indexes/drop_index.sql",
    "apply_indexes/analyze.sql",
    "validate/advisor/created.sql",
)
TARGET_COUNT = 58
# Transactions older than this are reported before each build and waited for (a concurrent build
# waits for every transaction that could see the table); after MAX_WAIT_S the step fails clearly.
LONG_TRANSACTION_S = 60.0
MAX_WAIT_S = 120.0
VALIDITY_RETRIES = 5
CLEANUP_LOCK_TIMEOUT = "15s"
_DEFINITION = re.compile(
    r"^CREATE (?P<unique>UNIQUE )?INDEX \S+ ON (?:ONLY )?(?P<table>\S+) USING (?P<rest>.*)$"
)

Action = Literal["created", "present", "equivalent", "rebuilt", "planned", "failed"]


@dataclass(frozen=True)
class Target:
    name: str
    table: str
    statement: str  # the CREATE INDEX CONCURRENTLY statement from targets.sql


@cache
def targets() -> tuple[tuple[Target, ...], tuple[str, ...]]:
    """The targets and the session settings (SET …) of sql/apply_indexes/targets.sql."""
    found: list[Target] = []
    settings: list[str] = []
    for statement in db.split_statements(db.sql_text("apply_indexes/targets.sql")):
        node = pglast.parse_sql(statement)[0].stmt
        if isinstance(node, ast.VariableSetStmt):
            settings.append(statement)
        elif isinstance(node, ast.IndexStmt) and node.concurrent and node.relation is not None:
            found.append(Target(node.idxname or "", node.relation.relname or "", statement))
        else:
            raise ValueError(f"targets.sql may hold only SET and CREATE INDEX CONCURRENTLY: {statement[:80]}")
    return tuple(found), tuple(settings)


def normalize(definition: str) -> str | None:
    """pg_get_indexdef without the index name and UNIQUE: `table USING method (…) [WHERE …]`."""
    match = _DEFINITION.match(definition)
    if not match:
        return None
    return f"{match.group('table').split('.')[-1]} USING {match.group('rest')}"


def target_definitions(conn: db.Conn) -> dict[str, str]:
    """The normalized definition PostgreSQL gives each target, learnt by building it on an empty
    temporary copy of its table (LIKE keeps column names, types and collations) and rolling back."""
    result: dict[str, str] = {}
    all_targets, _ = targets()
    with conn.transaction(force_rollback=True):
        made: dict[str, str] = {}
        for number, target in enumerate(all_targets):
            shadow = made.get(target.table)
            if shadow is None:
                shadow = f"menuca_shadow_{len(made)}"
                db.query_all(
                    conn,
                    sql.SQL("CREATE TEMP TABLE {} (LIKE {})").format(
                        sql.Identifier(shadow), sql.Identifier("menuca_v3", target.table)
                    ),
                )
                made[target.table] = shadow
            node = cast(ast.IndexStmt, pglast.parse_sql(target.statement)[0].stmt)
            assert node.relation is not None
            node.concurrent = False
            node.if_not_exists = False
            node.idxname = f"menuca_shadow_ix_{number}"
            node.relation.schemaname = None
            node.relation.relname = shadow
            db.query_all(conn, cast(Any, RawStream()(node)))
            row = db.query_one(conn, "SELECT pg_get_indexdef(to_regclass(%s)) AS d", [node.idxname])
            assert row is not None
            normalized = normalize(str(row["d"]))
            assert normalized is not None
            result[target.name] = normalized.replace(shadow, target.table, 1)
    return result


def plan(conn: db.Conn, baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """Decide each target's action from the database's real state, relative to the preflight baseline."""
    wanted = target_definitions(conn)
    existing = catalog.indexes(conn)
    by_name = {i["name"]: i for i in existing}
    baseline_names = {i["name"] for i in baseline.get("indexes", [])}
    decisions = []
    for target in targets()[0]:
        definition = wanted[target.name]
        current = by_name.get(target.name)
        decision: dict[str, Any] = {"target": target, "definition": definition, "equivalent_to": None}
        if current is not None and current["valid"]:
            if normalize(current["definition"]) != definition:
                decision["action"] = "failed"
                decision["problem"] = (
                    f"an index named {target.name} exists with another definition ({current['definition']}); "
                    "rename or drop it, then call apply_indexes again"
                )
            else:
                decision["action"] = "present" if target.name in baseline_names else "created"
        elif current is not None:
            decision["action"] = "rebuilt"
        else:
            twin = next(
                (
                    i
                    for i in existing
                    if i["valid"] and i["name"] != target.name and normalize(i["definition"]) == definition
                ),
                None,
            )
            if twin is not None and twin["name"] in baseline_names:
                decision["action"], decision["equivalent_to"] = "equivalent", twin["name"]
            else:
                decision["action"] = "created"
        decision["build"] = decision["action"] in ("rebuilt", "created") and not (
            current is not None and current["valid"]
        )
        decisions.append(decision)
    return decisions


def _drop(conn: db.Conn, name: str) -> None:
    db.query_all(conn, db.sql_file("apply_indexes/drop_index.sql").format(index=sql.Identifier(name)))


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


def _state(conn: db.Conn, name: str) -> dict[str, Any] | None:
    return db.query_one(conn, db.sql_file("apply_indexes/index_state.sql"), {"name": name})


def _wait_for_old_transactions(ctx: StepContext, conn: db.Conn) -> list[str]:
    """Old transactions the build would wait behind: wait (bounded) for them; return those left."""
    deadline = time.monotonic() + MAX_WAIT_S
    while True:
        rows = db.query_all(
            conn, db.sql_file("apply_indexes/long_transactions.sql"), {"threshold_s": LONG_TRANSACTION_S}
        )
        if not rows or time.monotonic() > deadline:
            return [r["who"] for r in rows]
        ctx.progress(0, None, f"waiting for {len(rows)} old transaction(s) to end: {rows[0]['who']}")
        ctx.checkpoint()
        time.sleep(1)


def run(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    env = cast(Env, ctx.environment)
    baseline = ctx.baseline(env)
    conn = ctx.connect(env, autocommit=True)  # autocommit: no transaction of ours may hold a build back
    decisions = plan(conn, baseline)
    _, session_settings = targets()
    builds = [d for d in decisions if d["build"]]
    if ctx.dry_run:
        return _dry_run(decisions, session_settings)

    restaurants = list(baseline.get("restaurants") or measure.pick_restaurants(conn))
    ctx.progress(0, len(builds) + 2, "timing the menu queries before")
    before = measure.measure_family(conn, restaurants)

    build_conn = ctx.connect(env, autocommit=True)
    for statement in session_settings:
        db.query_all(build_conn, cast(Any, statement))
    waited_for: list[str] = []
    for number, decision in enumerate(builds, start=1):
        target: Target = decision["target"]
        ctx.checkpoint()
        blockers = _wait_for_old_transactions(ctx, conn)
        if blockers:
            decision["action"], decision["problem"] = (
                "failed",
                (
                    f"not built: transactions older than {LONG_TRANSACTION_S:.0f} s still open after "
                    f"{MAX_WAIT_S:.0f} s ({'; '.join(blockers)}); end them or wait, then call apply_indexes again"
                ),
            )
            waited_for = blockers
            break
        decision["build_ms"] = _build(ctx, conn, build_conn, decision)
        ctx.progress(number, len(builds) + 2, f"{target.name}: {decision['action']}")
        if number == 1:
            ctx.pause("apply_indexes:after_first_build")

    touched = sorted({d["target"].table for d in builds if d["action"] in ("created", "rebuilt")})
    for table in touched:
        ctx.checkpoint()
        db.query_all(conn, db.sql_file("apply_indexes/analyze.sql").format(table=sql.Identifier(table)))
    ctx.progress(len(builds) + 1, len(builds) + 2, "timing the menu queries after")
    after = measure.measure_not_slower(conn, restaurants, before)
    return _outcome(conn, decisions, before, after, restaurants, waited_for)


def _build(ctx: StepContext, conn: db.Conn, build_conn: db.Conn, decision: dict[str, Any]) -> int | None:
    target: Target = decision["target"]
    begun = time.monotonic()
    try:
        if decision["action"] == "rebuilt":
            _drop(build_conn, target.name)
        db.query_all(build_conn, cast(Any, target.statement))
    except psycopg.Error as exc:  # lock timeout, cancellation, a uniqueness or disk problem: clean up below
        decision["action"] = "failed"
        decision["problem"] = f"build stopped: {exc.diag.message_primary or type(exc).__name__}"
    state = None
    for attempt in range(VALIDITY_RETRIES):
        state = _state(conn, target.name)
        if state and state["valid"]:
            break
        time.sleep(0.1 * (attempt + 1))
    if not (state and state["valid"]):
        if decision["action"] != "failed":
            decision["action"], decision["problem"] = "failed", "the build left an INVALID index"
        if state is not None and not _cleanup(build_conn, target.name):
            decision["problem"] += (
                f"; the INVALID index {target.name} could not be dropped within {CLEANUP_LOCK_TIMEOUT} (a "
                "transaction still holds the table): the next apply_indexes rebuilds it, rollback scope=indexes drops it"
            )
        ctx.checkpoint()
    return int((time.monotonic() - begun) * 1000)


def _outcome(
    conn: db.Conn,
    decisions: list[dict[str, Any]],
    before: dict[str, Any],
    after: dict[str, Any],
    restaurants: list[int],
    waited_for: list[str],
) -> StepOutcome:
    existing = catalog.indexes(conn)
    by_name = {i["name"]: i for i in existing}
    outcomes = []
    for d in decisions:
        target: Target = d["target"]
        covering = by_name.get(d["equivalent_to"] or target.name)
        outcomes.append(
            IndexOutcome(
                name=target.name,
                table=target.table,
                action=d["action"],
                equivalent_to=d["equivalent_to"],
                valid=bool(covering and covering["valid"]),
                build_ms=d.get("build_ms"),
            )
        )
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.action] = counts.get(outcome.action, 0) + 1
    covered = sum(1 for o in outcomes if o.valid and o.action != "failed")
    invalid = catalog.invalid_indexes(conn)
    shared: dict[str, list[str]] = {}
    for index in existing:
        key = normalize(index["definition"])
        if key is not None:
            shared.setdefault(key, []).append(index["name"])
    duplicates = [names for names in shared.values() if len(names) > 1]
    timings = []
    slower: list[str] = []
    for name in measure.QUERIES:
        b, a = before[name]["median_ms"], after[name]["median_ms"]
        uses = measure.uses_index(conn, name, restaurants[0]) if restaurants else None
        timings.append(
            QueryTiming(name=name, before_ms=b, after_ms=a, speedup=measure.speedup(b, a), uses_index=uses)
        )
        if name == "menu":
            slower = measure.slower_restaurants(before[name], after[name])
    menu_b, menu_a = before["menu"]["median_ms"], after["menu"]["median_ms"]
    problems = [f"{d['target'].name}: {d['problem']}" for d in decisions if d.get("problem")]
    checks: list[Check] = [
        check("targets valid or equivalently covered", TARGET_COUNT, covered),
        check("no INVALID index", [], invalid),
        check("no two indexes share a definition", [], duplicates),
        check(
            "menu query not slower on any pinned restaurant (median after <= 1.25 x before + 1 ms)",
            [],
            slower,
        ),
    ]
    if problems:
        checks.append(check("every target handled", [], problems))
    if waited_for:
        checks.append(check("no transaction blocking the builds", [], waited_for))
    ok = all(c.passed for c in checks)
    summary = (
        f"{counts.get('created', 0)} created, {counts.get('present', 0)} present, "
        f"{counts.get('equivalent', 0)} equivalent, {counts.get('rebuilt', 0)} rebuilt; 0 INVALID. "
        f"Menu query {menu_b} → {menu_a} ms (speedup {measure.speedup(menu_b, menu_a)}x)."
        if ok
        else "apply_indexes did not finish cleanly: "
        + "; ".join(c.name for c in checks if not c.passed)
        + ". Nothing is left INVALID; fix the cause and call apply_indexes again, or rollback scope=indexes."
    )
    built = [d["target"].name for d in decisions if d["action"] in ("created", "rebuilt")]
    return StepOutcome(
        checks=checks,
        summary=summary,
        fields={
            "indexes": outcomes,
            "counts": counts,
            "menu_query_ms_before": menu_b,
            "menu_query_ms_after": menu_a,
            "speedup": measure.speedup(menu_b, menu_a),
            "queries": timings,
            "long_transactions": waited_for,
        },
        record={
            "built": built,
            "equivalent": {d["target"].name: d["equivalent_to"] for d in decisions if d["equivalent_to"]},
            advisor.RECORD_KEY: advisor.created_objects(conn, indexes=built),
        },
        actions=[
            f"{o.name} on {o.table}: {o.action}"
            + (f" (= {o.equivalent_to})" if o.equivalent_to else "")
            + (f", {o.build_ms} ms" if o.build_ms is not None else "")
            for o in outcomes
            if o.action != "present"
        ]
        + [
            f"ANALYZE on {len({d['target'].table for d in decisions if d['action'] in ('created', 'rebuilt')})} tables"
        ],
    )


def _dry_run(decisions: list[dict[str, Any]], session_settings: tuple[str, ...]) -> StepOutcome:
    steps: list[PlannedStatement] = []
    lock_timeout = next(
        (s.split("=")[1].strip().strip("';") for s in session_settings if "lock_timeout" in s), None
    )

    def add(statement: str, mode: str, note: str | None = None) -> None:
        steps.append(
            PlannedStatement(
                order=len(steps) + 1,
                statement=statement,
                transaction=mode,  # type: ignore[arg-type]
                lock_timeout=lock_timeout if mode == "autocommit" else None,
                statement_timeout="0" if mode == "autocommit" else None,
                note=note,
            )
        )

    for statement in session_settings:
        add(statement, "autocommit", "session setting of the build connection")
    for d in decisions:
        target: Target = d["target"]
        if d["action"] == "rebuilt":
            add(
                f"DROP INDEX CONCURRENTLY IF EXISTS menuca_v3.{target.name}",
                "autocommit",
                "an INVALID index of that name",
            )
        if d["build"]:
            add(target.statement, "autocommit", f"{d['action']}; then pg_index.indisvalid is checked")
    for table in sorted({d["target"].table for d in decisions if d["build"]}):
        add(f"ANALYZE menuca_v3.{table}", "autocommit")
    counts: dict[str, int] = {}
    for d in decisions:
        counts[d["action"]] = counts.get(d["action"], 0) + 1
    outcomes = [
        IndexOutcome(
            name=d["target"].name,
            table=d["target"].table,
            action="planned" if d["build"] else d["action"],
            equivalent_to=d["equivalent_to"],
            valid=not d["build"] and d["action"] != "failed",
        )
        for d in decisions
    ]
    return StepOutcome(
        checks=[check("targets decided", TARGET_COUNT, len(decisions))],
        summary=f"Dry run: {sum(1 for d in decisions if d['build'])} concurrent builds planned "
        f"({', '.join(f'{k}: {v}' for k, v in sorted(counts.items()))}); nothing was changed.",
        fields={"indexes": outcomes, "counts": counts},
        plan=steps,
    )


def undo(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    """rollback scope=indexes: drop exactly the target indexes this run built (concurrently), never one
    that was in the preflight baseline, and prove the index list equals the baseline again."""
    env = cast(Env, ctx.environment)
    baseline = ctx.baseline(env)
    base = {i["name"]: i for i in baseline.get("indexes", [])}
    conn = ctx.connect(env, autocommit=True)
    target_names = {t.name for t in targets()[0]}
    current = {i["name"]: i for i in catalog.indexes(conn)}
    rebuilt_here = {
        name for record in ctx.records("02" if env == "staging" else "07") for name in record.get("built", [])
    }
    to_drop = sorted(
        name
        for name in current
        if name in target_names and (name not in base or (name in rebuilt_here and not base[name]["valid"]))
    )
    if ctx.dry_run:
        return StepOutcome(
            checks=[check("indexes this run built found", ">= 0", len(to_drop), passed=True)],
            summary=f"Dry run: would drop {len(to_drop)} index(es) concurrently: {', '.join(to_drop) or 'none'}.",
            plan=[
                PlannedStatement(
                    order=i,
                    statement=f"DROP INDEX CONCURRENTLY IF EXISTS menuca_v3.{name}",
                    transaction="autocommit",
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
        for record in ctx.records("03" if env == "staging" else "08")
        for name in record.get("indexes_built", [])
    }
    after = {i["name"]: i["definition"] for i in catalog.indexes(conn) if i["name"] not in rls_built}
    expected = {name: i["definition"] for name, i in base.items() if i["valid"]}
    missing = sorted(set(expected) - set(after))
    extra = sorted(set(after) - set(expected))
    changed = sorted(n for n in set(after) & set(expected) if after[n] != expected[n])
    checks = [
        check(
            "index list equals the preflight baseline",
            {"missing": [], "extra": [], "changed": []},
            {"missing": missing, "extra": extra, "changed": changed},
        ),
        check("no INVALID index", [], catalog.invalid_indexes(conn)),
    ]
    return StepOutcome(
        checks=checks,
        summary=f"Dropped {len(to_drop)} index(es) this run built; the index list "
        + (
            "equals the preflight baseline."
            if all(c.passed for c in checks)
            else "still differs from the baseline."
        ),
        fields={"restored": [f"dropped {name}" for name in to_drop]},
        actions=[f"DROP INDEX CONCURRENTLY menuca_v3.{name}" for name in to_drop],
    )
