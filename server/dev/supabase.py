"""A Supabase-shaped embedded cluster (SPEC.md §15): supabase_admin owns auth and grants defaults."""

from __future__ import annotations

from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from server.db import SQL_DIR
from server.dev.embedded_pg import APP_ROLE, DATABASES, EmbeddedPostgres
from server.dev.seed import seed_database

ADMIN_ROLE = "supabase_admin"


def _statement(name: str) -> sql.Composed:
    text = (SQL_DIR / "supabase" / name).read_text(encoding="utf-8")
    return sql.SQL(text).format(working_role=sql.Identifier(APP_ROLE))


def _run_as(admin_dsn: str, user: str, dbname: str, name: str) -> None:
    """Run sql/supabase/<name> in dbname as `user` (trust auth over the cluster's private socket)."""
    with psycopg.connect(make_conninfo(admin_dsn, user=user, dbname=dbname), autocommit=True) as conn:
        conn.execute(_statement(name))


def shape_cluster(admin_dsn: str) -> None:
    """Give a cluster Supabase's roles; the working role loses nothing but never becomes a superuser."""
    _run_as(admin_dsn, "postgres", "postgres", "cluster_roles.sql")


def before_seed(admin_dsn: str, dbname: str) -> None:
    """Schema auth owned by supabase_admin, with Supabase's auth.jwt() and auth.uid()."""
    _run_as(admin_dsn, ADMIN_ROLE, dbname, "auth_schema.sql")


def after_seed(admin_dsn: str, dbname: str) -> None:
    """supabase_admin's default privileges in menuca_v3 (the schema exists once seeded)."""
    _run_as(admin_dsn, ADMIN_ROLE, dbname, "default_privileges.sql")


def seed_supabase_database(
    admin_dsn: str, dbname: str, dsn: str, *, scale: float, seed: int, production: bool = False
) -> None:
    """Seed dbname (owned by the working role) the way it looks on Supabase."""
    before_seed(admin_dsn, dbname)
    seed_database(dsn, scale=scale, seed=seed, production=production)
    after_seed(admin_dsn, dbname)


def create_cluster(parent: Path | None = None, databases: tuple[str, ...] = DATABASES) -> EmbeddedPostgres:
    """A new embedded cluster in the Supabase shape (its databases still empty)."""
    cluster = EmbeddedPostgres.create(parent, databases=databases)
    try:
        shape_cluster(cluster.admin_dsn)
    except BaseException:
        cluster.stop()
        raise
    return cluster
