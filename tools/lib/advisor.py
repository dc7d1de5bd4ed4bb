"""The database advisor: the findings of Supabase's linter (our own SQL, sql/validate/advisor/) that this
runbook can cause, recorded by preflight and judged by validate against the objects this run created."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from server import db
from server.runbook import Env, ticket_for
from tools.lib.rls_policies import RlsDesign, load_design
from tools.records import (
    AdvisorBaseline,
    AdvisorFinding,
    AdvisorObject,
    ApplyRlsRecord,
    Baseline,
    CreatedObjects,
    PolicyRow,
)
from tools.results import Check, PolicyCommand
from tools.step import StepContext, check

# The lints, by the name Supabase's advisor (splinter) gives them; one file each.
LINTS = (
    "multiple_permissive_policies",
    "auth_rls_initplan",
    "duplicate_index",
    "unindexed_foreign_keys",
    "rls_enabled_no_policy",
    "policy_exists_rls_disabled",
    "function_search_path_mutable",
    "anon_security_definer_function_executable",
)
SQL_FILES = tuple(f"validate/advisor/{name}.sql" for name in (*LINTS, "session", "objects", "created"))
# The schemas the lints leave alone: the system's and those Supabase and its extensions own (the list
# splinter uses), plus pg_toast.
EXCLUDED_SCHEMAS = [
    "_timescaledb_cache", "_timescaledb_catalog", "_timescaledb_config", "_timescaledb_internal",
    "auth", "cron", "extensions", "graphql", "graphql_public", "information_schema", "net", "pgmq",
    "pgroonga", "pgsodium", "pgsodium_masks", "pgtle", "pgbouncer", "pg_catalog", "pg_toast", "realtime",
    "repack", "storage", "supabase_functions", "supabase_migrations", "tiger", "topology", "vault",
]  # fmt: skip
# The tools whose records carry the objects they created (key RECORD_KEY): apply_indexes' target
# indexes, apply_rls' policies, helper functions, backing indexes and the RLS flags it turned on.
CREATING_TOOLS = ("apply_indexes", "apply_rls")
RECORD_KEY = "advisor_created"
COMMANDS = ("SELECT", "INSERT", "UPDATE", "DELETE")
API_ROLES = ("anon", "authenticated")

Origin = Literal["this run", "before the run", "since preflight"]


def _params() -> dict[str, Any]:
    helpers = [f"menuca_v3.{name}" for name in load_design().functions]
    return {"excluded": EXCLUDED_SCHEMAS, "helpers": helpers}


def findings(conn: db.Conn) -> list[AdvisorFinding]:
    """Every finding of every lint now: {kind, key, detail, objects: [{type, oid, name}]}. Read-only,
    in a transaction (or savepoint) that is rolled back, with an empty search_path."""
    out: list[AdvisorFinding] = []
    with conn.transaction(force_rollback=True):
        db.query_all(conn, db.sql_file("validate/advisor/session.sql"))
        for lint in LINTS:
            out += cast(
                list[AdvisorFinding],
                db.query_all(conn, db.sql_file(f"validate/advisor/{lint}.sql"), _params()),
            )
    return out


def inventory(conn: db.Conn) -> dict[str, list[int]]:
    """The oids of every object a finding can name, by type (what was there before the run)."""
    objects: dict[str, list[int]] = {}
    for row in db.query_all(conn, db.sql_file("validate/advisor/objects.sql"), _params()):
        objects.setdefault(row["type"], []).append(int(row["oid"]))
    return objects


def baseline(conn: db.Conn) -> AdvisorBaseline:
    """What preflight records: the findings before the run and the objects that were there."""
    return AdvisorBaseline(findings=findings(conn), objects=inventory(conn))


def created_objects(
    conn: db.Conn,
    *,
    policies: Iterable[tuple[str, str]] = (),
    functions: Iterable[str] = (),
    indexes: Iterable[str] = (),
    rls_tables: Iterable[str] = (),
) -> list[AdvisorObject]:
    """The oids of objects a tool has just created in menuca_v3, to journal in its record (RECORD_KEY):
    policies as (table, name), functions and indexes by name, tables whose RLS the tool turned on."""
    pairs = list(policies)
    rows = db.query_all(
        conn,
        db.sql_file("validate/advisor/created.sql"),
        {
            "policy_tables": [t for t, _ in pairs],
            "policy_names": [n for _, n in pairs],
            "functions": list(functions),
            "indexes": list(indexes),
            "rls_tables": list(rls_tables),
        },
    )
    return cast(list[AdvisorObject], rows)


def created_by_apply_rls(conn: db.Conn, design: RlsDesign, record: ApplyRlsRecord) -> list[AdvisorObject]:
    """apply_rls' own objects after its commit: its policies and helpers, the backing indexes it built,
    and the tables whose RLS was off in its snapshot (it turned them on)."""
    flags = record.snapshot.rls_flags if record.snapshot else {}
    return created_objects(
        conn,
        policies=[(p.table, p.name) for p in design.policies],
        functions=design.functions,
        indexes=record.indexes_built,
        rls_tables=[t for t in design.tables if not ((flag := flags.get(t)) and flag["enabled"])],
    )


# -- validate: this run's findings against preflight's ---------------------------------------------------


Judged = tuple[AdvisorFinding, list[Origin]]  # a finding and the origin of each object it names


@dataclass
class Verdicts:
    """The current findings sorted by who made them (each with the origins of its objects)."""

    introduced: list[Judged] = field(default_factory=list)  # this run's objects alone, or with unknown ones
    beside_preexisting: list[Judged] = field(default_factory=list)  # this run's objects beside older ones
    elsewhere: list[Judged] = field(default_factory=list)  # new since preflight, no object of this run
    preexisting: list[Judged] = field(default_factory=list)  # present at preflight, no object of this run
    resolved: list[AdvisorFinding] = field(default_factory=list)  # present at preflight, gone now


def run_objects(ctx: StepContext, env: Env) -> set[tuple[str, int]]:
    """(type, oid) of every object this run's creating tools recorded for the environment."""
    out: set[tuple[str, int]] = set()
    for tool in CREATING_TOOLS:
        ticket = ticket_for(tool, env)
        if ticket is None:
            continue
        for record in ctx.records(CreatedObjects, ticket.id):
            out |= {(str(o["type"]), int(o["oid"])) for o in record.advisor_created}
    return out


