"""Marks shared by every page about one study: verdicts, warnings and `[n]` sources.

`rich.text` only when a mark is drawn: the first screen of `show` uses the marks and the
source numbering without Rich when piped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from trialcli.formatting import cited_mark
from trialcli.model import Sourced, Study
from trialcli.ops.audit import Audit
from trialcli.ops.summary import Verdict

if TYPE_CHECKING:
    from rich.text import Text

VERDICT_MARKS = {
    "met": ("✔ met", "bold green"),
    "not-met": ("✘ not met", "bold red"),
    "disputed": ("? sources disagree", "bold yellow"),
    "not-stated": ("– no verdict stated", "dim"),
    "not-tested": ("– not tested", "dim"),
}


WARNING_MARK = "⚠"


class SourceMarks:
    """`[n]` after a figure: its own source, else the enclosing one, else the default;
    and `⚠n` after a figure that a consistency warning involves."""

    def __init__(self, study: Study, audit: Audit) -> None:
        self._study = study
        self._audit = audit
        self.cited: set[str] = set()

    def __call__(self, *records: Sourced | None) -> str:
        return self.of(self._study.cited_source(*records))

    def of(self, source_id: str | None) -> str:
        if source_id is not None:
            self.cited.add(source_id)
        return cited_mark(self._study, source_id)

    def warn(self, text: Text, *prefix: int | str) -> Text:
        """`text` with `⚠n` for each warning on a figure at or under the field path."""
        numbers = self._audit.marks(prefix)
        if numbers:
            text.append(f" {WARNING_MARK}" + ",".join(map(str, numbers)), style="bold yellow")
        return text


def verdict_text(verdict: Verdict) -> Text:
    from rich.text import Text

    label, style = VERDICT_MARKS[verdict.state]
    return Text(label, style=style)
