"""Replay files (SPEC.md §8): scripted tool calls, operator actions and SQL, run through a real MCP
client over stdio against a fresh database pair, each step checked against its expectation."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import anyio
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from server import db
from server.dev.client import ToolOutcome, call_until_done, connect, server_env
from server.engine.registry import make_guard
from server.engine.report import write_report
from server.errors import Refused, ReplayError
from server.runbook import RefusalCode
from server.settings import Settings

Environment = Literal["staging", "production"]
CODES = {str(code) for code in RefusalCode}


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Literal["PASS", "FAIL", "DRY_RUN", "RUNNING"] | None = None
    refused: str | None = None
    fields: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_code(self) -> Expect:
        if self.refused is not None and self.refused not in CODES:
            raise ValueError(f"unknown refusal code {self.refused!r}; one of {sorted(CODES)}")
        for path, want in self.fields.items():
            if isinstance(want, dict) and (not want or set(want) - {"lt", "gt", "in"}):
                raise ValueError(
                    f"fields.{path}: a comparison is {{'lt': x}}, {{'gt': x}} or {{'in': [...]}}"
                )
        return self


class CallStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    call: str = Field(min_length=1)
    args: dict[str, Any] = Field(default_factory=dict)
    expect: Expect | None = None


class OperatorStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    operator: Literal["approve", "approve_rollback", "halt", "resume", "abandon", "sign_off", "report"]
    reason: str = "replay"
    by: str = "replay operator"
    role: str = "replay role"
    expect: Expect | None = None


class SqlStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sql: str = Field(min_length=1)
    environment: Environment


class WaitStep(BaseModel):
    model_config = ConfigDict(extra="forbid")

    wait_seconds: float = Field(ge=0, le=3600)


Step = CallStep | OperatorStep | SqlStep | WaitStep


class ReplaySettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scale: float = Field(default=0.05, gt=0, le=10)
    seed: int = 1
    soak_hours: float = Field(default=0, ge=0)
    require_approval: bool = True
    sql_before: dict[Environment, str] = Field(default_factory=dict)
    # a Supabase-shaped server (SPEC.md §15): see server/dev/supabase.py
    supabase: bool = False


class ReplayFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    settings: ReplaySettings = Field(default_factory=ReplaySettings)
    steps: list[Step] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _pick_step_kinds(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("steps"), list):
            data = {**data, "steps": [_step(i, raw) for i, raw in enumerate(data["steps"], start=1)]}
        return data


def _step(number: int, raw: Any) -> Step:
    if not isinstance(raw, dict):
        raise ValueError(f"step {number} is not an object")
    kinds: dict[str, type[BaseModel]] = {
        "call": CallStep,
        "operator": OperatorStep,
        "sql": SqlStep,
        "wait_seconds": WaitStep,
    }
    found = [key for key in kinds if key in raw]
    if len(found) != 1:
        raise ValueError(f"step {number} must have exactly one of call, operator, sql, wait_seconds")
    model: Step = kinds[found[0]].model_validate(raw)  # type: ignore[assignment]
    return model


def load(path: Path) -> ReplayFile:
    """Parse and validate a replay file; every problem is a ReplayError naming the file and place."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReplayError(f"cannot read {path}: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise ReplayError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    try:
        return ReplayFile.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'file'}: {err['msg']}" for err in exc.errors()[:5]
        )
        raise ReplayError(f"{path} is not a valid replay file: {problems}") from exc


# -- running -----------------------------------------------------------------------------------------


@dataclass
class DatabasePair:
    staging_dsn: str
    production_dsn: str


@dataclass
class ReplayReport:
    name: str
    passed: bool
    steps_run: int
    failure: str | None = None
    lines: list[str] = field(default_factory=list)


def _lookup(data: Any, path: str) -> Any:
    """Follow a dotted path; a dict key may itself hold dots (`changed_tables.menuca_v3.devices.now`)."""
    parts = path.split(".")
    while parts:
        if isinstance(data, list) and parts[0].lstrip("-").isdigit():
            index = int(parts.pop(0))
            data = data[index] if -len(data) <= index < len(data) else _Missing
            continue
        if not isinstance(data, dict):
            return _Missing
        for size in range(len(parts), 0, -1):  # the longest key that matches wins
            key = ".".join(parts[:size])
            if key in data:
                data, parts = data[key], parts[size:]
                break
        else:
            return _Missing
    return data


class _Missing:
    pass


def _compare(actual: Any, want: Any) -> bool:
    if isinstance(want, dict) and set(want) <= {"lt", "gt", "in"} and want:
        if actual is _Missing or actual is None:
            return False
        if "in" in want and actual not in want["in"]:
            return False
        try:
            if "lt" in want and not actual < want["lt"]:
                return False
            if "gt" in want and not actual > want["gt"]:
                return False
        except TypeError:
            return False
        return True
    if isinstance(want, float) and isinstance(actual, int | float):
        return math.isclose(actual, want, rel_tol=1e-9)
    return bool(actual == want)


