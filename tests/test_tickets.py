"""The runbook a human reads (tickets/) agrees with the code's ticket table and is what the server serves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server.app.tickets_doc import ticket_markdown
from server.runbook import (
    SCOPE_TICKETS,
    TICKETS,
    RefusalCode,
    RunState,
    Ticket,
    TicketStatus,
    rollback_targets,
)

TICKETS_DIR = Path(__file__).resolve().parent.parent / "tickets"
README = TICKETS_DIR / "README.md"
ROLLBACK_GUIDE = TICKETS_DIR / "ROLLBACK_GUIDE.md"

# The ticket template (tickets/README.md "The ticket template"): these sections, in this order.
SECTIONS = (
    "## Goal",
    "## What the tool does",
    "## Validation criteria",
    "## Failure handling",
    "## Rollback",
    "## What went wrong in the real run",
)
VALIDATION_TABLE_HEADER = "| check | threshold | why |"


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _header_field(text: str, name: str) -> str:
    """The value of a `Name: value` line of a ticket's header (the lines before the first section)."""
    header = text.split("\n## ", 1)[0]
    values = re.findall(rf"^{name}: (.+)$", header, flags=re.MULTILINE)
    assert len(values) == 1, f"expected exactly one {name}: line in the header, found {values}"
    return str(values[0]).strip()


def _table_rows(text: str) -> list[list[str]]:
    """Every Markdown table row of a text, as its stripped cells."""
    return [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.lstrip().startswith("|")
    ]


def _ids(cell: str) -> list[str]:
    return re.findall(r"\b\d\d\b", cell)


ids = pytest.mark.parametrize("ticket", TICKETS, ids=[t.id for t in TICKETS])


@ids
def test_every_ticket_in_the_code_table_has_its_file(ticket: Ticket) -> None:
    assert (TICKETS_DIR / ticket.filename).is_file()


def test_tickets_folder_holds_no_ticket_file_the_code_does_not_know() -> None:
    on_disk = {path.name for path in TICKETS_DIR.glob("[0-9][0-9]_*.md")}
    assert on_disk == {ticket.filename for ticket in TICKETS}


@ids
def test_title_line_carries_the_ticket_id(ticket: Ticket) -> None:
    first_line = _read(TICKETS_DIR / ticket.filename).splitlines()[0]
    assert re.fullmatch(rf"# TICKET {ticket.id} — \S.*", first_line), first_line


@ids
def test_tool_line_equals_the_code_table(ticket: Ticket) -> None:
    assert _header_field(_read(TICKETS_DIR / ticket.filename), "Tool") == f"`{ticket.tool}`"


@ids
def test_environment_line_equals_the_code_table(ticket: Ticket) -> None:
    assert _header_field(_read(TICKETS_DIR / ticket.filename), "Environment") == ticket.environment


def test_preflight_is_the_only_ticket_for_both_environments() -> None:
    assert [t.id for t in TICKETS if t.environment == "both"] == ["00"]


@ids
def test_gate_line_names_the_previous_ticket_as_the_spec_table_does(ticket: Ticket) -> None:
    gate = _header_field(_read(TICKETS_DIR / ticket.filename), "Gate")
    position = TICKETS.index(ticket)
    if position == 0:
        assert gate.startswith("none")
    else:
        assert gate.startswith(f"ticket {TICKETS[position - 1].id} COMPLETE"), gate


def test_production_backup_gate_names_soak_approval_and_drift() -> None:
    gate = _header_field(_read(TICKETS_DIR / "06_PRODUCTION_BACKUP.md"), "Gate")
    for condition in ("soak", "approved", "drifted"):
        assert condition in gate


@ids
def test_ticket_has_every_template_section_once_and_in_order(ticket: Ticket) -> None:
    lines = _read(TICKETS_DIR / ticket.filename).splitlines()
    headings = [line.strip() for line in lines if line.startswith("## ")]
    assert headings == list(SECTIONS)


@ids
def test_validation_criteria_is_a_check_threshold_why_table(ticket: Ticket) -> None:
    text = _read(TICKETS_DIR / ticket.filename)
    section = text.split("## Validation criteria", 1)[1].split("\n## ", 1)[0]
    assert VALIDATION_TABLE_HEADER in section
    assert len(_table_rows(section)) >= 4  # header, separator and at least two checks


@ids
def test_lesson_cites_a_numbered_item_of_the_facts_file(ticket: Ticket) -> None:
    text = _read(TICKETS_DIR / ticket.filename)
    lesson = text.split("## What went wrong in the real run", 1)[1]
    assert re.search(r"MENUCA_FACTS\.md item \d+", lesson)


def test_readme_overview_lists_every_ticket_with_the_code_tables_tool_and_environment() -> None:
    rows = [row for row in _table_rows(_read(README)) if re.fullmatch(r"\d\d", row[0])]
    listed = [(row[0], row[1], row[2].strip("`"), row[3]) for row in rows]
    expected = [(t.id, f"[{t.filename}]({t.filename})", t.tool, t.environment) for t in TICKETS]
    assert listed == expected


