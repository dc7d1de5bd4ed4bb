"""Property test of the pure guard and state machine: random sequences of tool calls and operator
actions, with step executors replaced by fakes that pass, fail or crash (the database behaviour is
covered by the replays). After every step the journal is replayed and the safety properties checked."""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from server.engine.guard import Guard
from server.errors import Refused
from server.journal import GENESIS, canonical
from server.journal.keys import load_key, sign
from server.runbook import (
    BACKUP_TICKET,
    BY_ID,
    SOAK_AFTER,
    SOAK_TICKET,
    TICKETS,
    EventKind,
    Folds,
    RunState,
    TicketStatus,
    apply_event,
    fold,
)
from server.settings import Settings
from tests.conftest import call_guard
from tests.fakes import Clock, FakeProbes
from tools.step import StepContext, StepOutcome, check

EXAMPLES = int(os.environ.get("MENUCA_PROPERTY_EXAMPLES", "60"))
CALLS = [(t.tool, None if t.environment == "both" else t.environment) for t in TICKETS]
SOAK_HOURS = 1.0


class SimulatedCrash(BaseException):
    """The server process dying mid-step: not an Exception, so no handler records an outcome."""


class FakeExecutors:
    def __init__(self) -> None:
        self.mode = "pass"

    def make(self, tool: str) -> Any:
        def run(ctx: StepContext, args: Any) -> StepOutcome[Any]:
            if self.mode == "crash" and not ctx.dry_run:
                raise SimulatedCrash()
            ok = self.mode != "fail"
            return StepOutcome(checks=[check(f"fake {tool}", True, ok)], summary=f"fake {tool}")

        return run


def check_history(
    events: list[dict[str, Any]], require_approval: bool, state: RunState | None = None
) -> list[str]:
    """Replay the journal (from `state`, when given, which it advances); at every step start, the
    rules must have held in the state before it."""
    violations: list[str] = []
    state = state if state is not None else RunState()
    for event in events:
        if event.get("event") == EventKind.STARTED:
            ticket_id, tool = event.get("ticket"), event.get("tool")
            where = f"seq {event['seq']} {tool} {event.get('environment')}"
            if state.halted:
                violations.append(f"{where} started while halted")
            if tool != "rollback" and ticket_id in BY_ID:
                new_run = bool((event.get("details") or {}).get("new_run"))
                if not new_run:
                    earlier = [t.id for t in TICKETS if t.id < ticket_id]
                    missing = [t for t in earlier if state.status(t) != TicketStatus.COMPLETE]
                    if missing:
                        violations.append(f"{where} started before {missing} were COMPLETE")
                    failed = state.failed()
                    if failed is not None and failed.id != ticket_id:
                        violations.append(f"{where} started while ticket {failed.id} was FAILED")
                if ticket_id == SOAK_TICKET:
                    done = state.tickets[SOAK_AFTER]
                    if done.finished_at is None:
                        violations.append(f"{where}: production started without ticket 05")
                    elif (event_ts := event["ts"]) and _hours_between(
                        done.finished_at, event_ts
                    ) < SOAK_HOURS:
                        violations.append(f"{where}: production started before the soak window ended")
                    if require_approval and state.valid_approval() is None:
                        violations.append(f"{where}: production started without a valid approval")
            if tool == "rollback":
                env = event.get("environment")
                if state.status(BACKUP_TICKET[env]) != TicketStatus.COMPLETE:
                    violations.append(f"{where}: rollback before the backup of {env}")
        apply_event(state, event)
    return violations


def _hours_between(start: str, end: str) -> float:
    from server.runbook import parse_ts

    return (parse_ts(end) - parse_ts(start)).total_seconds() / 3600


class RunbookMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = tempfile.mkdtemp(prefix="menuca-prop-")
        self.clock = Clock()
        self.steps = FakeExecutors()
        self.require_approval = True
        settings_ = Settings(
            staging_dsn="s",
            production_dsn="p",
            run_dir=Path(self.dir),
            soak_hours=SOAK_HOURS,
            require_approval=self.require_approval,
        )
        tools = {t.tool for t in TICKETS} | {"rollback"}
        self.guard = Guard(
            settings_, {t: self.steps.make(t) for t in tools}, probes=FakeProbes(), clock=self.clock
        )
        self.history, self.checked = RunState(), 0
        self.head, self.verified = GENESIS, 0

    def teardown(self) -> None:
        report = self.guard.journal.verify()  # the whole chain and the log anchors, once per sequence
        shutil.rmtree(self.dir, ignore_errors=True)
        assert report.ok, report.problems

    @rule(
        index=st.integers(min_value=0, max_value=len(CALLS) - 1),
        mode=st.sampled_from(["pass", "pass", "pass", "fail", "crash"]),
        dry_run=st.booleans(),
    )
    def call_ticket(self, index: int, mode: str, dry_run: bool) -> None:
        tool, env = CALLS[index]
        self.steps.mode = mode
        args = (
            {"dry_run": True}
            if dry_run and tool in ("backup", "apply_indexes", "apply_rls", "fix_combos")
            else {}
        )
        try:
            call_guard(self.guard, tool, env, **args)
        except (Refused, SimulatedCrash):
            pass

    @rule(
        env=st.sampled_from(["staging", "production"]),
        scope=st.sampled_from(["indexes", "rls", "combos", "full"]),
        mode=st.sampled_from(["pass", "fail"]),
    )
    def rollback(self, env: str, scope: str, mode: str) -> None:
        self.steps.mode = mode
        try:
            call_guard(self.guard, "rollback", env, scope=scope, reason="property")
        except Refused:
            pass

    @rule(action=st.sampled_from(["approve", "approve_rollback", "halt", "resume", "abandon"]))
    def operator(self, action: str) -> None:
        try:
            if action == "approve":
                self.guard.approve_production("op")
            elif action == "approve_rollback":
                self.guard.approve_rollback("op")
            elif action == "halt":
                self.guard.halt("property")
            elif action == "resume":
                self.guard.resume()
            else:
                self.guard.abandon("property")
        except Refused:
            pass

    @rule(minutes=st.integers(min_value=1, max_value=120))
    def time_passes(self, minutes: int) -> None:
        self.clock.now += timedelta(minutes=minutes)

    @invariant()
    def rules_held_and_journal_verifies(self) -> None:
        events = self.guard.journal.events()
        # incremental: the events since the last check, on the state folded so far
        assert check_history(events[self.checked :], self.require_approval, self.history) == []
        self.checked = len(events)
        previous = self.head
        key = load_key(self.guard.journal.key_file)
        assert key is not None or not events
        for event in events[self.verified :]:
            assert key is not None
            assert (
                event["prev_hash"] == previous and sign(key, previous, canonical(event)) == event["hash"]
            ), f"seq {event['seq']}"
            previous = event["hash"]
        self.head, self.verified = previous, len(events)
        # the guard resumes its fold over a journal that only grew: always the fold from the start
        assert self.guard.load_state() == fold(events)
        self.guard.status()  # status always answers


RunbookMachine.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestRunbookProperties = RunbookMachine.TestCase


def test_the_history_checker_catches_a_skipped_ticket() -> None:
    """The checker itself can fail: a journal where ticket 02 started right after 00 is a violation."""
    events = [
        {
            "seq": 1,
            "event": "started",
            "ticket": "00",
            "tool": "preflight",
            "run_id": "r",
            "ts": "2026-01-01T00:00:00Z",
            "details": {"new_run": True},
        },
        {
            "seq": 2,
            "event": "passed",
            "ticket": "00",
            "tool": "preflight",
            "run_id": "r",
            "ts": "2026-01-01T00:00:01Z",
            "details": {"result": {}, "record": {}},
        },
        {
            "seq": 3,
            "event": "started",
            "ticket": "02",
            "tool": "apply_indexes",
            "environment": "staging",
            "run_id": "r",
            "ts": "2026-01-01T00:00:02Z",
            "details": {},
        },
    ]
    assert any("before ['01']" in v for v in check_history(events, True))


def test_a_resumed_fold_is_the_fold_from_the_start_and_an_edited_entry_is_folded_afresh() -> None:
    """runbook.Folds resumes only over the very same event objects: an equal-looking copy, an entry
    edited in place of another or one removed is folded from the start, and each caller's state is its own."""
    run = "run-1"
    started = {
        "seq": 1,
        "event": "started",
        "ticket": "00",
        "tool": "preflight",
        "run_id": run,
        "details": {"new_run": True},
        "hash": "h1",
    }
    passed = {
        "seq": 2,
        "event": "passed",
        "ticket": "00",
        "tool": "preflight",
        "run_id": run,
        "details": {"result": {"status": "PASS"}},
        "args": {"x": 1},
        "hash": "h2",
    }
    backup = {
        "seq": 3,
        "event": "started",
        "ticket": "01",
        "tool": "backup",
        "run_id": run,
        "environment": "staging",
        "hash": "h3",
    }
    folds = Folds()
    assert folds.fold([started]) == fold([started])
    grown = folds.fold([started, passed, backup])
    assert grown == fold([started, passed, backup]) and grown.status("00") == TicketStatus.COMPLETE
    grown.tickets["00"].status = TicketStatus.FAILED  # a caller changing its state changes no other
    assert grown.tickets["00"].args is not None
    grown.tickets["00"].args["x"] = 2
    again = folds.fold([started, passed, backup])
    assert again.status("00") == TicketStatus.COMPLETE and again.tickets["00"].args == {"x": 1}
    failed = {**passed, "event": "failed"}  # the same seq, another object: folded from the start
    assert folds.fold([started, failed]).status("00") == TicketStatus.FAILED
    assert folds.fold([started]).status("00") == TicketStatus.IN_PROGRESS  # shorter: from the start
    assert folds.fold([started, passed]).status("00") == TicketStatus.COMPLETE
