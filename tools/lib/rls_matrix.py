"""The RLS test matrix: every test of sql/apply_rls/tests/matrix.sql run as the real API role (`anon`
or `authenticated`) with JWT claims, never as the table owner, in savepoints of one transaction that
is always rolled back; plus the proof that it left every row and sequence as it was.

Used by apply_rls (tickets 03 and 08) after its commit, by validate (`run_matrix(conn)`;
`run_matrix_report(conn)` adds the unchanged-data proof), and by the health sample (`run_subset`).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, LiteralString, cast

import pglast
import psycopg
from psycopg import sql
from psycopg.rows import dict_row, tuple_row

from server import db
from server.db import Conn
from tools.lib.causes import Cause, cause_of
from tools.lib.per_table import per_table
from tools.results import RlsTest

MATRIX_FILE = "apply_rls/tests/matrix.sql"
SQL_FILES = (
    MATRIX_FILE,
    "apply_rls/tests/fixtures.sql",
    "apply_rls/tests/id_bases.sql",
    "apply_rls/tests/setup.sql",
    "apply_rls/tests/expected_counts.sql",
    "apply_rls/tests/session.sql",
    "apply_rls/tests/become.sql",
    "apply_rls/tests/whoami.sql",
    "apply_rls/tests/checksums.sql",
    "apply_rls/tests/sequences.sql",
    "common/tables.sql",
)
# Matrix ids start this far above each table's max(id): far from real rows and from rows that live
# traffic inserts while the matrix runs.
ID_OFFSET = 1_000_000
# Live traffic may hold a row the matrix touches: never wait long for it, never run away.
LOCK_TIMEOUT = "2s"
STATEMENT_TIMEOUT = "30s"
RLS_VIOLATION = "42501"
# every test of the matrix starts by rolling back to this savepoint
TEST_SAVEPOINT = sql.SQL("SAVEPOINT {}").format(sql.Identifier("menuca_rls_test"))
BACK_TO_TEST_SAVEPOINT = sql.SQL("ROLLBACK TO SAVEPOINT {}").format(sql.Identifier("menuca_rls_test"))

Action = Literal["read", "insert", "update", "delete", "move"]
Proof = Literal["rows", "42501"]
ACTIONS: tuple[Action, ...] = ("read", "insert", "update", "delete", "move")


class MatrixError(Exception):
    """Raised when the matrix cannot run at all (its file is malformed, or the data has no tenants)."""


@dataclass(frozen=True)
class Identity:
    """Who a test runs as: the Postgres role PostgREST would switch to, and the JWT claims it sets."""

    role: Literal["anon", "authenticated"]
    description: str
    claims: Mapping[str, Any] | None  # values "{param}" are replaced by the fixture value


def _sub(name: str) -> str:
    """A stable auth identity (uuid) for a test identity that has no users row."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"menuca-migrate:rls-matrix:{name}"))


# The identity model of MENUCA_FACTS.md: tenant and admin live in app_metadata (server-set); the
# top-level `role` claim is only the Postgres role. The last five must grant nothing extra.
IDENTITIES: dict[str, Identity] = {
    "anon": Identity("anon", "none (anon, no claims)", None),
    "tenant_a": Identity(
        "authenticated",
        "tenant A",
        {"sub": _sub("tenant_a"), "role": "authenticated", "app_metadata": {"restaurant_id": "{tenant_a}"}},
    ),
    "tenant_b": Identity(
        "authenticated",
        "tenant B",
        {"sub": _sub("tenant_b"), "role": "authenticated", "app_metadata": {"restaurant_id": "{tenant_b}"}},
    ),
    "admin": Identity(
        "authenticated",
        "platform admin",
        {"sub": _sub("admin"), "role": "authenticated", "app_metadata": {"platform_admin": True}},
    ),
    "end_user": Identity("authenticated", "end user", {"sub": "{end_user_auth}", "role": "authenticated"}),
    "anon_claiming_tenant_a": Identity(
        "anon",
        "anon with a forged tenant A claim",
        {"role": "anon", "app_metadata": {"restaurant_id": "{tenant_a}"}},
    ),
    "anon_claiming_end_user": Identity(
        "anon", "anon with the end user's sub", {"role": "anon", "sub": "{end_user_auth}"}
    ),
    "legacy_claims": Identity(
        "authenticated",
        "the original scripts' claims (top-level role=admin, restaurant_id)",
        {"sub": _sub("legacy"), "role": "admin", "restaurant_id": "{tenant_a}"},
    ),
    "user_metadata_claims": Identity(
        "authenticated",
        "tenant and admin claimed in user_metadata",
        {
            "sub": _sub("user_metadata"),
            "role": "authenticated",
            "user_metadata": {"restaurant_id": "{tenant_a}", "platform_admin": True},
        },
    ),
    "admin_string_claim": Identity(
        "authenticated",
        'platform_admin as the string "true"',
        {"sub": _sub("admin_string"), "role": "authenticated", "app_metadata": {"platform_admin": "true"}},
    ),
}


