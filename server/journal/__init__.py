"""The journal (journal.jsonl: keyed, hash-chained, anchored) and EXECUTION_LOG.md (SPEC.md §7)."""

from server.journal.chain import ANCHORED_KINDS, AnchorWriter, Journal, JournalRead, VerifyReport, anchor_envs
from server.journal.common import EXECUTION_LOG, GENESIS, JOURNAL, LOG_HEADER, TORN, canonical, utc_now

__all__ = [
    "ANCHORED_KINDS",
    "EXECUTION_LOG",
    "GENESIS",
    "JOURNAL",
    "LOG_HEADER",
    "TORN",
    "AnchorWriter",
    "Journal",
    "JournalRead",
    "VerifyReport",
    "anchor_envs",
    "canonical",
    "utc_now",
]
