"""The operator's commands of the CLI: approve, sign-off, watch, report, halt, resume and abandon (what
no MCP tool can do), with their arguments."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from server.engine.guard import Guard
from server.errors import BadArgument
from server.settings import Settings


def _guard(settings: Settings) -> Guard:
    from server.engine.registry import make_guard

    return make_guard(settings)


MAX_NAME = 100
MAX_REASON = 500  # as rollback's reason


def operator_name(raw: str) -> str:
    """--by: 1–100 printable characters (SPEC.md §4); no control character, separator or bidi mark
    that could disguise who approved."""
    name = raw.strip()
    if not 1 <= len(name) <= MAX_NAME or not name.isprintable():
        raise BadArgument(
            f"--by must be 1-{MAX_NAME} printable characters (no line breaks, control characters or "
            f"invisible marks); got {len(raw)} characters"
        )
    return name


def operator_reason(raw: str) -> str:
    """--reason: 1–500 characters, recorded as given (the log escapes what would break its lines)."""
    if not raw.strip() or len(raw) > MAX_REASON:
        raise BadArgument(f"--reason must be 1-{MAX_REASON} characters; got {len(raw)}")
    return raw


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    """The evidence first; then, on a terminal, the production database name typed back; without a
    terminal only with --yes, recorded as approved without a terminal (SPEC.md §4, §13)."""
    from server.engine import evidence, operator

    args.by = operator_name(args.by)
    guard = _guard(settings)
    interactive = sys.stdin.isatty()
    command = f"approve {args.what}"
    production = args.what == "production"
    state = operator.production_binding(guard) if production else operator.rollback_binding(guard)
    if not interactive and not args.yes:
        print(
            f"menuca-migrate {command}: there is no terminal to confirm on, so nothing was approved. Run it "
            "in a terminal (it asks for the production database name), or add --yes to approve without "
            "one (recorded as 'approved without a terminal').",
            file=sys.stderr,
        )
        return 1
    if production:
        shown = evidence.production_evidence(guard, state, interactive=interactive)
    else:
        shown = evidence.rollback_evidence(guard, state, interactive=interactive)
    print(shown.text)
    print(f"evidence sha256: {shown.sha256}")
    if interactive:
        if not shown.production_database:
            print(
                f"menuca-migrate {command}: the production database cannot be read; nothing was approved.",
                file=sys.stderr,
            )
            return 1
        try:
            typed = input(f"Type the production database name ({shown.production_database}) to approve: ")
        except EOFError:
            typed = ""
        if typed.strip() != shown.production_database:
            print(
                f"menuca-migrate {command}: the name typed does not match; nothing was approved.",
                file=sys.stderr,
            )
            return 1
    approve = operator.approve_production if production else operator.approve_rollback
    event = approve(guard, args.by, interactive=interactive, evidence=shown)
    what = "production" if production else "one full restore of production"
    how = "" if interactive else " — approved without a terminal"
    print(f"operator {args.by} approved {what} (journal seq {event['seq']}){how}")
    return 0


def cmd_sign_off(args: argparse.Namespace, settings: Settings) -> int:
    event = _guard(settings).sign_off(args.by, args.role, args.note)
    print(
        f"signed off by {args.by} ({args.role}) (journal seq {event['seq']}); `menuca-migrate report` lists it"
    )
    return 0


def cmd_watch(args: argparse.Namespace, settings: Settings) -> int:
    from server.watch import run_watch

    return run_watch(_guard(settings), args.interval)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    from server.engine.report import write_report

    path = write_report(_guard(settings), Path(args.out) if args.out else None)
    print(f"report written: {path}")
    return 0


def cmd_halt(args: argparse.Namespace, settings: Settings) -> int:
    event = _guard(settings).halt(operator_reason(args.reason))
    print(f"halted (journal seq {event['seq']}): mutating calls are refused until `menuca-migrate resume`")
    return 0


def cmd_resume(args: argparse.Namespace, settings: Settings) -> int:
    event = _guard(settings).resume()
    print(f"resumed (journal seq {event['seq']})")
    return 0


def cmd_abandon(args: argparse.Namespace, settings: Settings) -> int:
    event = _guard(settings).abandon(operator_reason(args.reason))
    print(f"run abandoned (journal seq {event['seq']}); the next preflight starts a new run")
    details = event.get("details")
    shown = details if isinstance(details, dict) else {}
    for item in shown.get("removed", []):
        print(f"removed {item}")
    for item in shown.get("not_removed", []):
        print(f"NOT removed: {item}", file=sys.stderr)
    return 0


def _printable(limit: int) -> Callable[[str], str]:
    """An argument of 1 to `limit` printable characters (a name, a role, a note)."""

    def parse(raw: str) -> str:
        value = raw.strip()
        if not value or len(value) > limit or not value.isprintable():
            raise argparse.ArgumentTypeError(f"give 1 to {limit} printable characters")
        return value

    return parse


def _interval(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number of minutes") from None
    if not 0 < value <= 24 * 60:
        raise argparse.ArgumentTypeError("the interval must be more than 0 and at most 1440 minutes")
    return value


def add_operator_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], parent: argparse.ArgumentParser
) -> None:
    """The operator's sub-commands, in the order `menuca-migrate --help` lists them."""
    approve = sub.add_parser(
        "approve", parents=[parent], help="the operator's approvals (no tool can give them)"
    )
    approve.add_argument("what", choices=["production", "rollback"])
    approve.add_argument(
        "--by",
        required=True,
        help="the operator's name, for the journal (1-100 characters)",
    )
    approve.add_argument(
        "--yes",
        action="store_true",
        help="approve without a terminal (recorded as 'approved without a terminal'); on a terminal the "
        "command asks for the production database name instead",
    )
    approve.set_defaults(handler=cmd_approve)

    sign_off = sub.add_parser(
        "sign-off", parents=[parent], help="record a sign-off on the completed run (after ticket 10)"
    )
    sign_off.add_argument(
        "--by", required=True, type=_printable(100), help="who signs off (1-100 characters)"
    )
    sign_off.add_argument(
        "--role",
        required=True,
        type=_printable(100),
        help="their role, e.g. lead, DBA, CTO (1-100 characters)",
    )
    sign_off.add_argument("--note", type=_printable(500), help="a note for the report (up to 500 characters)")
    sign_off.set_defaults(handler=cmd_sign_off)

    watch = sub.add_parser(
        "watch",
        parents=[parent],
        help="sample both databases' health during the soak and the production watch",
    )
    watch.add_argument(
        "--interval",
        type=_interval,
        default=15.0,
        help="minutes between samples (default 15; fractions allowed)",
    )
    watch.set_defaults(handler=cmd_watch)

    report = sub.add_parser(
        "report", parents=[parent], help="write the post-deployment report (REPORT.md + charts)"
    )
    report.add_argument("--out", help="the directory to write it in (default: the run dir)")
    report.set_defaults(handler=cmd_report)

    halt = sub.add_parser("halt", parents=[parent], help="stop every mutating tool until resume")
    halt.add_argument("--reason", required=True)
    halt.set_defaults(handler=cmd_halt)

    resume = sub.add_parser("resume", parents=[parent], help="lift a halt")
    resume.set_defaults(handler=cmd_resume)

    abandon = sub.add_parser("abandon", parents=[parent], help="end the current run")
    abandon.add_argument("--reason", required=True)
    abandon.set_defaults(handler=cmd_abandon)
