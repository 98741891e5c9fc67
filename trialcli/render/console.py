"""Consoles are made per call, never at import: Rich reads NO_COLOR and the terminal then."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import IO

from rich.console import Console

from trialcli.errors import TrialcliError

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
        raise TrialcliError(f"'{path}' already exists; add --force to replace it")
    if not path.parent.is_dir():
        raise TrialcliError(f"cannot write '{path}': folder '{path.parent}' does not exist")


def save_recording(console: Console, path: Path, *, force: bool, title: str) -> None:
    """What the recording console printed, as SVG or HTML, written atomically."""
    check_export(path, force=force)
    if path.suffix.lower() == ".svg":
        content = console.export_svg(title=title)
    else:
        content = console.export_html()
    _write_atomically(path, content)


def _write_atomically(path: Path, content: str) -> None:
    # A temporary file in the same folder, then a rename: readers never see half a file.
    try:
        handle, temporary = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise TrialcliError(f"cannot write '{path}': {error.strerror}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(content)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes the file private
        os.replace(temporary, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise TrialcliError(f"cannot write '{path}': {error.strerror}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
