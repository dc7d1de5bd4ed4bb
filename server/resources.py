"""The files that ship with the package (sql/, tickets/), found through importlib.resources."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

# The wheel maps the repository's top-level sql/ and tickets/ into the `server` package
# (pyproject.toml, [tool.setuptools.package-dir]), so an installed copy reads them from there.
PACKAGE = "server"
FOLDERS = ("sql", "tickets")


@cache
def folder(name: str) -> Traversable:
    """sql/ or tickets/: the copy inside the installed package, else the checkout's top-level folder."""
    packaged = files(PACKAGE).joinpath(name)
    if packaged.is_dir():
        return packaged
    # A source checkout (an editable install, or `python -m server.cli` from the repository root):
    # the folders stay at the top level there (SPEC.md §2). Only a directory beside pyproject.toml
    # counts, so an unrelated `sql/` next to an installed package is never picked up.
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / name).is_dir():
        return checkout / name
    raise FileNotFoundError(
        f"the package's {name}/ folder is missing (looked in {packaged} and {checkout / name}): "
        "reinstall menuca-migrate from a complete wheel or checkout"
    )


def resource(name: str, relative: str) -> Traversable:
    """The file `relative` (slash-separated) inside folder `name`."""
    return folder(name).joinpath(*relative.split("/"))


def walk(name: str, suffix: str) -> Iterator[tuple[str, Traversable]]:
    """(slash-separated relative path, file) of every file under folder `name` ending in suffix, sorted."""

    def visit(node: Traversable, prefix: str) -> Iterator[tuple[str, Traversable]]:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                yield from visit(child, f"{prefix}{child.name}/")
            elif child.name.endswith(suffix):
                yield f"{prefix}{child.name}", child

    yield from visit(folder(name), "")
