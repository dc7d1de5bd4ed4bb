"""Configuration from environment and flags (SPEC.md §3), failing closed, and secret redaction."""

from __future__ import annotations

import hashlib
import math
import os
import re
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

from psycopg.conninfo import conninfo_to_dict

from server.errors import ConfigError
from server.runbook.state import Gates
from server.runbook.tickets import Env

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _xdg(name: str, fallback: str, env: Mapping[str, str]) -> Path:
    return Path(env[name]) if env.get(name) else Path.home() / fallback


def default_run_dir(env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_STATE_HOME/menuca-migrate/run`: outside any agent's workspace (SPEC.md §3)."""
    return (
        _xdg("XDG_STATE_HOME", ".local/state", os.environ if env is None else env) / "menuca-migrate" / "run"
    )


def default_key_file(run_dir: Path, env: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME/menuca-migrate/keys/<sha256 of the run dir's real path>.key`."""
    digest = hashlib.sha256(str(run_dir.resolve()).encode()).hexdigest()
    return (
        _xdg("XDG_CONFIG_HOME", ".config", os.environ if env is None else env)
        / "menuca-migrate"
        / "keys"
        / f"{digest}.key"
    )


def key_file_problem(key_file: Path, run_dir: Path) -> str | None:
    """Why this key file cannot guard this run directory (None: it can)."""
    real_key, real_run = key_file.resolve(), run_dir.resolve()
    if real_key == real_run or real_run in real_key.parents:
        return (
            f"the journal key file {key_file} is inside the run directory {run_dir}: whoever can write the run "
            "directory could then re-chain the journal; put it elsewhere (MENUCA_KEY_FILE or --key-file)"
        )
    try:
        mode = key_file.stat().st_mode
    except FileNotFoundError:
        return None  # created with the run directory's first entry
    except OSError as exc:
        return f"the journal key file {key_file} cannot be read ({exc.strerror})"
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return (
            f"the journal key file {key_file} is readable by group or others (mode {stat.filemode(mode)}): "
            f"make it private (chmod 600 {key_file})"
        )
    return None


@dataclass(frozen=True)
class Settings:
    """Everything the server resolves itself; never a tool argument (STYLE.md example 6)."""

    staging_dsn: str | None = None
    production_dsn: str | None = None
    run_dir: Path = field(default_factory=default_run_dir)
    soak_hours: float = 4.0
    require_approval: bool = True
    watch_hours: float = 24.0
    allow_same_server: bool = False
    key_file: Path | None = None  # None: the default beside the other run directories' keys
    call_budget_s: float = 45.0  # longest a ticket call holds its client before answering RUNNING
    http_token: str | None = field(default=None, repr=False)

    def dsn(self, environment: Env) -> str | None:
        return self.staging_dsn if environment == "staging" else self.production_dsn

    @property
    def journal_key_file(self) -> Path:
        return self.key_file or default_key_file(self.run_dir)

    def gates(self) -> Gates:
        """The settings that gate the run (the run's preflight pins them)."""
        return Gates(
            soak_hours=self.soak_hours,
            require_approval=self.require_approval,
            watch_hours=self.watch_hours,
            allow_same_server=self.allow_same_server,
            key_file=str(self.journal_key_file),
        )

    def secrets(self) -> list[str]:
        """Every secret these settings hold, for scrubbing any text that leaves the process."""
        found = [
            p for dsn in (self.staging_dsn, self.production_dsn) if dsn for p in password_candidates(dsn)
        ]
        if self.http_token:
            found.append(self.http_token)
        return [s for s in found if s]

    def describe(self) -> dict[str, object]:
        """A printable view with DSNs redacted."""
        return {
            "staging_dsn": redact_dsn(self.staging_dsn) if self.staging_dsn else None,
            "production_dsn": redact_dsn(self.production_dsn) if self.production_dsn else None,
            "run_dir": str(self.run_dir),
            "soak_hours": self.soak_hours,
            "require_approval": self.require_approval,
            "watch_hours": self.watch_hours,
            "allow_same_server": self.allow_same_server,
            "key_file": str(self.journal_key_file),
            "call_budget_s": self.call_budget_s,
            "http_token": "set" if self.http_token else None,
        }

    def database_fingerprint(self) -> str:
        """What the choice of databases depends on (the DSNs without their passwords, and
        MENUCA_ALLOW_SAME_SERVER): a preflight that failed on the configuration stays the answer until
        this changes, so the agent is told to wait for a human instead of calling preflight again."""
        shown = [redact_dsn(dsn) if dsn else "" for dsn in (self.staging_dsn, self.production_dsn)]
        text = "\n".join([*shown, str(self.allow_same_server)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r} is not a boolean: use true or false")


def parse_hours(name: str, raw: str | float) -> float:
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not a number of hours (for example 4 or 0.5)") from exc
    if not math.isfinite(value) or value < 0 or value > 24 * 365:
        raise ConfigError(f"{name}={raw!r} must be a number of hours between 0 and 8760")
    return value


def _hours(name: str, flag: float | str | None, env: Mapping[str, str], default: float) -> float:
    raw = flag if flag is not None else env.get(name)
    return parse_hours(name, raw) if raw not in (None, "") else default


def _flag(name: str, flag: bool | None, env: Mapping[str, str], default: bool) -> bool:
    if flag is not None:
        return flag
    return parse_bool(name, env[name]) if env.get(name) not in (None, "") else default


def _budget(raw: float | str | None) -> float:
    """MENUCA_CALL_BUDGET_S: seconds, more than 0 and at most an hour (clients give up long before)."""
    if raw in (None, ""):
        return 45.0
    try:
        value = float(raw)
    except ValueError as exc:
        raise ConfigError(
            f"MENUCA_CALL_BUDGET_S={raw!r} is not a number of seconds (for example 45)"
        ) from exc
    if not math.isfinite(value) or not 0 < value <= 3600:
        raise ConfigError(f"MENUCA_CALL_BUDGET_S={raw!r} must be more than 0 and at most 3600 seconds")
    return value


def load_settings(
    env: Mapping[str, str] | None = None,
    *,
    staging_dsn: str | None = None,
    production_dsn: str | None = None,
    run_dir: str | Path | None = None,
    soak_hours: float | str | None = None,
    require_approval: bool | None = None,
    watch_hours: float | str | None = None,
    allow_same_server: bool | None = None,
    key_file: str | Path | None = None,
    call_budget_s: float | str | None = None,
) -> Settings:
    """Flags win over environment variables; an invalid value raises ConfigError naming it."""
    env = os.environ if env is None else env
    run_dir_raw = run_dir if run_dir is not None else env.get("MENUCA_RUN_DIR") or None
    key_raw = key_file if key_file is not None else env.get("MENUCA_KEY_FILE") or None
    settings = Settings(
        staging_dsn=(staging_dsn or env.get("MENUCA_STAGING_DSN") or None),
        production_dsn=(production_dsn or env.get("MENUCA_PRODUCTION_DSN") or None),
        run_dir=Path(run_dir_raw).expanduser().absolute() if run_dir_raw else default_run_dir(env),
        soak_hours=_hours("MENUCA_SOAK_HOURS", soak_hours, env, 4.0),
        require_approval=_flag("MENUCA_REQUIRE_APPROVAL", require_approval, env, True),
        watch_hours=_hours("MENUCA_WATCH_HOURS", watch_hours, env, 24.0),
        allow_same_server=_flag("MENUCA_ALLOW_SAME_SERVER", allow_same_server, env, False),
        key_file=Path(key_raw).expanduser().absolute() if key_raw else None,
        call_budget_s=_budget(
            call_budget_s if call_budget_s is not None else env.get("MENUCA_CALL_BUDGET_S")
        ),
        http_token=env.get("MENUCA_HTTP_TOKEN") or None,
    )
    problem = key_file_problem(settings.journal_key_file, settings.run_dir)
    if problem:
        raise ConfigError(problem)
    return settings


# -- secrets ---------------------------------------------------------------------------------------

_URL_PASSWORD = re.compile(
    r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)", re.IGNORECASE
)
_KV_PASSWORD = re.compile(r"(?P<head>\bpassword\s*=\s*)(?P<pw>'(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)
# user:password@ at the start of a DSN whose scheme is missing or mistyped ("postgres//u:pw@h",
# "u:pw@h/db"): libpq cannot parse it and echoes it whole in its error, so its password must be known.
_BARE_USERINFO = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:?/+)?[^:/@\s]+:(?P<pw>[^@\s]+)@", re.IGNORECASE)


def password_of(dsn: str) -> str | None:
    try:
        password = conninfo_to_dict(dsn).get("password")
        return str(password) if password else None
    except Exception:  # noqa: BLE001 - an unparsable DSN: fall back to the textual patterns
        match = _URL_PASSWORD.search(dsn) or _KV_PASSWORD.search(dsn) or _BARE_USERINFO.search(dsn)
        return match.group("pw").strip("'") if match else None


_SCHEME = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:/*)?", re.IGNORECASE)
_KV_VALUE = re.compile(r"\bpassword\s*=\s*", re.IGNORECASE)
_NEXT_KEYWORD = re.compile(r"\s+[a-z_]+\s*=")
_MIN_FRAGMENT = 3
_ANYWHERE = 8  # secrets this long are hidden wherever they occur; shorter ones where they stand alone


def password_candidates(dsn: str) -> list[str]:
    """Every text that is, or may be, the DSN's password, and its parts: a DSN libpq cannot parse (an
    unencoded space, a missing quote) has no parsed password, and libpq quotes pieces of it in its
    messages, so whatever could be the password is hidden, whole and in fragments. Longest first."""
    found: set[str] = set()
    parsed = password_of(dsn)
    if parsed:
        found.add(parsed)
    rest = _SCHEME.sub("", dsn, count=1)
    for userinfo in {rest.rsplit("@", 1)[0], rest.split("@", 1)[0]} if "@" in rest else set():
        if ":" in userinfo:
            secret = userinfo.split(":", 1)[1]
            found |= {secret, unquote(secret)}
    for match in _KV_VALUE.finditer(dsn):
        value = dsn[match.end() :]
        if value.startswith("'"):
            closing = re.search(r"(?<!\\)'", value[1:])
            found.add(value[1 : closing.start() + 1] if closing else value[1:])
        else:
            following = _NEXT_KEYWORD.search(value)
            found.add(value[: following.start()] if following else value)
            found.add(value.split()[0] if value.split() else value)
    fragments = {part for secret in found for part in re.split(r"[\s'\"]+", secret)}
    return sorted({s for s in found | fragments if len(s) >= _MIN_FRAGMENT}, key=len, reverse=True)


# libpq's parse errors quote the DSN (password included): each is told by its own words, never quoted
_PARSE_PROBLEMS: tuple[tuple[str, str], ...] = (
    ("unexpected spaces", "it contains an unencoded space (in a URL write a space as %20)"),
    (
        'missing "="',
        "a key=value word has no '=' (quote a value holding spaces: password='…'; a URL needs postgresql://)",
    ),
    ("unterminated quoted string", "a quoted value is not closed"),
    ("invalid uri query parameter", "a URL query parameter is not a connection option"),
    ("invalid connection option", "it names an unknown connection option"),
    ("invalid percent-encoded token", "it holds an invalid %-escape"),
    ('matching "]"', "an IPv6 host address lacks its closing ]"),
    ("invalid port", "its port is not a number"),
    ("invalid integer value", "a numeric option is not a number"),
)


def dsn_problem(dsn: str) -> str | None:
    """Why libpq cannot parse the DSN, in words that quote none of it (None: it parses)."""
    try:
        conninfo_to_dict(dsn)
    except Exception as exc:  # noqa: BLE001 - psycopg raises ProgrammingError quoting the raw DSN
        text = str(exc).lower()
        reason = next((why for words, why in _PARSE_PROBLEMS if words in text), "libpq cannot parse it")
        return f"the DSN is not a valid connection string: {reason}"
    return None


def redact_dsn(dsn: str) -> str:
    """The DSN with its password replaced by ***; an unparsable DSN is shown only by its shape."""
    try:
        params = conninfo_to_dict(dsn)
    except Exception:  # noqa: BLE001 - psycopg raises ProgrammingError with the raw text: never echo it
        return "<unparsable DSN>"
    user = params.get("user", "")
    host = params.get("host", "")
    port = params.get("port", "")
    dbname = params.get("dbname", "")
    shown = f"postgresql://{user}{':***' if params.get('password') else ''}{'@' if user else ''}{host}"
    shown += f":{port}" if port else ""
    shown += f"/{dbname}"
    extras = {k: v for k, v in params.items() if k not in {"user", "password", "host", "port", "dbname"}}
    if extras:
        shown += "?" + "&".join(f"{k}={v}" for k, v in sorted(extras.items()))
    return shown


def scrub(text: str, secrets: list[str]) -> str:
    """Remove every known secret and any inline DSN password from text."""
    for secret in sorted(secrets, key=len, reverse=True):  # a whole password before its fragments
        if not secret or len(secret) < _MIN_FRAGMENT:
            continue
        if len(secret) >= _ANYWHERE:
            text = text.replace(secret, "***")
        else:  # a short fragment only where it stands alone, so "ace" does not eat "space"
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(secret)}(?![A-Za-z0-9])", "***", text)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}***{m.group('tail')}", text)
    return _KV_PASSWORD.sub(lambda m: f"{m.group('head')}***", text)
