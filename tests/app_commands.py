"""The app's commands, read from the Typer app itself: the lists the tests go over.

Hand-written lists drift (a new command is added to the app and not to the list, and the
tests that go over the list cannot fail for it); these are read from the app, so a test that
goes over them covers every command there is.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import typer.core
import typer.main

from trialcli.cli import app

FILE_METAVARS = {"FILE", "PATH", "DIR", "TARGET"}


def _commands(*, hidden: bool = False) -> Iterator[tuple[str, Any]]:
    group = typer.main.get_command(app)
    assert isinstance(group, typer.core.TyperGroup)
    context = typer.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        assert command is not None
        if hidden or not command.hidden:
            yield name, command


def command(name: str) -> Any:
    """One command of the app, by name (hidden ones too)."""
    return dict(_commands(hidden=True))[name]


def visible_commands() -> list[str]:
    """Every command `trialcli --help` lists, in its order (hidden aliases left out)."""
    return [name for name, _ in _commands()]


def commands_with_format() -> set[str]:
    """Every command with `--format`, hidden aliases included."""
    return {
        name
        for name, command in _commands(hidden=True)
        if any("--format" in getattr(param, "opts", ()) for param in command.params)
    }


def option_enum(name: str, option: str) -> type[Enum]:
    """The enum one option of a command takes (`--format`, `--to`)."""
    [parameter] = [p for p in command(name).params if option in getattr(p, "opts", ())]
    annotation = parameter.type_descriptor.annotation
    assert isinstance(annotation, type) and issubclass(annotation, Enum), (name, option)
    return annotation


def choices(name: str, option: str) -> list[str]:
    """The values one option of a command takes, in their order."""
    return [str(member.value) for member in option_enum(name, option)]


def writers() -> set[tuple[str, str]]:
    """(command, option or TARGET) for every file-naming parameter of every command with
    --force: every way the app writes a file."""
    found = set()
    for name, command in _commands(hidden=True):
        if not any(p.name == "force" for p in command.params):
            continue
        for parameter in command.params:
            if getattr(parameter, "metavar", None) in FILE_METAVARS:
                label = parameter.opts[0] if parameter.opts[0].startswith("-") else "TARGET"
                found.add((name, label))
    return found
