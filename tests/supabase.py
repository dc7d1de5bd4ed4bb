"""The Supabase-shaped test cluster: supabase_admin owns auth and grants defaults; we are no superuser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from server.dev import supabase
from tests.conftest import TestCluster


@dataclass
class SupabaseCluster(TestCluster):
    """A TestCluster whose templates are seeded the way a Supabase project holds the dataset."""

    __test__ = False

    def seed(self, name: str, dsn: str, scale: float, production: bool) -> None:
        supabase.seed_supabase_database(self.admin_dsn, name, dsn, scale=scale, seed=1, production=production)


def start() -> Iterator[SupabaseCluster]:
    """A fresh embedded cluster in the Supabase shape for the session (always ours: it creates roles)."""
    embedded = supabase.create_cluster(databases=())
    try:
        yield SupabaseCluster(
            admin_dsn=embedded.admin_dsn, app_dsn_template=embedded.dsn("postgres"), embedded=embedded
        )
    finally:
        embedded.stop()
