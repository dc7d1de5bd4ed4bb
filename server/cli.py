"""The `menuca-migrate` command line: server, embedded database, dataset, and the operator's commands."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from server import embedded_pg
from server.errors import RunbookError
from server.log import configure as configure_logging
from server.log import register_secrets
from server.settings import Settings, load_settings, password_of, scrub

Handler = Callable[[argparse.Namespace, Settings], int]


def _config_parent() -> argparse.ArgumentParser:
    """The settings flags of SPEC.md §3, accepted by every command (after the command name)."""
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("configuration (flags win over MENUCA_* environment variables)")
    group.add_argument("--staging-dsn", help="staging database (env MENUCA_STAGING_DSN)")
    group.add_argument("--production-dsn", help="production database (env MENUCA_PRODUCTION_DSN)")
    group.add_argument("--run-dir", help="journal, EXECUTION_LOG.md and backups (env MENUCA_RUN_DIR)")
    group.add_argument("--soak-hours", help="soak window after ticket 05 (env MENUCA_SOAK_HOURS, default 4)")
    group.add_argument(
        "--require-approval",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="human approval before production (env MENUCA_REQUIRE_APPROVAL, default true)",
    )
    return parent


def _settings_from(args: argparse.Namespace) -> Settings:
    return load_settings(
        staging_dsn=args.staging_dsn,
        production_dsn=args.production_dsn,
        run_dir=args.run_dir,
        soak_hours=args.soak_hours,
        require_approval=args.require_approval,
    )


# -- db ----------------------------------------------------------------------------------------------


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    run_dir = settings.run_dir
    if args.action == "start":
        cluster, was_running = embedded_pg.start_detached(run_dir)
        print(
            "embedded PostgreSQL "
            + ("already running" if was_running else "started")
            + f" on port {cluster.port}"
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
    print(f"running on port {existing.port}")
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
    from server.seed import seed_database

    report = seed_database(
        args.dsn, scale=args.scale, seed=args.seed, production=args.production, replace=args.replace
    )
    print(
        f"seeded {report.total_rows:,} rows at scale {report.scale} (seed {report.seed}) in {report.seconds:.1f} s"
    )
    return 0


# -- parser ------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="menuca-migrate",
        description="Run the MenuCA V3 schema-optimisation runbook safely, through an MCP server.",
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
