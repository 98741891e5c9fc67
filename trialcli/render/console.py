"""Consoles are made per call, never at import: Rich reads NO_COLOR and the terminal then."""

from __future__ import annotations

from typing import IO

from rich.console import Console


def make_console(
    file: IO[str] | None = None, *, stderr: bool = False, width: int | None = None
) -> Console:
    # markup=False: nothing printed is ever parsed as Rich markup; styles come from Text.
    return Console(
        file=file,
        stderr=stderr,
        width=width,
        markup=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
    )