@dataclass(frozen=True)
class MatrixTest:
    """One block of matrix.sql."""

    name: str
    identity: str
    table: str
    action: Action
    expect: Literal["allow", "deny"]
    proof: Proof
    rows: str | None
    statement: str


@dataclass
class MatrixReport:
    """The tests, and the owner's checksums and sequence values around them."""

    tests: list[RlsTest]
    checksums_before: dict[str, str] = field(default_factory=dict)
    checksums_after: dict[str, str] = field(default_factory=dict)
    sequences_before: dict[str, int | None] = field(default_factory=dict)
    sequences_after: dict[str, int | None] = field(default_factory=dict)
    # why failing tests failed when the cause is not the policies (a timeout, a lock, a lost
    # connection): the advice must name that, not "fix the policies"
    environment_causes: list[Cause] = field(default_factory=list)

    @property
    def passed(self) -> int:
        return sum(1 for t in self.tests if t.passed)

    @property
    def failed(self) -> list[RlsTest]:
        return [t for t in self.tests if not t.passed]

    @property
    def changed_tables(self) -> list[str]:
        keys = sorted(set(self.checksums_before) | set(self.checksums_after))
        return [k for k in keys if self.checksums_before.get(k) != self.checksums_after.get(k)]

    @property
    def advanced_sequences(self) -> list[str]:
        keys = sorted(set(self.sequences_before) | set(self.sequences_after))
        return [k for k in keys if self.sequences_before.get(k) != self.sequences_after.get(k)]

    @property
    def ok(self) -> bool:
        return (
            bool(self.tests) and not self.failed and not self.changed_tables and not self.advanced_sequences
        )


# -- the matrix file -----------------------------------------------------------------------------------

_HEADER = re.compile(r"^--\s*(test|as):\s*(.*)$")


def split_with_placeholders(text: str) -> list[str]:
    """Statements of a file holding psycopg placeholders, which the parser would reject: split by
    pglast's scanner (it knows quoting and dollar quotes) instead."""
    return [s.strip() for s in pglast.split(text, with_parser=False) if s.strip()]


@cache
def load_tests() -> tuple[MatrixTest, ...]:
    """The tests of matrix.sql, in file order; a malformed block is a MatrixError, never skipped."""
    tests: list[MatrixTest] = []
    for chunk in split_with_placeholders(db.sql_text(MATRIX_FILE)):
        name: str | None = None
        fields: dict[str, str] = {}
        body: list[str] = []
        for line in chunk.splitlines():
            match = _HEADER.match(line.strip())
            if match and match.group(1) == "test":
                name, fields, body = match.group(2).strip(), {}, []
            elif match:
                for part in match.group(0).split("|"):
                    key, _, value = part.strip().removeprefix("--").strip().partition(":")
                    fields[key.strip()] = value.strip()
            elif not line.strip().startswith("--"):
                body.append(line)
        if name is None:
            raise MatrixError(f"{MATRIX_FILE}: a statement without a '-- test:' header: {chunk[:80]!r}")
        tests.append(_test(name, fields, "\n".join(body).strip()))
    names = [t.name for t in tests]
    if len(set(names)) != len(names):
        raise MatrixError(f"{MATRIX_FILE}: duplicate test names")
    return tuple(tests)


