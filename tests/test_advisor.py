"""The advisor check of validate on a real PostgreSQL: each lint finds what it names (and not its look-alikes),
preflight records the findings before the run, a migrated staging and production have none made by the
run and report the seed's set_updated_at, a second permissive policy planted after ticket 03 fails
validate naming it, and a policy kept from before the run beside ours is a warning, not a failure."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg.rows import dict_row

from tools.lib import advisor

INTRODUCED = "advisor: no finding made by this run's objects (by recorded oid)"
BESIDE = "advisor: findings where this run's objects meet objects that were there before it"
ELSEWHERE = "advisor: findings that appeared since preflight without this run's objects"
PREEXISTING = "advisor: findings present at preflight (not this run's; reported, not a gate)"
SET_UPDATED_AT = "function_search_path_mutable: function menuca_v3.set_updated_at() has a mutable search_path (no SET search_path)"


def _findings(dsn: str) -> list[dict[str, Any]]:
    with psycopg.connect(dsn, autocommit=True, row_factory=dict_row) as conn:
        return advisor.findings(conn)


def _by_kind(found: list[dict[str, Any]], kind: str) -> dict[str, list[str]]:
    return {f["key"]: [o["name"] for o in f["objects"]] for f in found if f["kind"] == kind}


def _check(result: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in result["checks"] if c["name"] == name)


def _failed(result: dict[str, Any]) -> list[Any]:
    return [c for c in result["checks"] if not c["passed"]]


# -- the lints ---------------------------------------------------------------------------------------------

PLANTED = """
CREATE SCHEMA lint;
GRANT USAGE ON SCHEMA lint TO anon;
CREATE TABLE lint.t (id bigint PRIMARY KEY, owner_id uuid, parent_id bigint REFERENCES lint.t (id),
                     other_id bigint REFERENCES lint.t (id));
CREATE INDEX t_other ON lint.t (other_id);
CREATE INDEX t_owner_a ON lint.t (owner_id);
CREATE INDEX t_owner_b ON lint.t (owner_id);
CREATE INDEX t_owner_partial ON lint.t (owner_id) WHERE id > 0;
ALTER TABLE lint.t ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_one ON lint.t FOR SELECT TO authenticated USING (owner_id = auth.uid());
CREATE POLICY read_two ON lint.t FOR ALL TO authenticated USING (owner_id = (SELECT auth.uid()));
CREATE POLICY read_restrictive ON lint.t AS RESTRICTIVE FOR SELECT TO anon USING (true);
CREATE POLICY read_anon ON lint.t FOR SELECT TO anon USING (owner_id = (SELECT auth.uid()));
CREATE POLICY read_bypass ON lint.t FOR SELECT TO service_role USING (true);
CREATE POLICY read_bypass_two ON lint.t FOR SELECT TO service_role USING (true);
CREATE POLICY half_wrapped ON lint.t FOR UPDATE TO anon
    USING (owner_id = (SELECT auth.uid())) WITH CHECK (owner_id = auth.uid() OR (SELECT auth.jwt()) IS NULL);
CREATE TABLE lint.locked (id bigint PRIMARY KEY);
ALTER TABLE lint.locked ENABLE ROW LEVEL SECURITY;
CREATE TABLE lint.open (id bigint PRIMARY KEY);
CREATE POLICY ignored ON lint.open FOR SELECT USING (true);
CREATE FUNCTION lint.mutable() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION lint.pinned() RETURNS int LANGUAGE sql SET search_path = '' AS 'SELECT 1';
CREATE FUNCTION lint.definer() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = '' AS 'SELECT 1';
CREATE FUNCTION lint.definer_private() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = ''
    AS 'SELECT 1';