def judge(
    now: Sequence[AdvisorFinding], before: AdvisorBaseline | None, run: set[tuple[str, int]]
) -> Verdicts:
    """Sort findings: any object of this run makes a finding the run's (a FAIL), unless every other
    object in it was there at preflight (a warning: the run put its object beside an older one); a
    finding without objects of this run is pre-existing when preflight had it, else new elsewhere."""
    known: set[tuple[str, int]] | None = None
    keys: set[tuple[str, str]] = set()
    if before is not None:
        known = {(t, int(oid)) for t, oids in before.objects.items() for oid in oids}
        keys = {(f["kind"], f["key"]) for f in before.findings}

    def origin(obj: AdvisorObject) -> Origin:
        ident = (str(obj["type"]), int(obj["oid"]))
        if ident in run:
            return "this run"
        if known is None or ident in known:
            return "before the run"
        return "since preflight"

    verdicts = Verdicts()
    for finding in now:
        origins = [origin(o) for o in finding["objects"]]
        if "this run" in origins:
            others = {o for o in origins if o != "this run"}
            bucket = verdicts.beside_preexisting if others == {"before the run"} else verdicts.introduced
        elif (finding["kind"], finding["key"]) in keys or known is None:
            bucket = verdicts.preexisting
        else:
            bucket = verdicts.elsewhere
        bucket.append((finding, origins))
    current = {(f["kind"], f["key"]) for f in now}
    verdicts.resolved = [
        f for f in (before.findings if before else []) if (f["kind"], f["key"]) not in current
    ]
    return verdicts


def describe(judged: Judged) -> str:
    """One sentence: the lint, what it found, and each object it names with its origin."""
    finding, origins = judged
    names = [f"{o['name']} ({origin})" for o, origin in zip(finding["objects"], origins, strict=True)]
    return f"{finding['kind']}: {finding['detail']}: {', '.join(names)}"


def brief(judged: Judged) -> str:
    """The same, short enough for a line of the log: the lint, its key and the objects' last names."""
    finding, origins = judged
    names = [
        f"{str(o['name']).rsplit('.', 1)[-1]} ({origin})"
        for o, origin in zip(finding["objects"], origins, strict=True)
    ]
    return f"{finding['kind']} {finding['key']}: {', '.join(names)}"