@ids
def test_readme_overview_gate_equals_the_tickets_gate_line(ticket: Ticket) -> None:
    rows = {row[0]: row for row in _table_rows(_read(README)) if re.fullmatch(r"\d\d", row[0])}
    gate = _header_field(_read(TICKETS_DIR / ticket.filename), "Gate")
    assert gate.startswith(rows[ticket.id][4])


def test_readme_describes_the_ticket_template() -> None:
    readme = _read(README)
    assert "## The ticket template" in readme
    template = readme.split("## The ticket template", 1)[1].split("```", 2)[1]
    assert "# TICKET NN — <Title>" in template
    assert "Tool: `<tool>`" in template
    assert "Environment: <staging|production|both>" in template
    assert "Gate: " in template
    assert [line for line in template.splitlines() if line.startswith("## ")] == list(SECTIONS)
    assert VALIDATION_TABLE_HEADER in template


def test_readme_explains_every_refusal_code_in_precedence_order() -> None:
    rows = [row for row in _table_rows(_read(README)) if re.fullmatch(r"`[A-Z_]+`", row[0])]
    assert [row[0].strip("`") for row in rows] == [str(code) for code in RefusalCode]


def test_readme_lists_the_operator_commands() -> None:
    readme = _read(README)
    for command in (
        "approve production --by NAME",
        "approve rollback --by NAME",
        "halt --reason TEXT",
        "menuca-migrate resume",
        "abandon --reason TEXT",
        "menuca-migrate status",
        "menuca-migrate log",
        "menuca-migrate verify-log",
    ):
        assert command in readme


def test_rollback_guide_scopes_undo_the_tickets_the_code_names() -> None:
    rows = {row[0].strip("`"): row for row in _table_rows(_read(ROLLBACK_GUIDE))}
    for scope, staging_tickets in SCOPE_TICKETS["staging"].items():
        assert tuple(_ids(rows[scope][1])) == staging_tickets
        assert tuple(_ids(rows[scope][2])) == SCOPE_TICKETS["production"][scope]


def test_rollback_guide_lists_the_tickets_a_rollback_returns_to_rolled_back() -> None:
    state = RunState(run_id="run-test")
    for ticket in TICKETS:
        state.tickets[ticket.id].status = TicketStatus.COMPLETE
    rows = [row for row in _table_rows(_read(ROLLBACK_GUIDE)) if row[0] in SCOPE_TICKETS]
    listed = {(row[0], row[1].strip("`")): _ids(row[2]) for row in rows}
    expected = {
        (env, scope): rollback_targets(state, env, scope)
        for env, scopes in SCOPE_TICKETS.items()
        for scope in scopes
    }
    assert listed == expected


@ids
def test_server_resource_serves_the_ticket_file(ticket: Ticket) -> None:
    assert ticket_markdown(ticket.id) == _read(TICKETS_DIR / ticket.filename)


SCALE_ONE_COUNTS = ("8,234", "8,218", "5,155", "16,461", "16,356", "5,356")


@ids
def test_scale_1_counts_are_given_as_an_example_beside_the_seeded_scale_preflight_shows(
    ticket: Ticket,
) -> None:
    text = _read(TICKETS_DIR / ticket.filename)
    body = text.split("## What went wrong in the real run", 1)[0]  # the lesson quotes the real run
    quoted = [count for count in SCALE_ONE_COUNTS if count in body]
    if quoted:
        assert "scale 1" in body and "dataset_scale" in body, (ticket.id, quoted)


@ids
def test_no_ticket_names_a_test_pause_point_or_lock_jargon(ticket: Ticket) -> None:
    from server.engine.runtime import PAUSE_POINTS

    text = _read(TICKETS_DIR / ticket.filename)
    assert not [point for point in PAUSE_POINTS if point in text]
    assert "NOWAIT" not in text


def test_ticket_02_states_what_bounds_a_build_as_the_code_sets_it() -> None:
    from tools import apply_indexes
    from tools.lib.targets import targets

    text = _read(TICKETS_DIR / "02_STAGING_INDEXES.md")
    settings = " ".join(targets()[1])
    lock = re.search(r"lock_timeout = '(\w+)'", settings)
    assert lock and f"`lock_timeout = {lock.group(1)}`" in text
    assert "statement_timeout = 0" in settings and "`statement_timeout = 0`" in text
    assert f"longer than {apply_indexes.LONG_TRANSACTION_S:.0f} s" in text
    assert f"at most {apply_indexes.MAX_WAIT_S:.0f} s" in text
    assert "pg_stat_progress_create_index" in text and "MCP progress" in text
    assert "never hangs" not in text


def test_the_run_migration_prompt_tells_the_agent_how_blockers_args_and_human_actions_work() -> None:
    from server.app.resources import RUN_MIGRATION_PROMPT as prompt

    for phrase in ("next.blockers", "human_action", "next.args", "seconds_left", "dry_run", "REFUSED"):
        assert phrase in prompt
    assert "--yes" not in prompt  # the agent is never told how to approve without a terminal
