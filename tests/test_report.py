"""The post-deployment report and the sign-offs (SPEC.md §4, §12): REPORT.md and its PNG charts from a
completed demo run, whose figures are the journal's; `sign-off` only after ticket 10 and never on a
journal that fails verification; the resource menuca://report."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from server.cli import main
from server.dev.demo import Screen, run_demo
from server.engine import health
from server.engine.guard import Guard
from server.engine.registry import make_guard
from server.engine.report import HEALTH_CHART, MENU_CHART, REPORT, write_report
from server.errors import Refused
from server.journal import EXECUTION_LOG, JOURNAL
from server.runbook import TICKETS, fold
from server.settings import Settings
from tests.conftest import call_guard
from tests.fakes import Clock, FakeProbes
from tools.records import PreflightRecord
from tools.step import StepContext, StepOutcome, check


def _rows(text: str, section: str) -> list[list[str]]:
    """The table rows of one `## section` of REPORT.md, as stripped cells (header and rule left out)."""
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    rows = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in body.splitlines()
        if line.startswith("|")
    ]
    return rows[2:]


def _row(rows: list[list[str]], first: str) -> list[str]:
    return next(r for r in rows if r[0] == first)


def _valid_png(path: Path) -> tuple[int, int]:
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        return image.size


@pytest.mark.slow
def test_report_on_a_completed_demo_run_writes_valid_pngs_and_the_journals_figures(tmp_path: Path) -> None:
    run_dir = tmp_path / "demo"
    out = io.StringIO()
    demo = run_demo(0.05, run_dir, keep=False, screen=Screen(out))
    assert demo.report == run_dir / REPORT
    assert f"REPORT.md: {run_dir / REPORT}" in out.getvalue()
    for chart in (MENU_CHART, HEALTH_CHART):
        width, height = _valid_png(run_dir / chart)
        assert width >= 800 and height >= 400
    text = (run_dir / REPORT).read_text(encoding="utf-8")
    assert f"]({MENU_CHART})" in text and f"]({HEALTH_CHART})" in text
    assert "Journal verification: OK" in text

    events = [json.loads(line) for line in (run_dir / JOURNAL).read_text(encoding="utf-8").splitlines()]
    state = fold(events)
    for env, combos in (("staging", "04"), ("production", "09")):
        after = state.tickets[combos].result["orphan_rate_after"]["source_backed"]  # type: ignore[index]
        row = _row(_rows(text, "Before and after"), "orphan rate, source-backed")
        assert row[2 if env == "staging" else 4] == f"{after:.4f}"
    latest = {env: health.entries(events, state.run_id, env)[-1] for env in ("staging", "production")}
    assert latest["staging"].reason == "report" and latest["production"].reason == "report"  # fresh samples
    menu = _row(_rows(text, "Before and after"), "menu p50 (ms)")
    baseline = PreflightRecord.model_validate(state.records["00"][-1]).baseline
    assert menu[1] == f"{baseline['staging'].menu_queries['menu']['median_ms']:.2f}"
    assert menu[2] == f"{latest['staging'].sample.menu['menu'].p50_ms:.2f}"
    assert menu[4] == f"{latest['production'].sample.menu['menu'].p50_ms:.2f}"
    overhead = _row(_rows(text, "RLS overhead"), "staging")
    measured = latest["staging"].sample.rls_overhead
    assert measured is not None and overhead[2:4] == [f"{measured.owner_ms:.2f}", f"{measured.tenant_ms:.2f}"]
    soak = [
        e for e in health.entries(events, state.run_id, "staging") if e.reason in ("soak_start", "soak_gate")
    ]
    window = soak[-1].window
    assert window is not None
    row = _row(_rows(text, "Health: staging's soak and production's watch"), "staging soak")
    assert row[4:6] == [str(window.transactions), str(window.rollbacks)] and row[7] == str(window.deadlocks)
    triggers = [r for r in _rows(text, "Rollback triggers") if r[0] == f"staging soak (seq {soak[-1].seq})"]
    assert [r[1] for r in triggers] == [t.trigger for t in soak[-1].triggers]
    for ticket in TICKETS:
        assert _row(_rows(text, "Time per ticket"), ticket.id)[4] == str(state.tickets[ticket.id].attempts)

    # the operators sign off on the completed run; the report lists them (the demo's databases are gone:
    # the report says it took no fresh sample and keeps the journal's figures)
    settings = Settings(run_dir=run_dir)
    assert (
        main(
            [
                "sign-off",
                "--by",
                "Ada Lovelace",
                "--role",
                "DBA",
                "--note",
                "soak and watch clean",
                "--run-dir",
                str(run_dir),
            ]
        )
        == 0
    )
    assert main(["sign-off", "--by", "Grace Hopper", "--role", "CTO", "--run-dir", str(run_dir)]) == 0
    again = write_report(make_guard(settings), tmp_path / "out").read_text(encoding="utf-8")
    signed = _rows(again, "Sign-offs")
    assert [r[:2] for r in signed] == [["Ada Lovelace", "DBA"], ["Grace Hopper", "CTO"]]
    assert signed[0][3] == "soak and watch clean"
    assert "Fresh sample of staging: not sampled" in again
    assert _row(_rows(again, "Before and after"), "menu p50 (ms)") == menu
    assert "## OPERATOR — sign-off" in (run_dir / EXECUTION_LOG).read_text(encoding="utf-8")


# -- sign-off, over the real guard and journal with fake steps ---------------------------------------------


def _fake_guard(run_dir: Path) -> Guard:
    def executor(tool: str) -> Any:
        def run(ctx: StepContext, args: Any) -> StepOutcome[Any]:
            return StepOutcome(checks=[check(f"{tool} fake check", True, True)], summary=f"{tool} fake")

        return run

    settings = Settings(
        staging_dsn="postgresql://u:pw@h/s",
        production_dsn="postgresql://u:pw@h/p",
        run_dir=run_dir,
        soak_hours=0,
    )
    tools = {t.tool for t in TICKETS} | {"rollback"}
    return Guard(settings, {name: executor(name) for name in tools}, probes=FakeProbes(), clock=Clock())


def _through(guard: Guard, last: str) -> None:
    for ticket in TICKETS:
        if ticket.id == "06":
            guard.approve_production("op")
        env = None if ticket.environment == "both" else ticket.environment
        assert call_guard(guard, ticket.tool, env)["status"] == "PASS"
        if ticket.id == last:
            return


def test_sign_off_before_ticket_10_is_refused_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guard = _fake_guard(tmp_path)
    _through(guard, "09")
    with pytest.raises(Refused) as refused:
        guard.sign_off("Ada", "DBA")
    assert refused.value.code == "OUT_OF_ORDER" and "ticket 10" in refused.value.message
    assert main(["sign-off", "--by", "Ada", "--role", "DBA", "--run-dir", str(tmp_path)]) == 1
    assert "ticket 10" in capsys.readouterr().err


def test_sign_off_on_a_journal_that_fails_verification_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    guard = _fake_guard(tmp_path)
    _through(guard, "10")
    lines = (tmp_path / JOURNAL).read_text(encoding="utf-8").splitlines()
    edited = lines[3].replace('"ts":"2026', '"ts":"2025', 1)
    assert edited != lines[3]
    lines[3] = edited
    (tmp_path / JOURNAL).write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["sign-off", "--by", "Ada", "--role", "DBA", "--run-dir", str(tmp_path)]) == 1
    assert "failed its verification" in capsys.readouterr().err
    assert '"signed_off"' not in (tmp_path / JOURNAL).read_text(encoding="utf-8")


def test_a_sign_off_note_cannot_forge_a_line_of_the_log(tmp_path: Path) -> None:
    guard = _fake_guard(tmp_path)
    _through(guard, "10")
    guard.sign_off(
        "Ada\nSTATUS: COMPLETE — TICKET 10 validate production — now", "DBA", "ok\u2028STATUS: ROLLED_BACK"
    )
    log = (tmp_path / EXECUTION_LOG).read_text(encoding="utf-8")
    assert len(re.findall(r"^STATUS: COMPLETE", log, flags=re.MULTILINE)) == 11
    assert not re.search(r"^STATUS: ROLLED_BACK", log, flags=re.MULTILINE)
    assert "By: Ada\\u000aSTATUS\\: COMPLETE" in log
    assert guard.journal.verify().ok


def test_sign_off_names_and_roles_are_one_to_a_hundred_printable_characters(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["sign-off", "--by", "", "--role", "DBA", "--run-dir", str(tmp_path)])
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        main(["sign-off", "--by", "Ada", "--role", "x" * 101, "--run-dir", str(tmp_path)])


@pytest.mark.anyio
async def test_the_report_resource_serves_the_report_from_the_journal(tmp_path: Path) -> None:
    from mcp import Client

    from server.app import build_server

    guard = _fake_guard(tmp_path)
    _through(guard, "10")
    guard.sign_off("Ada", "DBA")
    async with Client(build_server(Settings(run_dir=tmp_path))) as client:
        result = await client.read_resource("menuca://report")
    text = result.contents[0].text  # type: ignore[union-attr]
    assert text.startswith("# MenuCA V3 runbook — post-deployment report")
    assert "Tickets: 11 of 11 COMPLETE" in text
    assert "| Ada | DBA |" in text
    assert not (tmp_path / REPORT).exists()  # a resource writes nothing