def checks(
    ctx: StepContext, env: Env, conn: db.Conn, baseline_env: Baseline
) -> tuple[list[Check], list[str]]:
    """validate's advisor checks and the lines its log shows: a finding made by this run's objects
    FAILs naming them; one where they meet pre-existing objects, and one that appeared since preflight
    without them, pass with a warning; pre-existing findings are reported."""
    before = baseline_env.advisor
    verdicts = judge(findings(conn), before, run_objects(ctx, env))

    def texts(found: list[Judged]) -> list[str]:
        return [describe(j) for j in found]

    def warning(found: list[Judged], what: str) -> str | None:
        if not found:
            return None
        shown = "; ".join(texts(found[:3])) + (f"; and {len(found) - 3} more" if len(found) > 3 else "")
        return f"{len(found)} advisor finding(s) {what}: {shown}"

    out = [
        check(
            "advisor: no finding made by this run's objects (by recorded oid)", [], texts(verdicts.introduced)
        ),
        check(
            "advisor: findings where this run's objects meet objects that were there before it",
            "reported as a warning",
            texts(verdicts.beside_preexisting),
            passed=True,
            warning=warning(verdicts.beside_preexisting, "where this run's objects meet pre-existing ones"),
        ),
        check(
            "advisor: findings that appeared since preflight without this run's objects",
            "reported as a warning",
            texts(verdicts.elsewhere),
            passed=True,
            warning=warning(verdicts.elsewhere, "appeared since preflight without this run's objects"),
        ),
        check(
            "advisor: findings present at preflight (not this run's; reported, not a gate)",
            "reported",
            texts(verdicts.preexisting),
            passed=True,
        ),
    ]
    if before is None:
        out.append(
            check(
                "advisor: preflight recorded the findings before the run",
                True,
                False,
                passed=True,
                warning="this run's preflight recorded no advisor baseline: every finding without an object "
                "of this run is reported as pre-existing",
            )
        )
    lines = [
        f"advisor findings: {len(verdicts.introduced)} made by this run, {len(verdicts.beside_preexisting)} beside "
        f"pre-existing objects, {len(verdicts.elsewhere)} new elsewhere since preflight, "
        f"{len(verdicts.preexisting)} pre-existing, {len(verdicts.resolved)} resolved since preflight",
        *(f"advisor, made by this run: {brief(j)}" for j in verdicts.introduced),
        *(f"advisor, beside pre-existing objects: {brief(j)}" for j in verdicts.beside_preexisting),
        *(f"advisor, new since preflight: {brief(j)}" for j in verdicts.elsewhere),
        *(f"advisor, pre-existing: {brief(j)}" for j in verdicts.preexisting),
    ]
    return out, lines


# -- apply_rls: the policies per table, role and command --------------------------------------------------


def _commands(cmd: str) -> tuple[str, ...]:
    return COMMANDS if cmd.upper() == "ALL" else (cmd.upper(),)


def policies_by_command(design: RlsDesign, preexisting: Sequence[PolicyRow]) -> list[PolicyCommand]:
    """Every (table, role, command) the plan's policies or the kept ones apply to, with the permissive and
    restrictive policies that apply (a FOR ALL policy counts for each command; a policy TO PUBLIC is
    listed under the role public), and which of them are pre-existing."""
    rows: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(table: str, name: str, cmd: str, roles: Iterable[str], permissive: bool, kept: bool) -> None:
        for role in roles:
            for command in _commands(cmd):
                empty: dict[str, list[str]] = {"permissive": [], "restrictive": [], "preexisting": []}
                row = rows.setdefault(
                    (table, role, command), {"table": table, "role": role, "command": command, **empty}
                )
                row["permissive" if permissive else "restrictive"].append(name)
                if kept:
                    row["preexisting"].append(name)

    for spec in design.policies:
        add(spec.table, spec.name, spec.cmd, spec.roles, spec.permissive, kept=False)
    for policy in preexisting:
        add(
            policy["table"],
            policy["name"],
            str(policy["cmd"]),
            policy["roles"],
            policy["permissive"] == "PERMISSIVE",
            kept=True,
        )
    order = {c: i for i, c in enumerate(COMMANDS)}
    return [
        PolicyCommand.model_validate(rows[k]) for k in sorted(rows, key=lambda k: (k[0], k[1], order[k[2]]))
    ]


def one_permissive_check(commands: Sequence[PolicyCommand]) -> Check:
    """apply_rls' plan gives each table, role and command at most one permissive policy of its own; a
    pre-existing permissive policy that would apply beside one of ours (directly or TO PUBLIC) is a
    warning (the advisor will report that pair as a finding beside a pre-existing object)."""
    own = [
        f"{r.table} {r.role} {r.command}: {', '.join(r.permissive)}"
        for r in commands
        if len([n for n in r.permissive if n not in r.preexisting]) > 1
    ]
    by_key = {(r.table, r.role, r.command): r for r in commands}
    beside: list[str] = []
    for (table, role, command), row in by_key.items():
        if role not in API_ROLES:
            continue
        public_row = by_key.get((table, "public", command))
        public = public_row.permissive if public_row else []
        names = [*row.permissive, *public]
        if len(names) > 1 and any(n not in row.preexisting and n not in public for n in names):
            beside.append(f"{table} {role} {command}: {', '.join(names)}")
    return check(
        "at most one permissive policy of apply_rls per table, role and command",
        [],
        own,
        warning=f"pre-existing permissive policies apply beside ours: {'; '.join(sorted(beside))}"
        if beside
        else None,
    )
