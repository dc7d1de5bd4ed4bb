"""The run state, derived from the journal's events alone. `Folds` resumes a fold for a journal that only
grew, by the identity of its event objects (never a guess about their content)."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from server.runbook.tickets import LAST, SOAK_AFTER, TICKETS, Ticket


class TicketStatus(StrEnum):
    PENDING = "PENDING"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"


class EventKind(StrEnum):
    """The closed set of journal events (SPEC.md §7)."""

    RECEIVED = "received"
    REFUSED = "refused"
    STARTED = "started"
    PASSED = "passed"
    FAILED = "failed"
    DRY_RUN = "dry_run"
    RUNNING = "running"  # a caller was answered RUNNING (SPEC.md §14): the work goes on
    REPLAYED = "replayed"
    INTERRUPTED = "interrupted"
    ROLLED_BACK = "rolled_back"
    HALTED = "halted"
    RESUMED = "resumed"
    APPROVED = "approved"
    ABANDONED = "abandoned"
    JOURNAL_REPAIRED = "journal_repaired"
    HEALTH = "health"  # a health sample of one database (SPEC.md §12)
    SIGNED_OFF = "signed_off"  # a sign-off on the completed run (SPEC.md §4)


@dataclass
class TicketState:
    status: TicketStatus = TicketStatus.PENDING
    started_at: str | None = None
    finished_at: str | None = None
    result: dict[str, Any] | None = None
    sidecars: dict[str, str] | None = None  # values of the result kept beside the journal (by sha256)
    record: dict[str, Any] | None = None
    completed_seq: int | None = None
    attempts: int = 0
    # the arguments of the call that last passed or failed (what the agent chose, as journaled)
    args: dict[str, Any] | None = None


@dataclass(frozen=True)
class Gates:
    """The settings that gate a run; the run's preflight pins them (SPEC.md §3)."""

    soak_hours: float = 4.0
    require_approval: bool = True
    watch_hours: float = 24.0
    allow_same_server: bool = False
    key_file: str | None = None

    def loosened(self, pinned: Gates) -> list[str]:
        """Each way these settings are weaker than the pinned ones (empty: none)."""
        found = []
        if self.soak_hours < pinned.soak_hours:
            found.append(
                f"MENUCA_SOAK_HOURS {self.soak_hours:g} is shorter than the pinned {pinned.soak_hours:g}"
            )
        if self.watch_hours < pinned.watch_hours:
            found.append(
                f"MENUCA_WATCH_HOURS {self.watch_hours:g} is shorter than the pinned {pinned.watch_hours:g}"
            )
        if pinned.require_approval and not self.require_approval:
            found.append("MENUCA_REQUIRE_APPROVAL is false but the run was pinned with approval required")
        if self.allow_same_server and not pinned.allow_same_server:
            found.append("MENUCA_ALLOW_SAME_SERVER is true but the run was pinned with it false")
        if pinned.key_file and self.key_file and self.key_file != pinned.key_file:
            found.append(f"the journal key file is {self.key_file}, not the pinned {pinned.key_file}")
        return found

    def strictest(self, pinned: Gates | None) -> Gates:
        """What applies: the stricter of these settings and the pinned ones."""
        if pinned is None:
            return self
        return Gates(
            soak_hours=max(self.soak_hours, pinned.soak_hours),
            require_approval=self.require_approval or pinned.require_approval,
            watch_hours=max(self.watch_hours, pinned.watch_hours),
            allow_same_server=self.allow_same_server and pinned.allow_same_server,
            key_file=self.key_file,
        )

    def pinned_form(self) -> dict[str, object]:
        return {
            "soak_hours": self.soak_hours,
            "require_approval": self.require_approval,
            "watch_hours": self.watch_hours,
            "allow_same_server": self.allow_same_server,
            "key_file": self.key_file,
        }

    @classmethod
    def from_pinned(cls, raw: Mapping[str, Any]) -> Gates:
        return cls(
            soak_hours=float(raw.get("soak_hours", 4.0)),
            require_approval=bool(raw.get("require_approval", True)),
            watch_hours=float(raw.get("watch_hours", 24.0)),
            allow_same_server=bool(raw.get("allow_same_server", False)),
            key_file=str(raw["key_file"]) if raw.get("key_file") else None,
        )


