"""Consoles are made per call, never at import: Rich reads NO_COLOR and the terminal then.

Two rules hold for everything printed, whichever renderer drew it: no piped line ends in
spaces (Rich pads every table cell to its column's width), and below NARROW columns no cell is
cut short with an ellipsis — a figure wraps onto the next line instead of becoming
`0.45 (0.32…`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import IO, Any, cast

from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table

from trialcli.errors import TrialcliError
from trialcli.files import check_target, write_atomically
from trialcli.render.plaintable import Quick

EXPORT_SUFFIXES = (".svg", ".html")
# Below this width tables fold their cells rather than fitting them by cutting.
NARROW = 60
# Spaces at the end of a line, among the style codes Rich writes there (when colour is
# forced on a pipe): the spaces go, the codes stay.
_STYLE = re.compile(r"\x1b\[[0-9;]*m")
_STYLE_BODY = re.compile(r"[0-9;]*")


def _split_tail(text: str) -> tuple[str, str]:
    """`text` as (body, tail): the tail is the spaces and style codes it ends with.

    Scanned from the end, each character once: a regex searching for "spaces up to the
    end" retries from every space and was quadratic in a line's width (COLUMNS=10000).
    """
    end = len(text)
    while end:
        if text[end - 1] == " ":
            end -= 1
            continue
        if text[end - 1] == "m":
            start = text.rfind("\x1b[", 0, end)
            if start >= 0 and _STYLE_BODY.fullmatch(text, start + 2, end - 1):
                end = start
                continue
        break
    return text[:end], text[end:]


def _codes(text: str) -> str:
    return "".join(_STYLE.findall(text))


class TrimmedLines:
    """A text stream that drops the spaces at the end of every line written to it."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        # The end of the last write, if spaces: kept back until it is known whether the
        # line goes on after them.
        self._held = ""

    def write(self, text: str) -> int:
        *complete, last = text.split("\n")
        out: list[str] = []
        for line in complete:
            body, tail = _split_tail(line)
            # Spaces held from earlier writes are inside the line if a body follows them.
            out += [self._held, body] if body else [_codes(self._held)]
            out += [_codes(tail), "\n"]
            self._held = ""
        body, tail = _split_tail(last)
        if body:
            out += [self._held, body]
            self._held = tail
        else:
            self._held += tail
        self._stream.write("".join(out))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        # isatty, fileno, encoding…: Rich asks the real stream.
        return getattr(self._stream, name)


class TrialcliConsole(Console):
    def on_broken_pipe(self) -> None:
        # Rich would exit 1 here; the command's error boundary decides (a closed pipe,
        # `| head -1`, is not a problem with the data).
        self.quiet = True
        raise BrokenPipeError(32, "Broken pipe")

    def print(self, *objects: Any, **options: Any) -> None:
        if self.width < NARROW:
            for item in objects:
                _fold_cells(item)
        super().print(*objects, **options)


def _fold_cells(item: Any) -> None:
    """Every table in `item` wraps its cells (folding long words) instead of cutting them."""
    if isinstance(item, Table):
        for column in item.columns:
            if column.overflow == "crop":
                continue  # a drawing (the forest plot's axis), which a renderer sized itself
            column.no_wrap = False
            column.overflow = "fold"
        for column in item.columns:
            for cell in column.cells:
                _fold_cells(cell)
    elif isinstance(item, Group):
        for child in item.renderables:
            _fold_cells(child)
    elif isinstance(item, (Padding, Panel)):
        _fold_cells(item.renderable)
    elif isinstance(item, Quick):
        _fold_cells(item.table)


def make_console(
    file: IO[str] | None = None,
    *,
    stderr: bool = False,
    width: int | None = None,
    record: bool = False,
    like: Console | None = None,
) -> Console:
    # markup=False: nothing printed is ever parsed as Rich markup; styles come from Text.
    # record=True keeps what was printed, for --export. `like`: draw as for that terminal
    # (its colours and links) into `file`, for the pager.
    stream = file or (sys.stderr if stderr else sys.stdout)
    if stream is None:  # started with it closed (`>&-`)
        which = "standard error" if stderr else "standard output"
        raise TrialcliError(f"cannot write output: {which} is closed")
    # A terminal gets Rich's output as it is: its live displays rewrite lines in place.
    piped = not (hasattr(stream, "isatty") and stream.isatty())
    return TrialcliConsole(
        # TrimmedLines is a stream by delegation, which the type checker cannot see.
        file=cast(IO[str], TrimmedLines(stream)) if piped else stream,
        stderr=stderr,
        width=width,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        record=record,
        force_terminal=True if like else None,
        color_system=like.color_system if like else "auto",  # type: ignore[arg-type]
    )


def check_export(path: Path, *, force: bool) -> None:
    """Refuse a bad export target before anything is drawn."""
    if path.suffix.lower() not in EXPORT_SUFFIXES:
        raise TrialcliError(f"--export writes .svg or .html files, not '{path.name}'")
    check_target(path, force=force)


def save_recording(console: Console, path: Path, *, force: bool, title: str) -> None:
    """What the recording console printed, as SVG or HTML, written atomically."""
    check_export(path, force=force)
    if path.suffix.lower() == ".svg":
        content = console.export_svg(title=title)
    else:
        content = console.export_html()
    write_atomically(path, content, force=force)
