"""The command line as people type and read it.

`trialcli --version` is answered before Typer builds the commands, which is most of what
it would otherwise cost beyond importing Typer.
Global options are accepted after the command too: `trialcli show x --data-dir d` means
`trialcli --data-dir d show x` (they are moved in front of the command before Click
parses it). Help names arguments by their metavar alone, never by a Python type, and
a wrong option value is told what to write, not what the library expected.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup

from trialcli import __version__

# The global options (see `main` in trialcli/cli/base.py): those taking a value, and flags.
GLOBAL_WITH_VALUE = ("--data-dir", "-d")
GLOBAL_FLAGS = ("--no-cache",)


def version_line() -> str:
    return f"trialcli {__version__}"


class TrialcliTyper(typer.Typer):
    """The program: `trialcli --version` answers before Typer builds every command."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # Building the commands' parameters from their signatures is a fifth of the
        # time `--version` took; the answer needs none of it.
        if not args and not kwargs and sys.argv[1:] == ["--version"]:
            print(version_line())
            raise SystemExit(0)
        from trialcli.streams import prepare

        prepare()
        try:
            return super().__call__(*args, **kwargs)
        except BrokenPipeError:
            # Output the reader stopped reading (`--help | head -1`): not an error.
            _discard_stdout()
            raise SystemExit(0) from None
        except OSError as error:
            # Only what no command's error boundary saw: help or a usage message that
            # could not be written (`--help > /dev/full`).
            _discard_stdout()
            with contextlib.suppress(OSError, AttributeError):
                sys.stderr.write(f"Error: cannot write output: {error.strerror or error}\n")
            raise SystemExit(1) from None


def _discard_stdout() -> None:
    # What could not be written would be tried again, and fail again, at exit.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def globals_first(args: Sequence[str]) -> list[str]:
    """`args` with each global option written after the command moved before it."""
    args = list(args)
    start = 0
    # Past the global options already in front, to the command's name.
    while start < len(args) and args[start].startswith("-"):
        start += 2 if args[start] in GLOBAL_WITH_VALUE else 1
    if start >= len(args):
        return args
    moved: list[str] = []
    rest = [args[start]]
    position = start + 1
    while position < len(args):
        word = args[position]
        if word == "--":  # everything after is an argument, never an option
            rest += args[position:]
            break
        if word in GLOBAL_FLAGS or word.startswith("--data-dir="):
            moved.append(word)
        elif word in GLOBAL_WITH_VALUE and position + 1 < len(args):
            moved += args[position : position + 2]
            position += 1
        else:
            rest.append(word)
        position += 1
    return args[:start] + moved + rest


class PlainArgument(TyperArgument):
    """An argument shown in help as `STUDY`, not as `{STUDY}` and `STUDY <str>`."""

    def display_type(self, ctx: Any) -> str:
        return ""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw if self.required else f"[{self.display_name_raw}]"
        return name + ("..." if self.nargs != 1 else "")


class TrialcliGroup(TyperGroup):
    """The program's commands, with the global options allowed anywhere on the line."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for command in self.commands.values():
            for param in command.params:
                # Typer builds its own argument objects; only their help wording changes.
                if type(param) is TyperArgument:
                    param.__class__ = PlainArgument

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, globals_first(args))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except typer.BadParameter as error:
            # Typer checks option values with pydantic, and passes its wording on.
            details = getattr(error.__cause__, "errors", None)
            if callable(details) and details():
                from trialcli.messages import error_message

                error.message = error_message(details()[0])
            raise
