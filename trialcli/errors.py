"""Errors a user may see, and the exit codes they map to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Literal


class ExitCode(IntEnum):
    OK = 0
    # A problem with the user's data or request: invalid file, unknown study id.
    ERROR = 1
    # The command line itself was wrong (unknown option, missing argument).
    USAGE = 2
    # Ctrl-C: 128 + SIGINT, as shells report it.
    INTERRUPTED = 130


@dataclass(frozen=True)
class Position:
    """Where one number a warning involves is written, and which source states it."""

    field: str
    line: int | None = None
    column: int | None = None
    source: str | None = None
    # Where that source stands in the study's `sources`: the `[n]` of show, ae and validate.
    source_number: int | None = None


@dataclass(frozen=True)
class Problem:
    """One finding about a study file, located as precisely as the parser allows.

    A consistency warning also names every number it involves (`related`), the check
    that found it, and, when the data records the disagreement on purpose, why
    (`acknowledged`): such a warning is still listed but does not fail --strict.
    """

    file: str
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    severity: Literal["error", "warning"] = "error"
    related: tuple[Position, ...] = ()
    check: str | None = None
    acknowledged: str | None = None

    @property
    def where(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        field = f" {self.field}:" if self.field else ""
        return f"{self.where}:{field} {self.message}"


class TrialcliError(Exception):
    """An error that is the user's to fix; printed as `Error: …`, never as a traceback."""

    exit_code: ExitCode = ExitCode.ERROR


class StudyFileError(TrialcliError):
    """A study file that cannot be read or does not validate."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
