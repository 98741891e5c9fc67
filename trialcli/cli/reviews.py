"""`review`: open a Cochrane review (RevMan 5 file) and check every analysis it displays."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typing_extensions import assert_never

from trialcli.cli.base import (
    FormatOption,
    NoPager,
    _paged_render,
    _write_csv,
    _write_json,
    _write_markdown,
    app,
    user_errors,
)
from trialcli.cli.replay import replayable
from trialcli.formats import OutputFormat


@app.command()
@user_errors
@replayable(lambda p: [], paths=lambda p: [str(p["path"])], unless=lambda p: False)
def review(
    ctx: typer.Context,
    path: Annotated[
        Path,
        typer.Argument(metavar="REVIEW.rm5", help="A RevMan 5 file, as Cochrane publishes it."),
    ],
    no_pager: NoPager = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """A Cochrane review's analyses, recomputed beside the review's own results.

    Reads a RevMan 5 data file (.rm5) and recomputes every analysis it displays (outcome
    totals and subgroups) from the per-study data with the review's own method —
    Mantel–Haenszel, inverse variance or Peto; fixed or random effects; RR, OR, RD, MD,
    SMD — marking ✔ where trialcli agrees with the stated result and showing the
    difference where it does not. `trialcli import REVIEW.rm5 --into DIR` turns its
    studies into study files.

    Example: trialcli review CD011381StatsDataOnly.rm5
    """
    from trialcli.importers.revman.reader import read_review
    from trialcli.ops.review import check_review
    from trialcli.render import review as render

    opened = read_review(path)
    checked = check_review(opened)
    match output:
        case OutputFormat.table:
            _paged_render(no_pager, lambda console: render.render_review(opened, checked, console))
        case OutputFormat.json:
            _write_json(render.review_json(opened, checked))
        case OutputFormat.csv:
            _write_csv(render.records(checked), render.COLUMNS)
        case OutputFormat.markdown:
            _write_markdown(render.records(checked), render.COLUMNS)
        case _:
            assert_never(output)
