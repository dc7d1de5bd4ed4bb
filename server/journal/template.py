"""The header every run's EXECUTION_LOG.md starts with (the repository's EXECUTION_LOG.md holds exactly this)."""

from __future__ import annotations

# A constant of the package, never read from a file: a run's appends to some EXECUTION_LOG.md (the
# repository's, say) can never leak into the header of another run's log. Long lines are the
# file's own; tests/test_journal.py checks the repository's file equals this text.
LOG_HEADER = """# EXECUTION LOG — MenuCA V3 schema optimisation

Written by menuca-migrate, one block per ticket event, for the humans who watch and approve the
run. The journal (`journal.jsonl`, hash-chained) is the source of truth; each block ends with the
journal head it was written at, so `menuca-migrate verify-log` can check this file against it.

Block template:

    ## TICKET NN — <tool> — <environment>
    Time: <UTC start> → <UTC end> (<duration>)
    Run: <run_id>
    Actions and outputs:
    - <what ran, with figures>
    Validation (expected vs actual):
    | check | expected | actual | result |
    Decision: <PASS / FAIL / REFUSED / DRY RUN / ROLLED BACK, and what comes next>
    <completion line, for completed tickets only>
    Journal head: seq <n>, hash <sha256>

A completed ticket adds one line made of the word STATUS, a colon, the word COMPLETE, then
`— TICKET NN <tool> <environment> — <UTC time>`, so counting those lines counts completions; a
rollback adds the same with ROLLED_BACK. This file in the repository holds only the header: real runs write it in their run directory.
"""