@dataclass
class Approval:
    by: str
    at: str
    seq: int
    bound_to_seq: int
    # False: given without a terminal (`--yes`), so nobody typed the database name to confirm it
    interactive: bool = False
    evidence_sha256: str | None = None


@dataclass
class PendingRollback:
    """A rollback that started and has no outcome yet: running, or interrupted by a crash."""

    environment: str
    scope: str | None
    started_at: str | None
    seq: int


@dataclass
class RunState:
    """Where the run stands, derived from the journal alone."""

    run_id: str | None = None
    ended: bool = False
    ended_reason: str | None = None
    tickets: dict[str, TicketState] = field(default_factory=lambda: {t.id: TicketState() for t in TICKETS})
    halted: bool = False
    halt_reason: str | None = None
    approval: Approval | None = None
    rollback_approvals: list[Approval] = field(default_factory=list)
    rollback_pending: PendingRollback | None = None
    head_seq: int = 0
    head_hash: str | None = None
    pinned: Gates | None = None  # the gates the run's preflight pinned
    # records of earlier tickets (baselines, snapshots, created objects) keyed by ticket id; every
    # attempt's record is kept so a rollback can undo work of a ticket that failed or was interrupted
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def status(self, ticket_id: str) -> TicketStatus:
        return self.tickets[ticket_id].status

    @property
    def active(self) -> bool:
        return self.run_id is not None and not self.ended

    def first_not_complete(self) -> Ticket | None:
        for ticket in TICKETS:
            if self.status(ticket.id) != TicketStatus.COMPLETE:
                return ticket
        return None

    def failed(self) -> Ticket | None:
        for ticket in TICKETS:
            if self.status(ticket.id) == TicketStatus.FAILED:
                return ticket
        return None

    def valid_approval(self) -> Approval | None:
        done = self.tickets[SOAK_AFTER]
        if (
            self.approval
            and done.status == TicketStatus.COMPLETE
            and self.approval.bound_to_seq == done.completed_seq
        ):
            return self.approval
        return None


def fold(events: Iterable[Mapping[str, Any]]) -> RunState:
    """Replay journal events into the run state."""
    state = RunState()
    for event in events:
        apply_event(state, event)
    return state


