"""The server over the real stdio wire, as an agent sees it: schemas, annotations, a preflight and a
backup on a seeded pair, and no password anywhere."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest
from psycopg.conninfo import make_conninfo

from server.dev.client import call_tool, connect, server_env
from server.settings import password_of
from tools.results import BackupResult, PreflightResult, TicketResult

pytestmark = pytest.mark.anyio

TICKET_TOOLS = {"preflight", "backup", "apply_indexes", "apply_rls", "fix_combos", "validate", "rollback"}


async def test_an_agent_lists_typed_tools_runs_preflight_then_backup_and_never_sees_the_password(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    staging, production = make_db(), make_db(production=True)
    password = password_of(staging) or ""
    assert len(password) > 10
    errlog = io.StringIO()
    progress: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress_: float, total: float | None, message: str | None) -> None:
        progress.append((progress_, total, message))

    env = server_env(staging_dsn=staging, production_dsn=production, run_dir=tmp_path, soak_hours=0)
    errfile = tmp_path / "server.stderr"
    with open(errfile, "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            assert TICKET_TOOLS | {"status"} <= set(tools)
            for name in TICKET_TOOLS:
                assert tools[name].input_schema["type"] == "object"
                assert tools[name].output_schema is not None
            assert tools["status"].annotations.read_only_hint is True
            assert tools["rollback"].annotations.destructive_hint is True

            pre = await call_tool(client, "preflight")
            assert pre.status == "PASS", pre.text
            PreflightResult.model_validate(pre.result)
            backup = await call_tool(client, "backup", {"environment": "staging"}, progress=on_progress)
            assert backup.status == "PASS", backup.text
            parsed = BackupResult.model_validate(backup.result)
            assert parsed.verified and parsed.bytes and parsed.sha256 and parsed.backup_id
            assert parsed.next is not None and parsed.next.tool == "apply_indexes"
            assert set(TicketResult.model_fields) <= set(backup.result or {})
            assert progress, "backup reports MCP progress"
            outputs = [pre.text, backup.text]
    outputs += [
        errfile.read_text(encoding="utf-8"),
        errlog.getvalue(),
        (tmp_path / "journal.jsonl").read_text(encoding="utf-8"),
        (tmp_path / "EXECUTION_LOG.md").read_text(encoding="utf-8"),
    ]
    for text in outputs:
        assert password not in text
    assert (Path(parsed.path).stat().st_mode & 0o777) == 0o600
    assert (Path(parsed.path).parent.stat().st_mode & 0o777) == 0o700


async def test_a_wrong_password_is_refused_not_configured_without_echoing_it(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    staging, production = make_db(), make_db(production=True)
    wrong = "Wr0ngPassw0rd-Not-Real"
    bad = make_conninfo(staging, password=wrong)
    env = server_env(staging_dsn=bad, production_dsn=production, run_dir=tmp_path)
    errfile = tmp_path / "server.stderr"
    with open(errfile, "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            pre = await call_tool(client, "preflight")
            assert pre.status == "FAIL"
            failed = [c for c in (pre.result or {})["checks"] if not c["passed"]]
            assert any(c["name"] == "staging: reachable" for c in failed)
            status = await call_tool(client, "status")
            assert status.result and status.result["tickets"][0]["status"] == "FAILED"
            texts = [pre.text, status.text]
    texts += [errfile.read_text(encoding="utf-8"), (tmp_path / "journal.jsonl").read_text(encoding="utf-8")]
    for text in texts:
        assert wrong not in text


async def test_a_refusal_reaches_the_python_client_as_a_structured_tool_error(
    make_db: Callable[..., str], tmp_path: Path
) -> None:
    from tools.results import Refusal

    env = server_env(staging_dsn=make_db(), production_dsn=make_db(production=True), run_dir=tmp_path)
    with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            raw = await client.call_tool("apply_rls", {"environment": "staging"})
            status = await call_tool(client, "status")
            schemas = {t.name: t.output_schema for t in (await client.list_tools()).tools}
    # clients that check an error's structured content against the outputSchema (the TypeScript SDK,
    # so the MCP Inspector) accept it: each outputSchema admits the result or a refusal
    jsonschema.validate(raw.structured_content, schemas["apply_rls"])
    jsonschema.validate(status.result, schemas["status"])
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"refused": "OUT_OF_ORDER"}, schemas["apply_rls"])
    assert raw.is_error is True
    text = " ".join(getattr(block, "text", "") for block in raw.content)
    assert text.startswith("REFUSED OUT_OF_ORDER: ") and "Error executing tool" not in text
    assert isinstance(raw.structured_content, dict)
    refusal = Refusal.model_validate(raw.structured_content)
    assert refusal.refused == "OUT_OF_ORDER" and refusal.message in text
    assert refusal.next is not None and refusal.next.tool == "preflight"
    assert [b.code for b in refusal.blockers] == ["OUT_OF_ORDER"]
    assert status.result is not None and status.result["next"]["tool"] == "preflight"


async def test_without_a_database_a_refusal_is_structured_not_configured(tmp_path: Path) -> None:
    env = server_env(staging_dsn=None, production_dsn=None, run_dir=tmp_path)
    with open(tmp_path / "server.stderr", "w", encoding="utf-8") as err:
        async with connect(env, errlog=err) as client:
            outcome = await call_tool(client, "backup", {"environment": "staging"})
    assert outcome.is_error and outcome.refused == "NOT_CONFIGURED"
    assert outcome.refusal is not None and outcome.refusal["refused"] == "NOT_CONFIGURED"
    assert "MENUCA_STAGING_DSN" in outcome.refusal["message"]
    assert outcome.text.startswith("REFUSED NOT_CONFIGURED: ")