def check_expectation(
    expect: Expect | None, refused: str | None, result: dict[str, Any] | None, error: str | None
) -> str | None:
    """None when the outcome meets the expectation, else what went wrong."""
    if refused is not None and (expect is None or expect.refused != refused):
        return f"refused {refused} unexpectedly: {error}"
    if error is not None and refused is None:
        return f"failed: {error}"
    if expect is None:
        return None
    if expect.refused is not None and refused != expect.refused:
        return f"expected refusal {expect.refused}, got {result.get('status') if result else 'no result'}"
    if expect.status is not None and (result is None or result.get("status") != expect.status):
        got = result.get("status") if result else "no result"
        failed = [
            f"{c['name']}: {json.dumps(c.get('actual'), default=str)[:200]}"
            for c in (result or {}).get("checks", [])
            if not c.get("passed")
        ]
        return f"expected status {expect.status}, got {got}" + (
            f" (failed checks, with what was found: {failed[:5]})" if failed else ""
        )
    for path, want in expect.fields.items():
        actual = _lookup(result or {}, path)
        if not _compare(actual, want):
            shown = "missing" if actual is _Missing else json.dumps(actual, default=str)[:200]
            return f"expected {path} = {json.dumps(want)}, got {shown}"
    return None


async def run_replay(
    replay: ReplayFile,
    pair: DatabasePair,
    run_dir: Path,
    out: Callable[[str], None] = print,
    errlog: Any = None,
) -> ReplayReport:
    report = ReplayReport(name=replay.name, passed=False, steps_run=0)

    def say(line: str) -> None:
        report.lines.append(line)
        out(line)

    settings = Settings(
        staging_dsn=pair.staging_dsn,
        production_dsn=pair.production_dsn,
        run_dir=run_dir,
        soak_hours=replay.settings.soak_hours,
        require_approval=replay.settings.require_approval,
        allow_same_server=True,  # both databases of the pair live on one embedded server
    )
    dsns: dict[Environment, str] = {"staging": pair.staging_dsn, "production": pair.production_dsn}
    # One owner session per environment for the whole replay: session-level locks taken by a sql step
    # (a competing session) last until a later sql step releases them.
    owners = {env: db.connect(dsn, autocommit=True, name="menuca-replay-sql") for env, dsn in dsns.items()}
    try:
        for env, text in replay.settings.sql_before.items():
            owners[env].execute(text.encode())  # the replay's own SQL, run as written
        child_env = server_env(
            staging_dsn=pair.staging_dsn,
            production_dsn=pair.production_dsn,
            run_dir=run_dir,
            soak_hours=replay.settings.soak_hours,
            require_approval=replay.settings.require_approval,
        )
        say(f"replay: {replay.name}")
        async with connect(child_env, errlog=errlog) as client:
            for number, step in enumerate(replay.steps, start=1):
                problem, line = await _run_step(client, step, settings, owners, say)
                report.steps_run = number
                say(f"  {number:>2}. {line}" + ("" if problem is None else f"  ✗ {problem}"))
                if problem is not None:
                    report.failure = f"step {number}: {problem}"
                    return report
    finally:
        for conn in owners.values():
            conn.close()
    report.passed = True
    say(f"ok: {report.steps_run} steps, every expectation met")
    return report


async def _run_step(
    client: Any,
    step: Step,
    settings: Settings,
    owners: dict[Environment, db.Conn],
    say: Callable[[str], None] = print,
) -> tuple[str | None, str]:
    if isinstance(step, CallStep):
        env = step.args.get("environment", "")
        shown = f"call {step.call}{' ' + env if env else ''}"

        def waiting(answer: ToolOutcome) -> None:
            progress = (answer.result or {}).get("progress") or {}
            done = f" ({progress.get('done')} of {progress.get('total')})" if progress.get("total") else ""
            say(f"      {shown} → RUNNING{done}: calling again with the same arguments")

        outcome, _ = await call_until_done(client, step.call, step.args, on_wait=waiting)
        if outcome.refused:
            return check_expectation(
                step.expect, outcome.refused, None, outcome.message
            ), f"{shown} → REFUSED {outcome.refused}"
        if outcome.is_error:
            return check_expectation(step.expect, None, None, outcome.text[:300]), f"{shown} → ERROR"
        result = outcome.result or {}
        label = result.get("status") or ("status" if step.call == "status" else "ok")
        return check_expectation(step.expect, None, result, None), f"{shown} → {label}"
    if isinstance(step, OperatorStep):
        guard = make_guard(settings)
        actions: dict[str, Callable[[], Any]] = {
            "approve": lambda: guard.approve_production(step.by),
            "approve_rollback": lambda: guard.approve_rollback(step.by),
            "halt": lambda: guard.halt(step.reason),
            "resume": guard.resume,
            "abandon": lambda: guard.abandon(step.reason),
            "sign_off": lambda: guard.sign_off(step.by, step.role),
            "report": lambda: write_report(guard),
        }
        try:
            await anyio.to_thread.run_sync(actions[step.operator])
        except Refused as refused:
            return check_expectation(step.expect, refused.code, None, refused.message), (
                f"operator {step.operator} → REFUSED {refused.code}"
            )
        return check_expectation(
            step.expect, None, {"status": "PASS"} if step.expect and step.expect.status else None, None
        ), f"operator {step.operator} → done"
    if isinstance(step, SqlStep):
        try:
            await anyio.to_thread.run_sync(lambda: owners[step.environment].execute(step.sql.encode()))
        except Exception as exc:  # noqa: BLE001 - any database error is the step's failure, reported as such
            return f"SQL failed: {str(exc).strip()[:300]}", f"sql on {step.environment}"
        return None, f"sql on {step.environment}: {step.sql.strip()[:70]}"
    started = time.monotonic()
    await anyio.sleep(step.wait_seconds)
    return None, f"waited {time.monotonic() - started:.1f} s"
