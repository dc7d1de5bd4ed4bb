"""Every guard rule of SPEC.md §5, driven through the real guard and journal with fake step executors
(the database-backed replays cover the same rules end to end)."""

from __future__ import annotations

import fcntl
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from server.engine.guard import Guard
from server.engine.locks import RUN_LOCK
from server.errors import Refused
from server.runbook import TICKETS, RefusalCode
from server.settings import Settings
from tests.conftest import call_guard
from tests.fakes import Clock, FakeProbes
from tools.step import StepContext, StepOutcome, check

STEPS = [(t.tool, None if t.environment == "both" else t.environment) for t in TICKETS]


class FakeSteps:
    """Executors that pass unless told to fail, and count their runs."""

    def __init__(self) -> None:
        self.fail: set[str] = set()
        self.runs: list[tuple[str, str]] = []

    def executor(self, tool: str) -> Any:
        def run(ctx: StepContext, args: Any) -> StepOutcome[Any]:
            key = f"{tool}:{ctx.environment}"
            self.runs.append((tool, str(ctx.environment)))
            ok = key not in self.fail
            return StepOutcome(checks=[check(f"{tool} fake check", True, ok)], summary=f"{tool} fake")

        return run


@pytest.fixture
def world(tmp_path: Path) -> tuple[Guard, FakeProbes, FakeSteps, Clock]:
    settings = Settings(
        staging_dsn="postgresql://u:pw@h/s",
        production_dsn="postgresql://u:pw@h/p",
        run_dir=tmp_path,
        soak_hours=4,
    )
    probes, steps, clock = FakeProbes(), FakeSteps(), Clock()
    tools = {t.tool for t in TICKETS} | {"rollback"}
    guard = Guard(settings, {name: steps.executor(name) for name in tools}, probes=probes, clock=clock)
    return guard, probes, steps, clock


def call(guard: Guard, tool: str, environment: str | None = None, **args: Any) -> dict[str, Any]:
    return call_guard(guard, tool, environment, **args)


