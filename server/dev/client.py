"""A real MCP client over stdio, as an agent uses the server: for replays, the demo and the tests."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from mcp import Client, StdioServerParameters
from mcp.client.stdio import get_default_environment, stdio_client
from mcp.shared.dispatcher import ProgressFnT

PASSED_THROUGH = ("XDG_CONFIG_HOME", "XDG_STATE_HOME", "MENUCA_KEY_FILE")
REFUSED = re.compile(r"REFUSED ([A-Z_]+): (.*)", re.DOTALL)


def server_env(
    *,
    staging_dsn: str | None,
    production_dsn: str | None,
    run_dir: Path,
    soak_hours: float = 4,
    require_approval: bool = True,
    allow_same_server: bool = True,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a `menuca-migrate serve` child: the stdio child inherits almost nothing.
    The harness runs staging and production as two databases of one embedded server, so it allows
    that (MENUCA_ALLOW_SAME_SERVER) unless told otherwise."""
    env = dict(get_default_environment())
    # where the journal key and the default run directory live: the same for this server as for us
    env.update({name: os.environ[name] for name in PASSED_THROUGH if os.environ.get(name)})
    env.update(
        {
            "MENUCA_RUN_DIR": str(run_dir),
            "MENUCA_SOAK_HOURS": str(soak_hours),
            "MENUCA_REQUIRE_APPROVAL": "true" if require_approval else "false",
            "MENUCA_ALLOW_SAME_SERVER": "true" if allow_same_server else "false",
        }
    )
    if staging_dsn:
        env["MENUCA_STAGING_DSN"] = staging_dsn
    if production_dsn:
        env["MENUCA_PRODUCTION_DSN"] = production_dsn
    env.update(extra or {})
    return env


@asynccontextmanager
async def connect(env: dict[str, str], errlog: TextIO | None = None) -> AsyncIterator[Client]:
    """Start `menuca-migrate serve` over stdio with this environment and connect to it."""
    params = StdioServerParameters(command=sys.executable, args=["-m", "server.cli", "serve"], env=env)
    async with Client(stdio_client(params, errlog=errlog or sys.stderr)) as client:
        yield client


@dataclass
class ToolOutcome:
    """One tool call as the agent saw it."""

    is_error: bool
    text: str
    result: dict[str, Any] | None
    refused: str | None  # the refusal code, when the server refused the call
    message: str
    refusal: dict[str, Any] | None = (
        None  # the refusal's structured content: refused, message, next, blockers
    )

    @property
    def status(self) -> str | None:
        return None if self.result is None else self.result.get("status")


async def call_tool(
    client: Client, name: str, arguments: dict[str, Any] | None = None, progress: ProgressFnT | None = None
) -> ToolOutcome:
    result = await client.call_tool(name, arguments or {}, progress_callback=progress)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    match = REFUSED.search(text)
    structured = result.structured_content if isinstance(result.structured_content, dict) else None
    refusal = structured if (result.is_error and structured and "refused" in structured) else None
    code = refusal["refused"] if refusal else (match.group(1) if (result.is_error and match) else None)
    message = refusal["message"] if refusal else (match.group(2) if match else text)
    return ToolOutcome(
        is_error=bool(result.is_error),
        text=text,
        result=None if result.is_error else structured,
        refused=code,
        message=message,
        refusal=refusal,
    )


async def call_until_done(
    client: Client,
    name: str,
    arguments: dict[str, Any] | None = None,
    progress: ProgressFnT | None = None,
    on_wait: Callable[[ToolOutcome], None] | None = None,
) -> tuple[ToolOutcome, list[float]]:
    """A tool call repeated with the same arguments while the server answers RUNNING (SPEC.md §14: the
    work goes on in the server; the same call again waits for it); the final answer, and how long each
    call held the client (seconds), in order."""
    held: list[float] = []
    while True:
        begun = time.monotonic()
        outcome = await call_tool(client, name, arguments, progress)
        held.append(time.monotonic() - begun)
        if outcome.status != "RUNNING":
            return outcome, held
        if on_wait is not None:
            on_wait(outcome)