def _test(name: str, fields: dict[str, str], statement: str) -> MatrixTest:
    where = f"{MATRIX_FILE}, test {name!r}"
    action, expect, identity = fields.get("action"), fields.get("expect"), fields.get("as", "")
    if action not in ACTIONS or expect not in ("allow", "deny") or identity not in IDENTITIES:
        raise MatrixError(
            f"{where}: needs as: <identity>, action: <{'|'.join(ACTIONS)}>, expect: <allow|deny>"
        )
    if not fields.get("table") or not statement:
        raise MatrixError(f"{where}: needs a table and one statement")
    proof = fields.get("proof") or ("42501" if action in ("insert", "move") else "rows")
    if proof not in ("rows", RLS_VIOLATION):
        raise MatrixError(f"{where}: proof must be rows or {RLS_VIOLATION}")
    return MatrixTest(
        name=name,
        identity=identity,
        table=fields["table"],
        action=action,
        expect=cast(Literal["allow", "deny"], expect),
        proof=cast(Proof, proof),
        rows=fields.get("rows") or None,
        statement=statement,
    )


# -- running it ----------------------------------------------------------------------------------------


def run_matrix(conn: Conn) -> list[RlsTest]:
    """Run every test on an idle owner connection; nothing it does is ever committed."""
    return _run(conn)[0]


def run_subset(conn: Conn, names: tuple[str, ...]) -> list[RlsTest]:
    """Run the named tests only (the health sample's isolation check), in one always-rolled-back
    transaction as run_matrix does; a name the matrix does not have is a MatrixError."""
    by_name = {t.name: t for t in load_tests()}
    missing = [name for name in names if name not in by_name]
    if missing:
        raise MatrixError(f"{MATRIX_FILE} has no test named {missing[0]!r}")
    return _run(conn, tuple(by_name[name] for name in names))[0]


def run_matrix_report(conn: Conn) -> MatrixReport:
    """run_matrix between two owner readings of every table's checksum and every sequence's value."""
    before, seq_before = _fingerprint(conn)
    tests, causes = _run(conn)
    after, seq_after = _fingerprint(conn)
    return MatrixReport(tests, before, after, seq_before, seq_after, causes)


def _fingerprint(conn: Conn) -> tuple[dict[str, str], dict[str, int | None]]:
    with conn.transaction(force_rollback=True):
        sums = per_table(conn, "apply_rls/tests/checksums.sql", ["menuca_v3"])
        seqs = db.query_all(conn, db.sql_file("apply_rls/tests/sequences.sql"))
    return {r["table"]: r["checksum"] for r in sums}, {r["sequence"]: r["last_value"] for r in seqs}


def _run(conn: Conn, only: tuple[MatrixTest, ...] | None = None) -> tuple[list[RlsTest], list[Cause]]:
    tests = load_tests() if only is None else only
    if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        raise MatrixError("the matrix needs an idle connection (it opens and rolls back its own transaction)")
    results: list[RlsTest] = []
    causes: list[Cause] = []
    with conn.transaction(force_rollback=True):
        db.query_all(
            conn,
            db.sql_file("apply_rls/tests/session.sql"),
            {"lock_timeout": LOCK_TIMEOUT, "statement_timeout": STATEMENT_TIMEOUT},
        )
        owner = _whoami(conn)["role"]
        params = _fixtures(conn)
        for statement in split_with_placeholders(db.sql_text("apply_rls/tests/setup.sql")):
            conn.execute(_sql(statement), params)
        counts = db.query_one(conn, db.sql_file("apply_rls/tests/expected_counts.sql"), params)
        params.update(counts or {})
        # Every test starts by rolling back to this savepoint (which keeps it for the next): the role,
        # the claims and whatever the test before did end there; the last test's, after the loop.
        conn.execute(TEST_SAVEPOINT)
        for test in tests:
            result, cause = _run_one(conn, test, params)
            results.append(result)
            if cause is not None:
                causes.append(cause)
        conn.execute(BACK_TO_TEST_SAVEPOINT)
        if _whoami(conn)["role"] != owner:  # savepoints end SET LOCAL ROLE; prove it did
            raise MatrixError(f"the session did not return to {owner} after the tests")
    return results, causes