class Folds:
    """The fold of the last events folded, resumed when the next events begin with the very same objects:
    the journal's parse reuses an event object only for a byte-identical prefix of the file, so the same
    objects are the same entries and folding them again would give the same state. Any other list (an
    entry edited, removed or re-parsed) is folded from the start. Each caller gets a state of its own."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[Mapping[str, Any]] = []
        self._state: RunState | None = None

    def fold(self, events: Sequence[Mapping[str, Any]]) -> RunState:
        with self._lock:
            known, folded = self._events, self._state
        if (
            folded is not None
            and len(events) >= len(known)
            and all(a is b for a, b in zip(events, known, strict=False))
        ):
            state, rest = _copy(folded), events[len(known) :]
        else:
            state, rest = RunState(), events
        for event in rest:
            apply_event(state, event)
        with self._lock:
            self._events, self._state = list(events), _copy(state)
        return state


def _copy(state: RunState) -> RunState:
    """A state whose own containers are new (what apply_event changes in place); the values taken from the
    events (results, records, sidecar maps) are shared, as they are in a fold of the same events."""
    return replace(
        state,
        tickets={
            tid: replace(t, args=dict(t.args) if t.args is not None else None)
            for tid, t in state.tickets.items()
        },
        approval=replace(state.approval) if state.approval else None,
        rollback_approvals=[replace(a) for a in state.rollback_approvals],
        rollback_pending=replace(state.rollback_pending) if state.rollback_pending else None,
        records={tid: list(found) for tid, found in state.records.items()},
    )


def apply_event(state: RunState, event: Mapping[str, Any]) -> None:
    kind = event.get("event")
    ticket_id = event.get("ticket")
    run_id = event.get("run_id")
    details: Mapping[str, Any] = event.get("details") or {}
    state.head_seq = int(event.get("seq", state.head_seq))
    state.head_hash = event.get("hash", state.head_hash)

    if kind == EventKind.STARTED and details.get("new_run"):
        fresh = RunState(halted=state.halted, halt_reason=state.halt_reason)
        fresh.head_seq, fresh.head_hash = state.head_seq, state.head_hash
        state.__dict__.update(fresh.__dict__)
        state.run_id = run_id
    if kind == EventKind.STARTED and ticket_id == "00" and isinstance(details.get("gates"), Mapping):
        # a new run's preflight, or one that pins again before anything else ran (rules.repinnable)
        state.pinned = Gates.from_pinned(details["gates"])
    if kind in (EventKind.HALTED, EventKind.RESUMED):
        state.halted = kind == EventKind.HALTED
        state.halt_reason = details.get("reason") if state.halted else None
        return
    if kind == EventKind.JOURNAL_REPAIRED:
        return
    if run_id is None or run_id != state.run_id:
        return  # an event of an earlier run, or a refusal before any run
    if kind == EventKind.ABANDONED:
        state.ended, state.ended_reason = True, str(details.get("reason", "abandoned"))
        return
    if kind == EventKind.APPROVED:
        approval = Approval(
            by=str(details.get("by")),
            at=str(event.get("ts")),
            seq=int(event["seq"]),
            bound_to_seq=int(details.get("bound_to_seq") or 0),
            interactive=bool(details.get("interactive", False)),
            evidence_sha256=details.get("evidence_sha256"),
        )
        if details.get("kind") == "rollback":
            state.rollback_approvals.append(approval)
        else:
            state.approval = approval
        return
    if ticket_id is None or ticket_id not in state.tickets:
        return
    if event.get("tool") == "rollback":
        if kind == EventKind.STARTED:
            args: Mapping[str, Any] = event.get("args") or {}
            scope = args.get("scope")
            state.rollback_pending = PendingRollback(
                environment=str(event.get("environment")),
                scope=str(scope) if scope else None,
                started_at=event.get("ts"),
                seq=int(event.get("seq", 0)),
            )
        elif kind in (EventKind.FAILED, EventKind.ROLLED_BACK):
            state.rollback_pending = None
    ticket = state.tickets[ticket_id]
    if kind == EventKind.STARTED and event.get("tool") != "rollback":
        ticket.status = TicketStatus.IN_PROGRESS
        ticket.started_at = event.get("ts")
        ticket.finished_at = None
        ticket.attempts += 1
    elif kind == EventKind.STARTED and event.get("tool") == "rollback" and details.get("uses_approval"):
        if state.rollback_approvals:
            state.rollback_approvals.pop(0)
    elif kind in (EventKind.PASSED, EventKind.FAILED) and event.get("tool") != "rollback":
        ticket.status = TicketStatus.COMPLETE if kind == EventKind.PASSED else TicketStatus.FAILED
        ticket.finished_at = event.get("ts")
        ticket.result = details.get("result")
        ticket.sidecars = details.get("sidecars")
        ticket.record = details.get("record")
        ticket.completed_seq = int(event["seq"]) if kind == EventKind.PASSED else None
        ticket.args = dict(event.get("args") or {})
        if details.get("record") is not None:
            state.records.setdefault(ticket_id, []).append(details["record"])
    elif kind == EventKind.ROLLED_BACK:
        for undone in details.get("tickets", []):
            if undone in state.tickets:
                state.tickets[undone].status = TicketStatus.ROLLED_BACK
                state.tickets[undone].completed_seq = None
        if details.get("record") is not None:
            state.records.setdefault(ticket_id, []).append(details["record"])
    if state.status(LAST.id) == TicketStatus.COMPLETE:
        state.ended, state.ended_reason = True, "complete"
    elif state.ended_reason == "complete":
        state.ended, state.ended_reason = False, None  # a production rollback after the end reopens it


def parse_ts(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))
