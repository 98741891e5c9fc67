"""`ae` and `flow`: adverse events per arm, and the participant flow."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from typing_extensions import assert_never

from trialcli import completion
from trialcli.cli.base import (
    FigureExport,
    ForceExport,
    FormatOption,
    NoPager,
    _catalog,
    _paged_render,
    _write,
    _write_csv,
    _write_json,
    _write_markdown,
    app,
    user_errors,
)
from trialcli.cli.replay import replayable
from trialcli.formats import OutputFormat, PageFormat
from trialcli.ops.keys import SafetySort
from trialcli.render.text import clean

if TYPE_CHECKING:
    from trialcli.ops.safety import SafetyPivot, SafetyTable


@app.command("ae")
@user_errors
@replayable(lambda p: p["studies"], unless=lambda p: p["export"] is not None)
def adverse_events(
    ctx: typer.Context,
    studies: Annotated[
        list[str],
        typer.Argument(
            metavar="STUDY",
            help="One study for its table, several for a pivot (ids or .yaml files).",
            autocompletion=completion.study_ids,
        ),
    ],
    min_pct: Annotated[
        float | None,
        typer.Option("--min-pct", min=0, max=100, metavar="X", help="At least X% in any arm."),
    ] = None,
    min_diff: Annotated[
        float | None,
        typer.Option(
            "--min-diff",
            min=0,
            max=100,
            metavar="X",
            help="At least X percentage points from the comparator, either way "
            "(with --excess: more on the experimental arm).",
        ),
    ] = None,
    excess: Annotated[
        bool,
        typer.Option(
            "--excess",
            help="More frequent than on the comparator (the label convention).",
        ),
    ] = False,
    serious: Annotated[
        bool, typer.Option("--serious", help="Only serious findings and those with a death.")
    ] = False,
    soc: Annotated[
        str | None,
        typer.Option("--soc", metavar="TEXT", help="Organ-system class containing TEXT."),
    ] = None,
    arm: Annotated[
        str | None,
        typer.Option(
            "--arm",
            metavar="ID",
            help="Only findings reporting this arm or group.",
            autocompletion=completion.arm_ids,
        ),
    ] = None,
    sort: Annotated[
        SafetySort,
        typer.Option("--sort", help="soc (grouped), incidence, difference or term."),
    ] = SafetySort.soc,
    no_pager: NoPager = False,
    export: FigureExport = None,
    force: ForceExport = False,
    output: Annotated[
        PageFormat,
        typer.Option(
            "--format",
            "-f",
            help="table for people; json, csv or markdown for programs; html to print.",
        ),
    ] = PageFormat.table,
) -> None:
    """Adverse events per arm, with differences from the comparator computed.

    One study: a summary block (any adverse event, serious adverse events,
    discontinuations, deaths), then findings by organ-system class, each arm as
    n/N (x%) with its source, and the risk difference (Newcombe 95% CI) and risk
    ratio vs the comparator. Several studies: terms as rows, studies as columns.
    Filters combine. --export draws one study's findings as a dot plot.
    Also available as 'trialcli adverse-events'.

    Example: trialcli ae care-ms-ii --min-pct 10 --excess
    """
    from trialcli.ops.safety import Filters, safety_pivot, safety_table
    from trialcli.render import safety as render
    from trialcli.render import safety_pivot as pivot_render

    if export is not None:
        from trialcli.figures import check_figure_path

        check_figure_path(export, force=force)
    catalog = _catalog(ctx)
    loaded = [catalog.load(ref) for ref in dict.fromkeys(studies)]
    filters = Filters(
        min_pct=min_pct, min_diff=min_diff, excess=excess, serious=serious, soc=soc, arm=arm
    )
    if len(loaded) == 1:
        table = safety_table(loaded[0], filters, sort)
        if export is not None:
            _draw(table, export, force=force)
        match output:
            case PageFormat.table:
                _paged_render(no_pager, lambda console: render.render_safety_table(table, console))
            case PageFormat.json:
                _write_json(render.table_records(table))
            case PageFormat.csv:
                _write_csv(render.table_records(table), render.TABLE_COLUMNS)
            case PageFormat.markdown:
                records = render.table_records(table, document=True)
                _write_markdown(records, render.TABLE_MARKDOWN_COLUMNS)
            case PageFormat.html:
                _write(render.table_html(table))
            case _:
                assert_never(output)
        return
    pivot = safety_pivot(loaded, filters, sort)
    for study_id in pivot.lacking_arm:
        typer.echo(
            f"Warning: {clean(study_id)} has no arm or pooled group '{clean(arm or '')}'; "
            "its column is empty",
            err=True,
        )
    if export is not None:
        _draw(pivot, export, force=force)
    match output:
        case PageFormat.table:
            _paged_render(
                no_pager, lambda console: pivot_render.render_safety_pivot(pivot, console)
            )
        case PageFormat.json:
            _write_json(pivot_render.pivot_json(pivot))
        case PageFormat.csv:
            _write_csv(pivot_render.pivot_records(pivot), pivot_render.pivot_columns(pivot))
        case PageFormat.markdown:
            records = pivot_render.pivot_records(pivot)
            _write_markdown(records, pivot_render.pivot_columns(pivot))
        case PageFormat.html:
            _write(pivot_render.pivot_html(pivot))
        case _:
            assert_never(output)


def _draw(result: SafetyTable | SafetyPivot, export: str, *, force: bool) -> None:
    from trialcli.figures import save_figure
    from trialcli.figures.safety import MAX_ROWS, drawn_rows, safety_figure, title_of

    title = title_of(result)
    save_figure(lambda: safety_figure(result), export, force=force, title=title)
    typer.echo(f"Wrote {clean(str(export))}", err=True)
    left_out = drawn_rows(result)[1]
    if left_out:
        typer.echo(
            f"Warning: the figure leaves out {left_out:,} adverse events: it draws "
            f"the {MAX_ROWS} with the largest risk differences",
            err=True,
        )


# The long name, for people who do not know the abbreviation; hidden from the listing.
app.command("adverse-events", hidden=True)(adverse_events)


@app.command()
@user_errors
def flow(
    ctx: typer.Context,
    study: Annotated[
        str,
        typer.Argument(
            metavar="STUDY",
            help="A study id, acronym or NCT id, a .yaml file, or - for standard input.",
            autocompletion=completion.study_ids,
        ),
    ],
    export: FigureExport = None,
    force: ForceExport = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Participant flow as a CONSORT diagram: enrolment, allocation, follow-up, analysis.

    Each period of follow-up shows who started, completed and did not (with the reasons)
    per arm; a number the sources do not give reads "not reported"; a total that does
    not add up is marked ⚠. csv gives one row per number.

    Example: trialcli flow care-ms-i --export flow.svg
    """
    from trialcli.ops.flow import study_flow

    if export is not None:
        from trialcli.figures import check_figure_path

        check_figure_path(export, force=force)
    result = study_flow(_catalog(ctx).load(study))
    match output:
        case OutputFormat.table:
            from trialcli.render.console import make_console
            from trialcli.render.flow import render_flow

            render_flow(result, make_console())
        case OutputFormat.json:
            from trialcli.render.flow import flow_json

            _write_json(flow_json(result))
        case OutputFormat.csv:
            from trialcli.render.flow import CSV_COLUMNS, flow_records

            _write_csv(flow_records(result), CSV_COLUMNS)
        case OutputFormat.markdown:
            from trialcli.render.flow import flow_markdown

            _write(flow_markdown(result))
        case _:
            assert_never(output)
    if export is not None:
        from trialcli.figures import save_figure
        from trialcli.figures.flow import flow_figure

        title = f"{result.acronym}: participant flow"
        save_figure(lambda: flow_figure(result), export, force=force, title=title)
        typer.echo(f"Wrote {clean(str(export))}", err=True)
