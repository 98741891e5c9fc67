"""The summary of `import --into`: what happened to every record, each failure by name."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from trialcli.render.text import clean


class ImportSummary(Protocol):
    """What the summary shows of an import (trialcli.importers.bulk.Summary): the count of
    each outcome in its order, the records that failed and were skipped, with why."""

    @property
    def counts(self) -> Mapping[Any, int]: ...
    @property
    def failed(self) -> Sequence[tuple[str, str]]: ...
    @property
    def skipped(self) -> Sequence[tuple[str, str]]: ...
    @property
    def replaced(self) -> Sequence[tuple[str, str]]: ...
    @property
    def interrupted(self) -> bool: ...
    @property
    def total(self) -> int: ...


def summary_lines(summary: ImportSummary, into: Path, *, stored: bool = False) -> list[str]:
    """`stored`: into one store, which keeps all of a run or none of it."""
    counts = ", ".join(f"{count:,} {outcome}" for outcome, count in summary.counts.items())
    head = "Interrupted after" if summary.interrupted else "Done:"
    lines = [f"{head} {summary.total:,} records into {clean(str(into))}: {counts}"]
    if summary.failed:
        lines.append("Failed:")
        lines += [f"  {clean(who)}: {clean(reason)}" for who, reason in summary.failed]
    if summary.skipped:
        lines.append("Skipped:")
        lines += [f"  {clean(who)}: {clean(reason)}" for who, reason in summary.skipped]
    if summary.replaced:
        lines.append("Replaced:")
        lines += [f"  {clean(who)}: {clean(reason)}" for who, reason in summary.replaced]
    if summary.interrupted and stored:
        lines.append("Nothing of this run was kept: the store is as it was before it.")
    elif summary.interrupted:
        lines.append("Every file written is whole; run the same command again to go on.")
    return lines
