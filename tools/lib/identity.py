"""Which database a session is on, however its DSN is spelt: two DSNs name the same database when the
server's system_identifier, its start time and the database name are equal, and the same server
when only the name differs (SPEC.md §3). Used by preflight, the guard's probes and the advisory locks."""

from __future__ import annotations

from dataclasses import dataclass

from server import db
from server.runbook import Env


@dataclass(frozen=True)
class DatabaseIdentity:
    system_identifier: str
    postmaster_start: str
    datname: str

    @property
    def server(self) -> tuple[str, str]:
        """One running PostgreSQL server (clusters cloned from one base backup share the identifier but
        not the start time)."""
        return (self.system_identifier, self.postmaster_start)

    def describe(self) -> str:
        return f"{self.datname} on server {self.system_identifier}, up since {self.postmaster_start}"


def identity_of(conn: db.Conn) -> DatabaseIdentity:
    row = db.query_one(conn, db.sql_file("common/identity.sql"))
    assert row is not None  # a SELECT without FROM always returns its row
    return DatabaseIdentity(
        system_identifier=str(row["system_identifier"]),
        postmaster_start=str(row["postmaster_start"]),
        datname=str(row["datname"]),
    )


SAME_DATABASE_FIX = (
    "a human must point MENUCA_PRODUCTION_DSN (or MENUCA_STAGING_DSN) at the other database and restart "
    "the server; calling preflight again before that returns the same FAIL"
)
SAME_SERVER_FIX = (
    "a human must move one of them to another server, or set MENUCA_ALLOW_SAME_SERVER=true (or "
    "--allow-same-server) if sharing one server is intended, and restart the server; calling preflight "
    "again before that returns the same FAIL"
)


def same_database_problem(identities: dict[Env, DatabaseIdentity]) -> str | None:
    """Why staging and production are not two databases (None: they are, or one is unknown)."""
    staging, production = identities.get("staging"), identities.get("production")
    if staging is None or production is None or staging != production:
        return None
    return (
        f"staging and production are the same database ({staging.describe()}), however their DSNs are "
        f"spelt: {SAME_DATABASE_FIX}"
    )


def same_server_problem(identities: dict[Env, DatabaseIdentity], allow_same_server: bool) -> str | None:
    """Why staging and production may not share their server (None: they do not, or it is allowed)."""
    staging, production = identities.get("staging"), identities.get("production")
    if staging is None or production is None or staging == production or allow_same_server:
        return None
    if staging.server != production.server:
        return None
    return (
        f"staging ({staging.datname}) and production ({production.datname}) are two databases of one running "
        f"PostgreSQL server ({staging.system_identifier}, up since {staging.postmaster_start}), and "
        f"MENUCA_ALLOW_SAME_SERVER is false: {SAME_SERVER_FIX}"
    )


def configuration_problem(identities: dict[Env, DatabaseIdentity], allow_same_server: bool) -> str | None:
    return same_database_problem(identities) or same_server_problem(identities, allow_same_server)