def refused(guard: Guard, tool: str, environment: str | None = None, **args: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        call(guard, tool, environment, **args)
    return caught.value


def run_through(guard: Guard, last: str) -> None:
    for ticket, (tool, env) in zip(TICKETS, STEPS, strict=True):
        result = call(guard, tool, env)
        assert result["status"] == "PASS", result
        if ticket.id == last:
            return


# -- rule 1: order ---------------------------------------------------------------------------------------


def test_every_ticket_called_before_its_predecessor_is_refused_out_of_order_naming_the_next_call(
    world,
) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    assert refused(guard, "backup", "staging").code == RefusalCode.OUT_OF_ORDER  # no run yet
    call(guard, "preflight")
    for tool, env in STEPS[2:6]:
        r = refused(guard, tool, env)
        assert r.code == RefusalCode.OUT_OF_ORDER
        assert "call backup with environment=staging next" in r.message
    assert refused(guard, "backup", "production").code == RefusalCode.OUT_OF_ORDER


def test_results_carry_next_and_the_run_proceeds_in_order(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    result = call(guard, "preflight")
    assert result["next"] == {
        "ticket": "01",
        "tool": "backup",
        "environment": "staging",
        "blocked_by": None,
        "blockers": [],
        "args": None,
        "args_reason": None,
    }
    result = call(guard, "backup", "staging")
    assert result["next"]["tool"] == "apply_indexes"


# -- rule 2: stop on failure -------------------------------------------------------------------------------


def test_a_failed_ticket_blocks_everything_but_its_rerun_rollback_and_status(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, steps, _ = world
    run_through(guard, "01")
    steps.fail.add("apply_indexes:staging")
    assert call(guard, "apply_indexes", "staging")["status"] == "FAIL"
    assert refused(guard, "apply_rls", "staging").code == RefusalCode.BLOCKED_BY_FAILURE
    assert refused(guard, "backup", "production").code == RefusalCode.BLOCKED_BY_FAILURE
    assert guard.status().model_dump()["tickets"][2]["status"] == "FAILED"
    steps.fail.clear()
    assert call(guard, "apply_indexes", "staging")["status"] == "PASS"


def test_a_failure_allows_a_rollback_of_its_environment(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, steps, _ = world
    run_through(guard, "01")
    steps.fail.add("apply_indexes:staging")
    call(guard, "apply_indexes", "staging")
    result = call(guard, "rollback", "staging", scope="indexes", reason="failed build")
    assert result["status"] == "PASS"
    assert result["tickets_rolled_back"] == ["02"]
    assert guard.status().model_dump()["tickets"][2]["status"] == "ROLLED_BACK"


# -- rule 3: halt ------------------------------------------------------------------------------------------


def test_halt_refuses_every_mutating_call_until_resume(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    guard.halt("lunch")
    r = refused(guard, "preflight")
    assert r.code == RefusalCode.HALTED and "lunch" in r.message
    assert guard.status().model_dump()["halted"] is True
    guard.resume()
    assert call(guard, "preflight")["status"] == "PASS"


# -- rules 4 and 5: soak and approval ----------------------------------------------------------------------


def test_production_waits_for_the_soak_window_then_for_an_approval_bound_to_ticket_05(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "05")
    r = refused(guard, "backup", "production")
    assert r.code == RefusalCode.SOAK_PENDING and "14400 seconds left" in r.message
    assert guard.status().model_dump()["soak_remaining_s"] == pytest.approx(14400, abs=2)
    assert guard.status().model_dump()["next"]["blocked_by"] == "SOAK_PENDING"
    clock.now += timedelta(hours=4, seconds=1)
    r = refused(guard, "backup", "production")
    assert r.code == RefusalCode.APPROVAL_REQUIRED and "approve production" in r.message
    guard.approve_production("Ada")
    assert guard.status().model_dump()["approval"]["by"] == "Ada"
    assert call(guard, "backup", "production")["status"] == "PASS"


def test_an_approval_given_before_a_staging_rollback_no_longer_counts(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "05")
    clock.now += timedelta(hours=5)
    guard.approve_production("Ada")
    call(guard, "rollback", "staging", scope="combos", reason="redo")
    assert guard.status().model_dump()["approval"] is None
    call(guard, "fix_combos", "staging")
    call(guard, "validate", "staging")
    assert refused(guard, "backup", "production").code == RefusalCode.SOAK_PENDING  # the soak clock restarted
    clock.now += timedelta(hours=5)
    assert refused(guard, "backup", "production").code == RefusalCode.APPROVAL_REQUIRED


def test_approve_production_is_refused_before_ticket_05_passed(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    run_through(guard, "04")
    with pytest.raises(Refused) as caught:
        guard.approve_production("Ada")
    assert caught.value.code == RefusalCode.APPROVAL_REQUIRED


def test_without_require_approval_production_runs_after_the_soak(tmp_path: Path) -> None:
    settings = Settings(
        staging_dsn="x", production_dsn="y", run_dir=tmp_path, soak_hours=0, require_approval=False
    )
    steps = FakeSteps()
    guard = Guard(settings, {t: steps.executor(t) for t in {t.tool for t in TICKETS}}, probes=FakeProbes())
    run_through(guard, "10")
    assert guard.status().model_dump()["next"] is None


# -- rule 6: staging drift -----------------------------------------------------------------------------


def test_staging_drift_refuses_ticket_06_naming_each_difference(world) -> None:  # type: ignore[no-untyped-def]
    guard, probes, _, clock = world
    run_through(guard, "05")
    clock.now += timedelta(hours=5)
    guard.approve_production("Ada")
    probes.drift = ["index idx_dishes_course is missing", "RLS disabled on menuca_v3.dishes"]
    r = refused(guard, "backup", "production")
    assert r.code == RefusalCode.STAGING_DRIFTED
    assert "idx_dishes_course" in r.message and "menuca_v3.dishes" in r.message
    assert guard.status().model_dump()["tickets"][6]["status"] == "PENDING"


# -- rule 7: one at a time ---------------------------------------------------------------------------------


def test_a_call_while_another_holds_the_run_directory_lock_is_refused_locked(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    call(guard, "preflight")
    fd = os.open(guard.settings.run_dir / RUN_LOCK, os.O_RDWR | os.O_CREAT)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        assert refused(guard, "backup", "staging").code == RefusalCode.LOCKED
    finally:
        os.close(fd)
    assert call(guard, "backup", "staging")["status"] == "PASS"


def test_a_call_while_another_server_holds_the_advisory_lock_is_refused_locked(world) -> None:  # type: ignore[no-untyped-def]
    guard, probes, *_ = world
    call(guard, "preflight")
    probes.db_locked = True
    assert refused(guard, "backup", "staging").code == RefusalCode.LOCKED
    assert any(e["outcome"] == "REFUSED LOCKED" for e in guard.journal.events())


# -- rule 8: idempotent replay -----------------------------------------------------------------------------


def test_a_complete_ticket_replays_its_recorded_result_without_running_even_when_halted(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, steps, _ = world
    first = call(guard, "preflight")
    guard.halt("freeze")
    again = call(guard, "preflight")
    assert again["replayed"] is True
    assert again["run_id"] == first["run_id"] and again["checks"] == first["checks"]
    assert steps.runs.count(("preflight", "both")) == 1


# -- rule 9: interrupted -----------------------------------------------------------------------------------


def test_a_ticket_left_in_progress_is_shown_interrupted_and_its_rerun_ends_stale_backends(world) -> None:  # type: ignore[no-untyped-def]
    guard, probes, *_ = world
    run_through(guard, "01")
    from server.runbook import EventKind

    state = guard.load_state()
    guard.journal.append(
        EventKind.STARTED, run_id=state.run_id, ticket="02", tool="apply_indexes", environment="staging"
    )  # a server that died mid-step
    ticket = guard.status().model_dump()["tickets"][2]
    assert ticket["status"] == "IN_PROGRESS" and ticket["interrupted"] is True
    result = call(guard, "apply_indexes", "staging")
    assert result["status"] == "PASS"
    assert probes.stale_calls and probes.stale_calls[0][2] == (4242,)
    assert any(e["event"] == "interrupted" for e in guard.journal.events())


# -- rule 10: rollback -------------------------------------------------------------------------------------


def test_rollback_needs_the_environments_backup_and_returns_later_tickets_to_rolled_back(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    call(guard, "preflight")
    assert refused(guard, "rollback", "staging", scope="full", reason="x").code == RefusalCode.OUT_OF_ORDER
    run_through(guard, "04")
    result = call(guard, "rollback", "staging", scope="indexes", reason="redo")
    assert result["tickets_rolled_back"] == ["02", "03", "04"]
    assert result["next"]["tool"] == "apply_indexes"
    assert [t["status"] for t in guard.status().model_dump()["tickets"][1:5]] == [
        "COMPLETE",
        "ROLLED_BACK",
        "ROLLED_BACK",
        "ROLLED_BACK",
    ]
    assert refused(guard, "apply_rls", "staging").code == RefusalCode.OUT_OF_ORDER


def test_staging_cannot_be_rolled_back_once_production_has_begun(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "05")
    clock.now += timedelta(hours=5)
    guard.approve_production("Ada")
    call(guard, "backup", "production")
    assert refused(guard, "rollback", "staging", scope="rls", reason="x").code == RefusalCode.OUT_OF_ORDER


def test_a_full_production_restore_needs_one_approval_per_restore(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "05")
    clock.now += timedelta(hours=5)
    guard.approve_production("Ada")
    call(guard, "backup", "production")
    call(guard, "apply_indexes", "production")
    assert (
        refused(guard, "rollback", "production", scope="full", reason="bad").code
        == RefusalCode.APPROVAL_REQUIRED
    )
    guard.approve_rollback("Grace")
    assert call(guard, "rollback", "production", scope="full", reason="bad")["status"] == "PASS"
    call(guard, "apply_indexes", "production")
    assert (
        refused(guard, "rollback", "production", scope="full", reason="again").code
        == RefusalCode.APPROVAL_REQUIRED
    )
    assert call(guard, "rollback", "production", scope="indexes", reason="narrow")["status"] == "PASS"


# -- NOT_CONFIGURED and precedence -------------------------------------------------------------------------


def test_not_configured_comes_first_of_the_refusals(world) -> None:  # type: ignore[no-untyped-def]
    guard, probes, *_ = world
    call(guard, "preflight")
    probes.config = "MENUCA_PRODUCTION_DSN not set"
    guard.halt("x")
    r = refused(guard, "backup", "staging")
    assert r.code == RefusalCode.NOT_CONFIGURED and "MENUCA_PRODUCTION_DSN" in r.message


def test_halted_outranks_failure_and_order(world) -> None:  # type: ignore[no-untyped-def]
    guard, _, steps, _ = world
    run_through(guard, "01")
    steps.fail.add("apply_indexes:staging")
    call(guard, "apply_indexes", "staging")
    assert refused(guard, "fix_combos", "staging").code == RefusalCode.BLOCKED_BY_FAILURE
    guard.halt("x")
    assert refused(guard, "fix_combos", "staging").code == RefusalCode.HALTED


def test_every_refusal_is_journaled_and_logged(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    refused(guard, "apply_rls", "staging")
    events = guard.journal.events()
    assert [e["event"] for e in events] == ["received", "refused"]
    log = (guard.settings.run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
    assert "REFUSED OUT_OF_ORDER" in log
    assert guard.journal.verify().ok


def test_completion_lines_count_completed_tickets(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    run_through(guard, "03")
    call(guard, "apply_rls", "staging")  # a replay writes no completion line
    log = (guard.settings.run_dir / "EXECUTION_LOG.md").read_text(encoding="utf-8")
    assert log.count("STATUS: COMPLETE") == 4
    assert guard.journal.verify().ok


def test_abandon_ends_the_run_and_the_next_preflight_starts_a_new_one(world) -> None:  # type: ignore[no-untyped-def]
    guard, *_ = world
    first = call(guard, "preflight")["run_id"]
    guard.abandon("wrong target")
    assert refused(guard, "backup", "staging").code == RefusalCode.OUT_OF_ORDER
    second = call(guard, "preflight")
    assert second["run_id"] != first and second["replayed"] is False


def test_a_production_rollback_after_the_run_completed_is_recorded_in_that_run(tmp_path: Path) -> None:
    settings = Settings(
        staging_dsn="x", production_dsn="y", run_dir=tmp_path, soak_hours=0, require_approval=False
    )
    steps = FakeSteps()
    tools = {t.tool for t in TICKETS} | {"rollback"}
    guard = Guard(settings, {t: steps.executor(t) for t in tools}, probes=FakeProbes())
    run_through(guard, "10")
    run_id = guard.status().model_dump()["run_id"]
    assert guard.status().model_dump()["next"] is None
    result = call(guard, "rollback", "production", scope="rls", reason="after go-live")
    assert result["status"] == "PASS" and result["run_id"] == run_id
    assert result["tickets_rolled_back"] == ["08", "09", "10"]
    status = guard.status().model_dump()
    assert status["run_id"] == run_id and status["next"]["ticket"] == "08"


# -- every gate at once, dry runs past the time and human gates (SPEC.md §5, §6) ---------------------------


def test_during_the_soak_blockers_list_soak_pending_and_approval_required_with_the_operator_command(
    world,
) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "05")
    nxt = guard.status().model_dump()["next"]
    assert nxt["blocked_by"] == "SOAK_PENDING"
    assert [b["code"] for b in nxt["blockers"]] == ["SOAK_PENDING", "APPROVAL_REQUIRED"]
    soak, approval = nxt["blockers"]
    assert soak["seconds_left"] == pytest.approx(14400, abs=2) and soak["human_action"] is None
    assert approval["human_action"] == "menuca-migrate approve production --by NAME"
    assert approval["seconds_left"] is None
    r = refused(guard, "backup", "production")
    assert r.code == RefusalCode.SOAK_PENDING
    assert [b["code"] for b in r.blockers] == ["SOAK_PENDING", "APPROVAL_REQUIRED"]
    assert r.next is not None and r.next["ticket"] == "06"
    assert "--yes" not in r.message + str(r.blockers) + str(nxt)
    clock.now += timedelta(hours=4, seconds=1)
    nxt = guard.status().model_dump()["next"]
    assert [b["code"] for b in nxt["blockers"]] == ["APPROVAL_REQUIRED"]


def test_soak_remaining_is_null_before_05_counts_down_is_0_once_elapsed_and_null_once_06_started(
    world,
) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "04")
    assert guard.status().soak_remaining_s is None
    call(guard, "validate", "staging")
    assert guard.status().soak_remaining_s == pytest.approx(14400, abs=2)
    clock.now += timedelta(hours=5)
    assert guard.status().soak_remaining_s == 0
    guard.approve_production("Ada")
    call(guard, "backup", "production")
    assert guard.status().soak_remaining_s is None


def test_a_dry_run_of_06_during_the_soak_returns_dry_run_with_what_the_real_call_waits_for(world) -> None:  # type: ignore[no-untyped-def]
    guard, probes, steps, _ = world
    run_through(guard, "05")
    probes.drift = ["index idx_dishes_course is missing"]
    result = call(guard, "backup", "production", dry_run=True)
    assert result["status"] == "DRY_RUN"
    assert steps.runs[-1] == ("backup", "production")
    nxt = result["next"]
    assert (nxt["ticket"], nxt["tool"], nxt["blocked_by"]) == ("06", "backup", "SOAK_PENDING")
    assert [b["code"] for b in nxt["blockers"]] == ["SOAK_PENDING", "APPROVAL_REQUIRED", "STAGING_DRIFTED"]
    assert "idx_dishes_course" in nxt["blockers"][2]["detail"]
    assert "SOAK_PENDING" in result["summary"]
    status = guard.status().model_dump()
    assert status["tickets"][6]["status"] == "PENDING"  # a dry run does not advance the ticket
    events = [e["event"] for e in guard.journal.events()]
    assert events[-1] == "dry_run" and "started" not in events[-2:]


def test_a_dry_run_of_a_full_production_restore_before_approve_rollback_runs_and_names_the_command(
    world,
) -> None:  # type: ignore[no-untyped-def]
    guard, _, steps, clock = world
    run_through(guard, "05")
    clock.now += timedelta(hours=5)
    guard.approve_production("Ada")
    call(guard, "backup", "production")
    result = call(guard, "rollback", "production", scope="full", reason="rehearse", dry_run=True)
    assert result["status"] == "DRY_RUN" and result["tickets_rolled_back"] == []
    assert steps.runs[-1] == ("rollback", "production")
    nxt = result["next"]
    assert (nxt["tool"], nxt["blocked_by"]) == ("rollback", "APPROVAL_REQUIRED")
    assert nxt["blockers"][0]["human_action"] == "menuca-migrate approve rollback --by NAME"
    assert nxt["args"] == {"scope": "full", "reason": "rehearse"}
    # the real call is still refused, and the approval is not used up by the dry run
    assert (
        refused(guard, "rollback", "production", scope="full", reason="bad").code
        == RefusalCode.APPROVAL_REQUIRED
    )
    guard.approve_rollback("Grace")
    call(guard, "rollback", "production", scope="full", reason="rehearse", dry_run=True)
    assert call(guard, "rollback", "production", scope="full", reason="bad")["status"] == "PASS"


def test_every_other_refusal_applies_to_dry_runs_too(world) -> None:  # type: ignore[no-untyped-def]
    guard, probes, steps, _ = world
    run_through(guard, "05")
    assert refused(guard, "apply_indexes", "production", dry_run=True).code == RefusalCode.OUT_OF_ORDER
    guard.halt("freeze")
    r = refused(guard, "backup", "production", dry_run=True)
    assert r.code == RefusalCode.HALTED  # the first refusal a dry run cannot pass
    assert [b["code"] for b in r.blockers] == ["HALTED", "SOAK_PENDING", "APPROVAL_REQUIRED"]
    assert r.blockers[0]["human_action"] == "menuca-migrate resume"
    guard.resume()
    probes.db_locked = True
    assert refused(guard, "backup", "production", dry_run=True).code == RefusalCode.LOCKED
    assert steps.runs[-1] == ("validate", "staging")  # none of them ran


def test_production_with_other_data_writing_arguments_than_staging_is_refused_and_next_suggests_staging_s(
    world,
) -> None:  # type: ignore[no-untyped-def]
    guard, _, _, clock = world
    run_through(guard, "03")
    call(guard, "fix_combos", "staging", backfill_missing_dishes=True)
    call(guard, "validate", "staging")
    clock.now += timedelta(hours=5)
    guard.approve_production("Ada")
    for tool in ("backup", "apply_indexes", "apply_rls"):
        assert call(guard, tool, "production")["status"] == "PASS"
    nxt = guard.status().model_dump()["next"]
    assert nxt["ticket"] == "09" and nxt["args"] == {"backfill_missing_dishes": True}
    assert "ticket 04" in nxt["args_reason"] and nxt["blockers"] == []
    r = refused(guard, "fix_combos", "production")
    assert r.code == RefusalCode.APPROVAL_REQUIRED
    assert "backfill_missing_dishes=true" in r.message and "backfill_missing_dishes=false" in r.message
    assert r.blockers[0]["human_action"] is None  # the agent lifts it by passing staging's arguments
    dry = call(guard, "fix_combos", "production", dry_run=True)  # a dry run shows the plan meanwhile
    assert dry["status"] == "DRY_RUN" and dry["next"]["blocked_by"] == "APPROVAL_REQUIRED"
    assert call(guard, "fix_combos", "production", backfill_missing_dishes=True)["status"] == "PASS"


def test_without_require_approval_production_may_use_other_data_writing_arguments(tmp_path: Path) -> None:
    settings = Settings(
        staging_dsn="x", production_dsn="y", run_dir=tmp_path, soak_hours=0, require_approval=False
    )
    steps = FakeSteps()
    guard = Guard(settings, {t: steps.executor(t) for t in {t.tool for t in TICKETS}}, probes=FakeProbes())
    run_through(guard, "03")
    call(guard, "fix_combos", "staging", backfill_missing_dishes=True)
    for tool in ("validate", "backup", "apply_indexes", "apply_rls"):
        call(guard, tool, "staging" if tool == "validate" else "production")
    assert guard.status().model_dump()["next"]["args"] == {"backfill_missing_dishes": True}
    assert call(guard, "fix_combos", "production")["status"] == "PASS"


def test_a_soak_whose_health_tripped_refuses_06_soak_unhealthy_and_lets_its_dry_run_through() -> None:
    from server.runbook import Call, Facts, Gates, Refuse, Run, RunState, SoakHealth, TicketStatus, decide
    from tests.fakes import Clock

    state = RunState(run_id="run-x")
    for ticket in TICKETS[:6]:
        state.tickets[ticket.id].status = TicketStatus.COMPLETE
        state.tickets[ticket.id].finished_at = "2026-11-24T00:00:00.000Z"
    gates, now = Gates(soak_hours=4, require_approval=False), Clock()()
    trips = ("deadlocks: 3 in the window (any trips; consider rollback scope=rls)",)
    real = decide(state, Call("backup", "production"), Facts(soak_health=SoakHealth(trips=trips)), gates, now)
    assert (
        isinstance(real, Refuse) and real.code == RefusalCode.SOAK_UNHEALTHY and "deadlocks" in real.message
    )
    dry = decide(
        state,
        Call("backup", "production", dry_run=True),
        Facts(soak_health=SoakHealth(trips=trips)),
        gates,
        now,
    )
    assert isinstance(dry, Run) and [b.code for b in dry.blockers] == [RefusalCode.SOAK_UNHEALTHY]
    assert isinstance(decide(state, Call("backup", "production"), Facts(), gates, now), Run)
