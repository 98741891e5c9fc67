"""Long output through a pager, as git does: only on a terminal, only when taller than it.

`pager_command` decides (pure, tested); `paged` draws into a buffer, then either pages it
or prints it. Piped output is never buffered: it streams as before.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from rich.console import Console

from trialcli.render.console import make_console

DEFAULT_PAGER = "less -R"


def pager_command(
    env: Mapping[str, str], *, terminal: bool, lines: int, height: int, enabled: bool = True
) -> str | None:
    """The pager to run, or None to print: `$TRIALCLI_PAGER`, else `$PAGER`, else less -R.

    An empty or `cat` pager means no pager, as in git.
    """
    if not enabled or not terminal or lines <= height:
        return None
    command = env.get("TRIALCLI_PAGER")
    if command is None:
        command = env.get("PAGER", DEFAULT_PAGER)
    command = command.strip()
    return None if command in {"", "cat"} else command


def run_pager(command: str, text: str) -> bool:
    """Send `text` through `command` (a shell command line); False when it cannot start."""
    env = dict(os.environ)
    # What git sets: quit if one screen, keep colours, leave the screen as it was.
    env.setdefault("LESS", "FRX")
    try:
        process = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        return False
    assert process.stdin is not None
    try:
        process.stdin.write(text.encode("utf-8", "replace"))
        process.stdin.close()
    except BrokenPipeError:  # the reader quit early (q in less): not an error
        pass
    try:
        code = process.wait()
    except KeyboardInterrupt:
        code = process.wait()
    # 126/127: the shell could not find or run the command.
    return code not in {126, 127}


def _isatty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):  # replaced or closed stdout
        return False


@contextmanager
def paged(enabled: bool = True) -> Iterator[Console]:
    """A console for one command's output; paged afterwards when it overflows the terminal."""
    screen = make_console()
    # The real stream, not Rich's view of it: FORCE_COLOR colours piped output, never pages it.
    if not enabled or not screen.is_terminal or not _isatty():
        yield screen
        return
    buffer = io.StringIO()
    console = make_console(file=buffer, width=screen.width, like=screen)
    yield console
    text = buffer.getvalue()
    command = pager_command(
        os.environ,
        terminal=True,
        lines=text.count("\n"),
        height=screen.size.height,
        enabled=enabled,
    )
    if command is not None and run_pager(command, text):
        return
    sys.stdout.write(text)
    sys.stdout.flush()
