"""(being written) the fix_combos step."""

from __future__ import annotations

from typing import Any

from tools.context import StepContext
from tools.results import StepOutcome

SQL_FILES: tuple[str, ...] = ()


def run(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    raise NotImplementedError("fix_combos is being written")


def undo(ctx: StepContext, args: dict[str, Any]) -> StepOutcome:
    raise NotImplementedError("fix_combos rollback is being written")
