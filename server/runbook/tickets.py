"""The ticket table: the only place the order of the work is written down, and the words for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Env = Literal["staging", "production"]
TicketEnv = Literal["staging", "production", "both"]
Scope = Literal["indexes", "rls", "combos", "full"]
ToolName = Literal["preflight", "backup", "apply_indexes", "apply_rls", "fix_combos", "validate", "rollback"]

ENVIRONMENTS: tuple[Env, ...] = get_args(Env)
SCOPES: tuple[Scope, ...] = get_args(Scope)


@dataclass(frozen=True)
class Ticket:
    id: str
    tool: ToolName
    environment: TicketEnv
    slug: str

    @property
    def filename(self) -> str:
        return f"{self.id}_{self.slug}.md"

    def describe(self) -> str:
        return f"ticket {self.id} ({self.tool} on {self.environment})"

    def how_to_call(self) -> str:
        if self.environment == "both":
            return f"call {self.tool}"
        return f"call {self.tool} with environment={self.environment}"


# The runbook, top to bottom.
TICKETS: tuple[Ticket, ...] = (
    Ticket("00", "preflight", "both", "PRE_FLIGHT_CHECK"),
    Ticket("01", "backup", "staging", "STAGING_BACKUP"),
    Ticket("02", "apply_indexes", "staging", "STAGING_INDEXES"),
    Ticket("03", "apply_rls", "staging", "STAGING_RLS"),
    Ticket("04", "fix_combos", "staging", "STAGING_COMBOS"),
    Ticket("05", "validate", "staging", "STAGING_VALIDATION"),
    Ticket("06", "backup", "production", "PRODUCTION_BACKUP"),
    Ticket("07", "apply_indexes", "production", "PRODUCTION_INDEXES"),
    Ticket("08", "apply_rls", "production", "PRODUCTION_RLS"),
    Ticket("09", "fix_combos", "production", "PRODUCTION_COMBOS"),
    Ticket("10", "validate", "production", "PRODUCTION_VALIDATION"),
)
BY_ID: dict[str, Ticket] = {t.id: t for t in TICKETS}
FIRST, LAST = TICKETS[0], TICKETS[-1]
TICKET_TOOLS: tuple[ToolName, ...] = (
    "preflight",
    "backup",
    "apply_indexes",
    "apply_rls",
    "fix_combos",
    "validate",
)
MUTATING_TOOLS: tuple[ToolName, ...] = (*TICKET_TOOLS, "rollback")
# The production gate: the first production ticket waits for the soak after the last staging one.
SOAK_TICKET = next(t.id for t in TICKETS if t.environment == "production")
SOAK_AFTER = next(t.id for t in reversed(TICKETS) if t.environment == "staging")
BACKUP_TICKET: dict[Env, str] = {
    env: next(t.id for t in TICKETS if t.tool == "backup" and t.environment == env) for env in ENVIRONMENTS
}
# The step each rollback scope undoes; `full` undoes every step after the environment's backup.
SCOPE_TOOL: dict[Scope, ToolName] = {"indexes": "apply_indexes", "rls": "apply_rls", "combos": "fix_combos"}
# The arguments that change what a step writes, with their defaults (SPEC.md §5 rule 5): production's
# call of such a tool must use the values of staging's passing call, which the operator approved.
DATA_WRITING_ARGS: dict[ToolName, dict[str, bool]] = {"fix_combos": {"backfill_missing_dishes": False}}


def ticket_for(tool: str, environment: str | None) -> Ticket | None:
    """The ticket a call maps to (preflight is ticket 00 whatever the environment)."""
    for ticket in TICKETS:
        if ticket.tool == tool and (ticket.environment == "both" or ticket.environment == environment):
            return ticket
    return None


def ticket_of(tool: ToolName, environment: Env) -> Ticket:
    """The ticket of a tool that has one per environment."""
    ticket = ticket_for(tool, environment)
    if ticket is None:
        raise KeyError(f"{tool} has no ticket on {environment}")
    return ticket


def env_tickets(environment: Env) -> list[Ticket]:
    return [t for t in TICKETS if t.environment == environment]


def scope_tickets(environment: Env, scope: Scope) -> tuple[str, ...]:
    """The tickets a rollback scope undoes in an environment."""
    if scope == "full":
        return tuple(t.id for t in env_tickets(environment) if t.id > BACKUP_TICKET[environment])
    return (ticket_of(SCOPE_TOOL[scope], environment).id,)


SCOPE_TICKETS: dict[Env, dict[Scope, tuple[str, ...]]] = {
    env: {scope: scope_tickets(env, scope) for scope in SCOPES} for env in ENVIRONMENTS
}