def _fixtures(conn: Conn) -> dict[str, Any]:
    row = db.query_one(conn, db.sql_file("apply_rls/tests/fixtures.sql"))
    if row is None or row["tenant_a"] is None or row["tenant_b"] is None:
        raise MatrixError(
            "the data has fewer than two restaurants with dishes: tenants A and B cannot be chosen"
        )
    params: dict[str, Any] = dict(row)
    for base in per_table(conn, "apply_rls/tests/id_bases.sql", ["menuca_v3"], {"offset": ID_OFFSET}):
        params[f"new_{base['table']}"] = int(base["base"])
    # Tenants without an inactive (or active) real dish fall back to the matrix's own rows.
    params["a_inactive_dish"] = params["a_inactive_dish"] or params["new_dishes"] + 1
    params["b_inactive_dish"] = params["b_inactive_dish"] or params["new_dishes"] + 2
    params["a_active_dish"] = params["a_active_dish"] or params["new_dishes"] + 3
    params["b_active_dish"] = params["b_active_dish"] or params["new_dishes"] + 3
    for name in ("active_restaurant", "hidden_restaurant", "no_twilio_restaurant"):
        if params[name] is None:
            raise MatrixError(f"the data has no restaurant to use as {name}")
    params["end_user_inserted"] = params["end_user_id"] is None
    if params["end_user_inserted"]:  # no users row is linked to auth: the matrix links one of its own
        params["end_user_id"] = params["new_users"] + 10
        params["end_user_auth"] = _sub("end_user")
    return params


def _claims(identity: Identity, params: Mapping[str, Any]) -> str:
    if identity.claims is None:
        return ""

    def fill(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: fill(v) for k, v in value.items()}
        if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
            return params[value[1:-1]]
        return value

    return json.dumps(fill(dict(identity.claims)))


@dataclass
class _Observed:
    count: int | None = None
    error: psycopg.Error | None = None


def _run_one(conn: Conn, test: MatrixTest, params: dict[str, Any]) -> tuple[RlsTest, Cause | None]:
    """The test's result, and the cause of its failure when that lies outside the policies. Rolls back to
    the test savepoint first and leaves its own work to the next roll back: two round trips, four for
    a denial."""
    identity = IDENTITIES[test.identity]
    control: _Observed | None = None
    observed = _Observed()
    if test.expect == "deny":
        # The same statement as the owner first: a denial is only proof when the row is there and the
        # statement itself is valid (rolled back at once, in the round trip that switches the role).
        conn.execute(BACK_TO_TEST_SAVEPOINT)
        control = _execute(conn, test, params)
    who = _become(conn, identity, params)
    if _as_role(who, identity.role):
        observed = _execute(conn, test, params)  # an error aborts only the savepoint's work
    passed, actual = _judge(test, identity, who, observed, control, params)
    causes = [cause_of(e) for e in (control.error if control else None, observed.error) if e is not None]
    outside = next((c for c in causes if c.environmental), None)
    result = RlsTest(
        name=test.name,
        role=identity.role,
        identity=identity.description,
        table=test.table,
        action=test.action,
        expected=test.expect,
        actual=actual,
        passed=passed,
    )
    return result, None if passed else outside


