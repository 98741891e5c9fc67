"""The summary of `import --into`: what happened to every record, each failure by name."""

from __future__ import annotations

from pathlib import Path

from trialcli.importers.bulk import OUTCOMES, Summary
from trialcli.render.text import clean


def summary_lines(summary: Summary, into: Path) -> list[str]:
    counts = ", ".join(f"{summary.counts[o]:,} {o}" for o in OUTCOMES)
    head = "Interrupted after" if summary.interrupted else "Done:"
    lines = [f"{head} {summary.total:,} records into {clean(str(into))}: {counts}"]
    if summary.failed:
        lines.append("Failed:")
        lines += [f"  {clean(who)}: {clean(reason)}" for who, reason in summary.failed]
    if summary.skipped:
        lines.append("Skipped:")
        lines += [f"  {clean(who)}: {clean(reason)}" for who, reason in summary.skipped]
    if summary.interrupted:
        lines.append("Every file written is whole; run the same command again to go on.")
    return lines