REVOKE EXECUTE ON FUNCTION lint.definer_private() FROM PUBLIC;
"""


def test_each_lint_finds_what_it_names_and_not_its_look_alikes(make_db: Callable[..., str]) -> None:
    dsn = make_db()
    before = _findings(dsn)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(PLANTED)
    found = [f for f in _findings(dsn) if f not in before]

    # a FOR ALL policy counts for SELECT; restrictive policies and roles that bypass RLS do not count
    assert _by_kind(found, "multiple_permissive_policies") == {
        "lint.t authenticated SELECT": ["lint.t.read_one", "lint.t.read_two"]
    }
    # one bare call is enough, even beside a wrapped one; wrapped calls alone are not a finding
    assert _by_kind(found, "auth_rls_initplan") == {
        "lint.t half_wrapped": ["lint.t.half_wrapped"],
        "lint.t read_one": ["lint.t.read_one"],
    }
    # the same definition twice; a partial index on the same column is another definition
    assert _by_kind(found, "duplicate_index") == {
        "lint.t t_owner_a,t_owner_b": ["lint.t_owner_a", "lint.t_owner_b"]
    }
    # parent_id has no index starting with it; other_id has one; the primary key is not a foreign key
    assert list(_by_kind(found, "unindexed_foreign_keys")) == ["lint.t t_parent_id_fkey"]
    assert _by_kind(found, "rls_enabled_no_policy") == {"lint.locked": ["lint.locked"]}
    assert _by_kind(found, "policy_exists_rls_disabled") == {"lint.open": ["lint.open", "lint.open.ignored"]}
    # definer functions pin their search_path: only lint.mutable() is mutable
    assert list(_by_kind(found, "function_search_path_mutable")) == ["lint.mutable()"]
    # anon may use the schema and execute lint.definer(), not lint.definer_private()
    assert list(_by_kind(found, "anon_security_definer_function_executable")) == ["lint.definer()"]
    assert {f["kind"] for f in found} == set(advisor.LINTS)


def test_a_freshly_seeded_database_has_32_unindexed_foreign_keys_and_the_mutable_set_updated_at(
    make_db: Callable[..., str],
) -> None:
    found = _findings(make_db())
    kinds = [f["kind"] for f in found]
    assert kinds.count("unindexed_foreign_keys") == 32
    assert _by_kind(found, "function_search_path_mutable") == {
        "menuca_v3.set_updated_at()": ["menuca_v3.set_updated_at()"]
    }
    assert set(kinds) == {"unindexed_foreign_keys", "function_search_path_mutable"}


# -- validate, through the real guard --------------------------------------------------------------------


def _through(rb: Any, env: str, last: str) -> dict[str, Any]:
    """Call the tickets of one environment from its backup up to `last`, each expected to PASS."""
    calls = [
        ("backup", {}),
        ("apply_indexes", {}),
        ("apply_rls", {}),
        ("fix_combos", {"backfill_missing_dishes": True}),
        ("validate", {}),
    ]
    for tool, args in calls:
        result = rb.call(tool, env, **args)
        for _ in range(2):
            # the menu-query timing gates of apply_indexes and validate can trip on a machine others
            # load (each judges medians of a few ms); the FAILED ticket's re-run is allowed: only
            # such a failure is retried, any other is the test's failure
            timing_only = all(c["name"].startswith("menu query not slower") for c in _failed(result))
            if result["status"] == "PASS" or not timing_only:
                break
            result = rb.call(tool, env, **args)
        assert result["status"] == "PASS", (tool, env, _failed(result))
        if tool == last:
            return result
    raise AssertionError(f"no ticket {last}")


# Scale 1 is opt-in (MENUCA_TEST_SCALE_1=1): about 2.5 minutes, and on a machine others load the
# menu-query timing gate of validate (a pre-existing gate, not the advisor's) can trip three times
# running, which is noise this suite should not carry.
SCALE_1 = pytest.param(
    1.0,
    marks=[
        pytest.mark.slow,
        pytest.mark.skipif(os.environ.get("MENUCA_TEST_SCALE_1") != "1", reason="set MENUCA_TEST_SCALE_1=1"),
    ],
)


@pytest.mark.parametrize("scale", [0.05, SCALE_1])
def test_a_migrated_staging_and_production_have_no_finding_made_by_the_run_and_report_set_updated_at(
    runbook: Callable[..., Any], scale: float
) -> None:
    rb = runbook(scale=scale)
    assert rb.call("preflight")["status"] == "PASS"
    log = rb.guard.settings.run_dir / "EXECUTION_LOG.md"
    reported = (
        "- advisor findings: 0 made by this run, 0 beside pre-existing objects, 0 new elsewhere since "
        "preflight, 1 pre-existing, 32 resolved since preflight\n"
        "- advisor, pre-existing: function_search_path_mutable menuca_v3.set_updated_at(): "
        "set_updated_at() (before the run)\n"
    )
    for env in ("staging", "production"):
        logged_before = log.read_text(encoding="utf-8").count(reported)
        result = _through(rb, env, "validate")
        assert _check(result, INTRODUCED) == {
            "name": INTRODUCED,
            "expected": [],
            "actual": [],
            "passed": True,
            "warning": None,
        }
        for name in (BESIDE, ELSEWHERE):
            assert (_check(result, name)["actual"], _check(result, name)["warning"]) == ([], None)
        # the 32 unindexed foreign keys of the seed are indexed now; set_updated_at is the seed's
        assert _check(result, PREEXISTING)["actual"] == [
            f"{SET_UPDATED_AT}: menuca_v3.set_updated_at() (before the run)"
        ]
        assert log.read_text(encoding="utf-8").count(reported) > logged_before  # (once per validate call)
    with rb.admin("production") as conn:
        conn.row_factory = dict_row
        assert [f["key"] for f in advisor.findings(conn)] == ["menuca_v3.set_updated_at()"]


def test_a_second_permissive_policy_planted_after_ticket_03_fails_validate_naming_it(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    assert rb.call("preflight")["status"] == "PASS"
    _through(rb, "staging", "apply_rls")
    with rb.admin() as conn:  # harmless for isolation (it grants nothing), but a second permissive DELETE
        conn.execute(
            "CREATE POLICY planted_second_delete ON menuca_v3.autologin_tokens "
            "AS PERMISSIVE FOR DELETE TO authenticated USING (false)"
        )
    assert rb.call("fix_combos", "staging", backfill_missing_dishes=True)["status"] == "PASS"
    result = rb.call("validate", "staging")
    assert result["status"] == "FAIL"
    assert [c["name"] for c in _failed(result)] == [INTRODUCED]
    assert _check(result, INTRODUCED)["actual"] == [
        "multiple_permissive_policies: table menuca_v3.autologin_tokens has 2 permissive policies for role "
        "authenticated on DELETE: menuca_v3.autologin_tokens.menuca_rls_autologin_tokens_all (this run), "
        "menuca_v3.autologin_tokens.planted_second_delete (since preflight)"
    ]
    assert INTRODUCED in result["summary"]

    with rb.admin() as conn:
        conn.execute("DROP POLICY planted_second_delete ON menuca_v3.autologin_tokens")
    assert rb.call("validate", "staging")["status"] == "PASS"  # the FAILED ticket's own re-run


def test_a_policy_kept_from_before_the_run_beside_ours_is_a_warning_not_a_failure(
    runbook: Callable[..., Any],
) -> None:
    rb = runbook()
    with rb.admin() as conn:
        conn.execute(
            "CREATE POLICY planted_provinces_read ON menuca_v3.provinces FOR SELECT TO authenticated USING (true)"
        )
    assert rb.call("preflight")["status"] == "PASS"
    _through(rb, "staging", "apply_indexes")
    dry = rb.call("apply_rls", "staging", dry_run=True)
    assert dry["status"] == "DRY_RUN"
    row = next(
        r
        for r in dry["policies_by_command"]
        if (r["table"], r["role"], r["command"]) == ("provinces", "authenticated", "SELECT")
    )
    assert row == {
        "table": "provinces",
        "role": "authenticated",
        "command": "SELECT",
        "permissive": ["menuca_rls_provinces_public_read", "planted_provinces_read"],
        "restrictive": [],
        "preexisting": ["planted_provinces_read"],
    }
    plan_check = _check(dry, "at most one permissive policy of apply_rls per table, role and command")
    assert plan_check["passed"] and plan_check["warning"] == (
        "pre-existing permissive policies apply beside ours: provinces authenticated SELECT: "
        "menuca_rls_provinces_public_read, planted_provinces_read"
    )

    result = _through(rb, "staging", "validate")
    beside = _check(result, BESIDE)
    expected = (
        "multiple_permissive_policies: table menuca_v3.provinces has 2 permissive policies for role "
        "authenticated on SELECT: menuca_v3.provinces.menuca_rls_provinces_public_read (this run), "
        "menuca_v3.provinces.planted_provinces_read (before the run)"
    )
    assert (beside["passed"], beside["actual"]) == (True, [expected])
    assert (
        beside["warning"]
        == f"1 advisor finding(s) where this run's objects meet pre-existing ones: {expected}"
    )
    log = (rb.guard.settings.run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
    assert (
        f"\n- WARNING {BESIDE}: 1 advisor finding(s) where this run's objects meet pre-existing ones: " in log
    )
    # at preflight the planted policy sat on a table without RLS: that finding is resolved, not reported
    assert _check(result, PREEXISTING)["actual"] == [
        f"{SET_UPDATED_AT}: menuca_v3.set_updated_at() (before the run)"
    ]
