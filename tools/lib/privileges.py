"""The privileges the run needs (SPEC.md §15): each one the role lacks is a failed preflight check
whose `actual` names the statement that grants it; blindness to other sessions is a warning."""

from __future__ import annotations

from typing import Any

from psycopg import sql

from server import db
from server.runbook import Env
from tools.results import Check
from tools.step import check

SQL_FILES = ("preflight/role_privileges.sql",)
GRANTED = "granted"


def _ident(conn: db.Conn, name: str) -> str:
    return sql.Identifier(name).as_string(conn)


def _lacks(name: str, what: str, fix: str, by: str = "") -> Check:
    return check(name, GRANTED, f"missing {what}: run `{fix}`" + (f" {by}" if by else ""), passed=False)


def checks(env: Env, conn: db.Conn) -> list[Check]:
    """One check per privilege of the run; a lacking one fails and says how to grant it."""
    facts: dict[str, Any] | None = db.query_one(conn, db.sql_file("preflight/role_privileges.sql"))
    assert facts is not None
    role = _ident(conn, facts["role"])
    database = _ident(conn, facts["database"])
    as_admin = f"as {facts['database_owner']} or a superuser"
    out: list[Check] = []

    name = f"{env}: may create the menuca_migrate bookkeeping schema (CREATE on database {facts['database']})"
    if facts["bookkeeping_exists"] and not facts["bookkeeping_owned"]:
        out.append(
            _lacks(
                name,
                f"ownership of the existing schema menuca_migrate (owner {facts['bookkeeping_owner']})",
                f"ALTER SCHEMA menuca_migrate OWNER TO {role};",
                f"as {facts['bookkeeping_owner']} or a superuser",
            )
        )
    elif not facts["bookkeeping_exists"] and not facts["database_create"]:
        out.append(
            _lacks(
                name, "CREATE on the database", f"GRANT CREATE ON DATABASE {database} TO {role};", as_admin
            )
        )
    else:
        out.append(check(name, GRANTED, GRANTED))

    name = f"{env}: may create the backup's scratch database (CREATEDB)"
    if facts["createdb"]:
        out.append(check(name, GRANTED, GRANTED))
    else:
        out.append(
            _lacks(
                name,
                "CREATEDB (the backup is verified by a restore into a scratch database)",
                f"ALTER ROLE {role} CREATEDB;",
                "as a superuser",
            )
        )

    name = f"{env}: owns every table, sequence, view, function and type in menuca_v3 and staging"
    if facts["not_owned_count"]:
        shown = "; ".join(facts["not_owned"])
        more = facts["not_owned_count"] - len(facts["not_owned"])
        out.append(
            _lacks(
                name,
                f"ownership of {facts['not_owned_count']} object(s): {shown}"
                + (f" and {more} more" if more else ""),
                " ".join(facts["ownership_fixes"]) + (" …" if more else ""),
                "as each one's owner or a superuser",
            )
        )
    else:
        out.append(check(name, GRANTED, GRANTED))

    name = f"{env}: may create in schemas menuca_v3 and staging (USAGE and CREATE)"
    if facts["schemas_without_create"]:
        schemas = ", ".join(_ident(conn, s) for s in facts["schemas_without_create"])
        out.append(
            _lacks(
                name, f"USAGE and CREATE on {schemas}", f"GRANT USAGE, CREATE ON SCHEMA {schemas} TO {role};"
            )
        )
    else:
        out.append(check(name, GRANTED, GRANTED))

    name = f"{env}: roles anon, authenticated, service_role exist"
    if facts["roles_missing"]:
        create = " ".join(
            f"CREATE ROLE {_ident(conn, r)} NOLOGIN{' BYPASSRLS' if r == 'service_role' else ''};"
            for r in facts["roles_missing"]
        )
        out.append(_lacks(name, f"role(s) {', '.join(facts['roles_missing'])}", create, "as a superuser"))
    else:
        out.append(check(name, GRANTED, GRANTED))

    name = f"{env}: may SET ROLE anon and authenticated (the RLS tests run as them)"
    if facts["roles_not_settable"]:
        members = ", ".join(_ident(conn, r) for r in facts["roles_not_settable"])
        out.append(
            _lacks(
                name,
                f"membership in {members}",
                f"GRANT {members} TO {role};",
                "as a superuser or their admin",
            )
        )
    else:
        out.append(check(name, GRANTED, GRANTED))

    name = f"{env}: auth.jwt() and auth.uid() exist and {facts['role']}, anon and authenticated may call them"
    if facts["auth_missing"]:
        out.append(
            check(
                name,
                GRANTED,
                f"missing {', '.join(facts['auth_missing'])}: on Supabase they come with the project; "
                "elsewhere `menuca-migrate seed` creates stand-ins (sql/seed/00_supabase_standins.sql)",
                passed=False,
            )
        )
    elif facts["auth_not_callable"]:
        grantees = ", ".join(_ident(conn, r) for r in facts["auth_not_callable"])
        out.append(
            _lacks(
                name,
                f"USAGE on schema auth or EXECUTE on its functions for {grantees}",
                f"GRANT USAGE ON SCHEMA auth TO {grantees}; GRANT EXECUTE ON FUNCTION auth.jwt(), auth.uid() "
                f"TO {grantees};",
                "as the owner of schema auth",
            )
        )
    else:
        out.append(check(name, GRANTED, GRANTED))

    name = f"{env}: sees other roles' sessions (pg_monitor or pg_read_all_stats)"
    if facts["sees_all_sessions"]:
        out.append(check(name, GRANTED, GRANTED))
    else:
        out.append(
            Check(
                name=name,
                expected=GRANTED,
                actual=f"missing: run `GRANT pg_read_all_stats TO {role};` (or pg_monitor) to see them",
                passed=True,
                warning="the role sees only its own sessions: the long-transaction check before index builds "
                "and the idle-in-transaction health trigger are blind to other roles' transactions",
            )
        )

    foreign = list(facts["foreign_default_acl_roles"])
    out.append(
        check(
            f"{env}: default privileges other roles hold in menuca_v3 and staging (kept, never replayed)",
            "reported",
            foreign or "none",
            passed=True,
        )
    )
    return out
