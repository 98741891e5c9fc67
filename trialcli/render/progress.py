"""A progress bar on stderr for runs over many files.

It appears only when stderr is an interactive terminal and the run has lasted more than
a second, so quick runs, pipes, logs and tests never see it. Rich is imported only then.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, ProgressColumn, TaskID

DELAY_SECONDS = 1.0


class ProgressBar:
    """Call with (done, total); use as a context manager so the bar is always removed."""

    def __init__(
        self,
        description: str,
        console: Console | None = None,
        delay: float = DELAY_SECONDS,
        unit: str | None = None,
    ) -> None:
        self._description = description
        self._unit = unit  # shows the rate, e.g. "120 records/s"
        self._console = console
        self._delay = delay
        self._started = time.monotonic()
        self._enabled = console is not None or sys.stderr.isatty()
        self._bar: Progress | None = None
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if not self._enabled:
            return
        if self._bar is None:
            if time.monotonic() - self._started < self._delay:
                return
            self._start(total)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total, refresh=True)

    def _start(self, total: int) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        from trialcli.render.console import make_console

        console = self._console or make_console(stderr=True)
        if not console.is_interactive:
            self._enabled = False
            return
        # No refresh thread: worker processes may be forked while the bar is shown.
        columns: list[str | ProgressColumn] = [
            "{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
        ]
        if self._unit:
            columns.append(_rate_column(self._unit))
        self._bar = Progress(
            *columns,
            TimeRemainingColumn(),
            console=console,
            transient=True,
            auto_refresh=False,
        )
        self._task = self._bar.add_task(self._description, total=total)
        self._bar.start()

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.stop()


def _rate_column(unit: str) -> ProgressColumn:
    """A column showing how many `unit`s a second the run does."""
    from rich.progress import ProgressColumn, Task
    from rich.text import Text

    class Rate(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.speed
            return Text(f"{speed:,.0f} {unit}/s" if speed else f"– {unit}/s")

    return Rate()