def _execute(conn: Conn, test: MatrixTest, params: dict[str, Any]) -> _Observed:
    """Run the test's statement at the test savepoint (an error leaves it to be rolled back to)."""
    try:
        with conn.cursor(row_factory=tuple_row) as cur:
            cur.execute(_sql(test.statement), params)
            if test.action == "read":
                row = cur.fetchone()
                return _Observed(count=int(row[0]) if row else 0)
            return _Observed(count=cur.rowcount)
    except psycopg.Error as exc:
        return _Observed(error=exc)


def _whoami(conn: Conn) -> dict[str, Any]:
    row = db.query_one(conn, db.sql_file("apply_rls/tests/whoami.sql"))
    return row or {}


def _become(conn: Conn, identity: Identity, params: Mapping[str, Any]) -> dict[str, Any]:
    """Roll back to the test savepoint, become the identity's role with its claims until the next roll
    back, and say who the session then is (whoami.sql). One round trip of separate statements, so that
    whoami runs only after the switch: a client-side cursor, since a prepared statement holds one; it
    binds the role and the claims' JSON, as literals quoted by libpq."""
    with psycopg.ClientCursor(conn, row_factory=dict_row) as cur:
        cur.execute(_become_and_whoami(), {"role": identity.role, "claims": _claims(identity, params)})
        while cur.nextset():  # to the last result, whoami's
            pass
        return cur.fetchone() or {}


@cache
def _become_and_whoami() -> sql.Composed:
    """_become's three statements, composed once."""
    return sql.SQL(";\n").join(
        [
            BACK_TO_TEST_SAVEPOINT,
            db.sql_file("apply_rls/tests/become.sql"),
            db.sql_file("apply_rls/tests/whoami.sql"),
        ]
    )


def _as_role(who: Mapping[str, Any], role: str) -> bool:
    return (
        who.get("role") == role
        and not who.get("superuser")
        and not who.get("bypassrls")
        and not who.get("owns_tables")
        and who.get("row_security") == "on"
    )


def _describe_error(error: psycopg.Error) -> str:
    message = error.diag.message_primary or str(error).strip().splitlines()[0]
    return f"{error.sqlstate} {message}"


def _judge(
    test: MatrixTest,
    identity: Identity,
    who: Mapping[str, Any],
    observed: _Observed,
    control: _Observed | None,
    params: Mapping[str, Any],
) -> tuple[bool, str]:
    if not _as_role(who, identity.role):
        return False, f"not run as {identity.role}: session was {dict(who)}"
    control_note = ""
    if control is not None:
        if control.error is not None:
            return False, f"owner control failed ({_describe_error(control.error)}): the test proves nothing"
        if not control.count:
            return False, "owner control saw 0 rows: the denial would be vacuous"
        control_note = f" (owner control: {control.count} row{'s' if control.count != 1 else ''})"
    error = observed.error
    if test.expect == "allow":
        if error is not None:
            return False, f"error {_describe_error(error)}"
        wanted = int(params[test.rows]) if test.rows else None
        count = observed.count or 0
        ok = count == wanted if wanted is not None else count >= 1
        detail = f" (expected {wanted})" if wanted is not None and not ok else ""
        return ok, f"allowed: {count} row{'s' if count != 1 else ''}{detail}"
    if test.proof == RLS_VIOLATION:
        if (
            error is not None
            and error.sqlstate == RLS_VIOLATION
            and "row-level security" in (error.diag.message_primary or "")
        ):
            return True, f"denied: {_describe_error(error)}{control_note}"
        if error is not None:
            return False, f"error {_describe_error(error)} (expected {RLS_VIOLATION} row-level security)"
        return False, f"allowed: {observed.count} row(s) (expected {RLS_VIOLATION} row-level security)"
    if error is not None:
        return False, f"error {_describe_error(error)} (expected 0 rows)"
    count = observed.count or 0
    return (
        count == 0,
        f"{'denied' if count == 0 else 'allowed'}: {count} row{'s' if count != 1 else ''}{control_note}",
    )


def _sql(text: str) -> sql.SQL:
    """A statement of a shipped sql/ file (trusted text) as a psycopg SQL object."""
    return sql.SQL(cast(LiteralString, text))  # type: ignore[redundant-cast]
