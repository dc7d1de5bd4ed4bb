"""The composition root: every tool by name (its entry function, argument and result models, and the
SQL files it runs) and the guard built over them, for the server, the operator commands and tests."""

from __future__ import annotations

from dataclasses import dataclass

from server.engine.guard import Guard
from server.runbook import ToolName
from server.settings import Settings
from tools import apply_indexes, apply_rls, backup, fix_combos, preflight, rollback, validate
from tools.results import (
    ApplyIndexesArgs,
    ApplyIndexesResult,
    ApplyRlsArgs,
    ApplyRlsResult,
    BackupArgs,
    BackupResult,
    FixCombosArgs,
    FixCombosResult,
    PreflightArgs,
    PreflightResult,
    RollbackArgs,
    RollbackResult,
    TicketResult,
    ToolArgs,
    ValidateArgs,
    ValidateResult,
)
from tools.step import StepFn


@dataclass(frozen=True)
class ToolSpec:
    step: StepFn
    args: type[ToolArgs]
    result: type[TicketResult]
    sql_files: tuple[str, ...]


TOOLS: dict[ToolName, ToolSpec] = {
    "preflight": ToolSpec(preflight.preflight, PreflightArgs, PreflightResult, preflight.SQL_FILES),
    "backup": ToolSpec(backup.backup, BackupArgs, BackupResult, backup.SQL_FILES),
    "apply_indexes": ToolSpec(
        apply_indexes.apply_indexes, ApplyIndexesArgs, ApplyIndexesResult, apply_indexes.SQL_FILES
    ),
    "apply_rls": ToolSpec(apply_rls.apply_rls, ApplyRlsArgs, ApplyRlsResult, apply_rls.SQL_FILES),
    "fix_combos": ToolSpec(fix_combos.fix_combos, FixCombosArgs, FixCombosResult, fix_combos.SQL_FILES),
    "validate": ToolSpec(validate.validate, ValidateArgs, ValidateResult, validate.SQL_FILES),
    "rollback": ToolSpec(rollback.rollback, RollbackArgs, RollbackResult, rollback.SQL_FILES),
}


def required_sql_files() -> tuple[str, ...]:
    """Every SQL file a tool of this version runs (each tool module lists its own)."""
    return tuple(sorted({name for spec in TOOLS.values() for name in spec.sql_files}))


def make_guard(settings: Settings) -> Guard:
    """The guard with every real tool."""
    return Guard(
        settings,
        {name: spec.step for name, spec in TOOLS.items()},
        result_models={name: spec.result for name, spec in TOOLS.items()},
        required_sql_files=required_sql_files(),
    )


def tool_args(tool: ToolName, environment: str | None = None, **args: object) -> ToolArgs:
    """The typed arguments of a call given by name (operator tooling, replays and tests)."""
    given = dict(args)
    if environment is not None:
        given["environment"] = environment
    return TOOLS[tool].args.model_validate(given)
