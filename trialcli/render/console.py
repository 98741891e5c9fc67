"""Consoles are made per call, never at import: Rich reads NO_COLOR and the terminal then."""

from __future__ import annotations

from pathlib import Path
from typing import IO

from rich.console import Console

from trialcli.errors import TrialcliError
from trialcli.files import write_atomically

EXPORT_SUFFIXES = (".svg", ".html")


def make_console(
    file: IO[str] | None = None,
    *,
    stderr: bool = False,
    width: int | None = None,
    record: bool = False,
) -> Console:
    # markup=False: nothing printed is ever parsed as Rich markup; styles come from Text.
    # record=True keeps what was printed, for --export.
    return Console(
        file=file,
        stderr=stderr,
        width=width,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        record=record,
    )


def check_export(path: Path, *, force: bool) -> None:
    """Refuse a bad export target before anything is drawn."""
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise TrialcliError(f"--export writes .svg or .html files, not '{path.name}'")
    if path.exists() and not force:
        raise TrialcliError(f"'{path}' already exists; use --force to replace it")
    if not path.parent.is_dir():
        raise TrialcliError(f"cannot write '{path}': the folder '{path.parent}' does not exist")


def save_recording(console: Console, path: Path, *, force: bool, title: str) -> None:
    """What the recording console printed, as SVG or HTML, written atomically."""
    check_export(path, force=force)
    if path.suffix.lower() == ".svg":
        content = console.export_svg(title=title)
    else:
        content = console.export_html()
    write_atomically(path, content, force=force)
