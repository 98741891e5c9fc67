"""`diff`, `compare` and `sof`: studies side by side, one endpoint across studies, and
Summary-of-Findings tables."""

from __future__ import annotations

from typing import Annotated

import typer
from typing_extensions import assert_never

from trialcli import completion
from trialcli.cli.base import (
    FormatOption,
    NoPager,
    _catalog,
    _paged_render,
    _warn_skipped,
    _write,
    _write_csv,
    _write_json,
    _write_markdown,
    app,
    user_errors,
)
from trialcli.errors import ExitCode, TrialcliError
from trialcli.formats import OutputFormat, PageFormat
from trialcli.formatting import NOT_APPLICABLE
from trialcli.ops.keys import PoolMethod
from trialcli.render.text import clean


@app.command()
@user_errors
def diff(
    ctx: typer.Context,
    study_a: Annotated[
        str,
        typer.Argument(
            metavar="A", help="A study id or a .yaml file.", autocompletion=completion.study_ids
        ),
    ],
    study_b: Annotated[
        str,
        typer.Argument(
            metavar="B",
            help="Another study, or another version.",
            autocompletion=completion.study_ids,
        ),
    ],
    changed_only: Annotated[
        bool, typer.Option("--changed-only", help="Hide the rows that are the same.")
    ] = False,
    exit_code: Annotated[
        bool,
        typer.Option("--exit-code", help="Exit 1 when the studies differ (like git diff)."),
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Every row, notes and sources included.")
    ] = False,
    no_pager: NoPager = False,
    output: FormatOption = OutputFormat.table,
) -> None:
    """Two studies side by side: the differences that matter first.

    Two studies: design, population, N, arms, each primary endpoint's verdict and effect,
    the harms whose excess differs most, and which verdicts changed. --full (and the
    json, csv and markdown formats) align every row by meaning: arms by role and drug,
    endpoints by their code (else by name, time frame, kind and unit), comparisons by
    measure, safety findings by term. Two versions of one study file: the rows that
    changed (--full: every row).

    Example: trialcli diff care-ms-i care-ms-ii
    """
    from trialcli.ops.diff import diff_studies, side_labels

    catalog = _catalog(ctx)
    a, b = catalog.load(study_a), catalog.load(study_b)
    labels = side_labels(a, b, study_a, study_b)
    result = diff_studies(a, b, *labels)
    differs = not result.identical
    versions = a.id == b.id
    if changed_only or (versions and not full and output is OutputFormat.table):
        result = result.changed_only()
    match output:
        case OutputFormat.table if not full and not versions and not changed_only:
            from trialcli.ops.diff_glance import diff_glance
            from trialcli.render.diff import render_diff_glance

            page = diff_glance(a, b, *labels)
            _paged_render(no_pager, lambda console: render_diff_glance(page, console))
        case OutputFormat.table:
            from trialcli.render.diff import render_diff

            _paged_render(no_pager, lambda console: render_diff(result, console))
        case OutputFormat.json:
            from trialcli.render.diff import diff_json

            _write_json(diff_json(result))
        case OutputFormat.csv:
            from trialcli.render.diff import diff_columns, diff_records

            _write_csv(diff_records(result), diff_columns(result))
        case OutputFormat.markdown:
            from trialcli.render.diff import diff_columns, diff_records

            _write_markdown(diff_records(result), diff_columns(result))
        case _:
            assert_never(output)
    if exit_code and differs:
        raise typer.Exit(ExitCode.ERROR)


@app.command()
@user_errors
def compare(
    ctx: typer.Context,
    endpoint: Annotated[
        list[str],
        typer.Option(
            "--endpoint",
            "-e",
            metavar="CODE|STUDY:ID",
            help="An endpoint code, e.g. annualized-relapse-rate, or one study's endpoint "
            "as STUDY:ENDPOINT_ID (repeatable; see docs/compare-selectors.md).",
            autocompletion=completion.endpoint_codes,
        ),
    ],
    studies: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="STUDY", help="Study ids or .yaml files.", autocompletion=completion.study_ids
        ),
    ] = None,
    drug: Annotated[
        str | None,
        typer.Option("--drug", metavar="NAME", help="Every catalog study with an arm on NAME."),
    ] = None,
    export: Annotated[
        str | None,
        typer.Option(
            "--export",
            metavar="FILE",
            help="Also draw the plot to FILE.svg, .png or .pdf (a figure), or FILE.html "
            "(the terminal's text); FILE.csv: one row per study with yi and vi, as metafor's "
            "escalc reads it.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Let --export replace an existing file.")
    ] = False,
    pool: Annotated[
        bool,
        typer.Option("--pool", help="Add a pooled estimate to each panel of 2+ poolable studies."),
    ] = False,
    method: Annotated[
        PoolMethod | None,
        typer.Option("--method", help="How to pool (with --pool); default reml."),
    ] = None,
    hksj: Annotated[
        bool,
        typer.Option("--hksj", help="Hartung–Knapp–Sidik–Jonkman CI for the pooled estimate."),
    ] = False,
    hksj_adhoc: Annotated[
        bool,
        typer.Option(
            "--hksj-adhoc",
            help="Hartung–Knapp–Sidik–Jonkman, never narrower than the standard CI "
            '(metafor\'s test="adhoc").',
        ),
    ] = False,
    allow_mixed_follow_up: Annotated[
        bool,
        typer.Option(
            "--allow-mixed-follow-up",
            help="Pool studies whose follow-ups differ (each is named); by default only one "
            "time frame is pooled.",
        ),
    ] = False,
    allow_pooled_doses: Annotated[
        bool,
        typer.Option(
            "--allow-pooled-doses",
            help="Pool a study's row for several doses counted together (CAMMS223's 12 + 24 "
            "mg) with one dose's rows (it is named); by default it is left out.",
        ),
    ] = False,
    leave_one_out: Annotated[
        bool, typer.Option("--leave-one-out", help="Re-pool with each study omitted in turn.")
    ] = False,
    cumulative: Annotated[
        bool, typer.Option("--cumulative", help="Re-pool adding studies by the year they started.")
    ] = False,
    subgroup: Annotated[
        str | None,
        typer.Option(
            "--subgroup",
            metavar="FIELD",
            help="Pool within each value of FIELD (follow-up, groups, or a study field such as "
            "phase) and test the subgroup differences.",
        ),
    ] = None,
    output: FormatOption = OutputFormat.table,
) -> None:
    """One endpoint across studies as a forest plot: one row per study; --pool adds a pooled row.

    Ratios are drawn on a log scale, differences on a linear one; each measure has its
    own panel. A relative reduction is converted to a ratio (and marked) only for a
    study that reports no ratio. A chosen endpoint with nothing to draw is listed with
    the reason; a comparison whose direction is unknown is listed, never drawn. Different
    measures are never pooled (see docs/pooling.md).

    Example: trialcli compare --drug alemtuzumab -e annualized-relapse-rate --pool
    """
    if export is not None and output is not OutputFormat.table:
        raise TrialcliError("--export writes the plot; use it with --format table")
    sensitivity = leave_one_out or cumulative or subgroup is not None
    if not pool and (
        method is not None
        or hksj
        or hksj_adhoc
        or allow_mixed_follow_up
        or allow_pooled_doses
        or sensitivity
    ):
        raise typer.BadParameter(
            "--method, --hksj, --hksj-adhoc, --allow-mixed-follow-up, --allow-pooled-doses, "
            "--leave-one-out, --cumulative and --subgroup choose how to pool; add --pool"
        )
    options = None
    if pool:
        from trialcli.ops.pool import PoolOptions, check_options, pool_method

        options = PoolOptions(
            pool_method((method or PoolMethod.reml).value),
            hksj=hksj,
            hksj_adhoc=hksj_adhoc,
            allow_mixed_follow_up=allow_mixed_follow_up,
            allow_pooled_doses=allow_pooled_doses,
        )
        try:
            check_options(options)
        except ValueError as error:
            raise typer.BadParameter(str(error)) from None
    from trialcli.ops.compare import compare_studies
    from trialcli.ops.selecting import choose

    picked = choose(_catalog(ctx), studies or [], endpoint, drug)
    _warn_skipped(picked.skipped)
    chosen, selection = list(picked.studies), picked.selection
    plot = compare_studies(chosen, selection)
    pooled = None
    if options is not None:
        from trialcli.ops.pool import pool_rows

        pooled = pool_rows(plot.rows, chosen, plot.code, options)
    checks = []
    if pooled is not None and options is not None and sensitivity:
        from trialcli.ops.sensitivity import analyses

        try:
            checks = analyses(
                pooled.panels, chosen, options,
                omit_each=leave_one_out, by_year=cumulative, field=subgroup,
            )  # fmt: skip
        except ValueError as error:
            raise TrialcliError(str(error)) from None
    if output is OutputFormat.table:
        from trialcli.files import output_path
        from trialcli.render.console import check_export, make_console, save_recording
        from trialcli.render.forest import render_forest

        target = output_path(export, None) if export is not None else None
        figure = target is not None and target.suffix.lower() not in {".html", ".csv"}
        if target is not None and target.suffix.lower() == ".csv":
            from trialcli.files import check_target

            check_target(target, force=force)
        elif target is not None:
            from trialcli.figures import check_figure_path

            (check_figure_path if figure else check_export)(target, force=force)
        console = make_console(record=target is not None and not figure)
        render_forest(plot, console, pooled)
        if pooled is not None:
            from trialcli.render.pool import render_pooled

            render_pooled(pooled, console)
        if checks:
            from trialcli.render.sensitivity import render_sensitivity

            for check in checks:
                render_sensitivity(check, console)
        if target is not None and target.suffix.lower() == ".csv":
            from trialcli.files import write_atomically
            from trialcli.ops.escalc import COLUMNS as ESCALC
            from trialcli.ops.escalc import escalc_records
            from trialcli.render.tabular import to_csv

            write_atomically(target, to_csv(escalc_records(plot.rows, chosen), ESCALC), force=force)
            typer.echo(f"Wrote {clean(str(target))}", err=True)
        elif target is not None:
            if figure:
                from trialcli.figures import save_figure
                from trialcli.figures.forest import forest_figure

                title = f"Forest plot: {selection.label}"
                save_figure(lambda: forest_figure(plot, pooled), target, force=force, title=title)
            else:
                title = f"trialcli compare {selection.label}"
                save_recording(console, target, force=force, title=title)
            typer.echo(f"Wrote {clean(str(target))}", err=True)
        return
    from trialcli.render.forest import COLUMNS, forest_json, forest_records
    from trialcli.render.pool import POOL_COLUMNS, pooled_forest_json, pooled_records
    from trialcli.render.sensitivity import COLUMNS as CHECKED
    from trialcli.render.sensitivity import sensitivity_records

    def rows() -> tuple[list[dict[str, object]], tuple[str, ...]]:
        """The rows csv and markdown write: the sensitivity analyses, else the pooled
        panels, else one row per study."""
        if checks:
            return [record for check in checks for record in sensitivity_records(check)], CHECKED
        if pooled is not None:
            return pooled_records(plot, pooled), POOL_COLUMNS
        return forest_records(plot), COLUMNS

    match output:
        case OutputFormat.json if pooled is not None:
            data = pooled_forest_json(plot, pooled)
            data["sensitivity"] = [sensitivity_records(check) for check in checks]
            _write_json(data)
        case OutputFormat.json:
            _write_json(forest_json(plot))
        case OutputFormat.csv:
            _write_csv(*rows())
        case OutputFormat.markdown if pooled is not None and not checks:
            # A field that does not apply to a row (the pooled row's population, a study
            # row's τ²) is "—", as CSV leaves it blank; "not reported" is an unknown value.
            _write_markdown(*rows(), absent=NOT_APPLICABLE)
        case OutputFormat.markdown:
            _write_markdown(*rows())
        case _:
            assert_never(output)


@app.command()
@user_errors
def sof(
    ctx: typer.Context,
    studies: Annotated[list[str], typer.Argument(metavar="STUDY...", help="Study ids or files.")],
    endpoints: Annotated[
        list[str] | None,
        typer.Option(
            "--endpoint",
            "-e",
            metavar="CODE|HARM",
            help='Only these endpoint codes or ids, or harms by term (e.g. "thyroid '
            'disorders", "serious infections").',
        ),
    ] = None,
    judgements: Annotated[
        str | None,
        typer.Option(
            "--judgements",
            metavar="YAML",  # read, never written: not one of the writers' FILE options
            help="A reviewer's GRADE and RoB 2 judgements (YAML; see docs/pooling.md); "
            "without it, certainty is not assessed.",
        ),
    ] = None,
    rob_figure: Annotated[
        str | None,
        typer.Option(
            "--rob-figure",
            metavar="FILE",
            help="Also draw the --judgements file's RoB 2 judgements as robvis does (traffic "
            "light and summary) to FILE.svg, .png or .pdf.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Let --rob-figure replace an existing file.")
    ] = False,
    output: Annotated[
        PageFormat,
        typer.Option("--format", "-f", help="table for people; markdown, html, csv or json."),
    ] = PageFormat.table,
) -> None:
    """A Summary-of-Findings table: at most seven outcomes, primary endpoints first.

    Relative effects as reported (pooled across studies when there are several), and the
    anticipated absolute effects per 1,000 computed from them. Certainty reads "not
    assessed" unless a study file records a rating with its source, or a reviewer's
    --judgements file states it; that file's RoB 2 judgements per study are shown as a
    traffic light, and --rob-figure draws them as robvis does.

    Example: trialcli sof care-ms-ii --format markdown
    """
    from trialcli.ops.sof import summary_of_findings

    catalog = _catalog(ctx)
    chosen = [catalog.load(ref) for ref in studies]
    if endpoints:
        known = {k for s in chosen for e in s.endpoints for k in (e.code, e.id) if k}
        from trialcli.ops.sof_harms import is_harm

        unknown = [c for c in endpoints if c not in known and not is_harm(chosen, c)]
        if unknown:
            codes = ", ".join(sorted({e.code for s in chosen for e in s.endpoints if e.code}))
            raise TrialcliError(
                f"no endpoint '{clean(unknown[0])}' in these studies, nor a harm counted in "
                f"both arms; their codes: {codes}"
            )
    if rob_figure is not None:
        if judgements is None:
            raise typer.BadParameter("--rob-figure draws the --judgements FILE's RoB 2; add it")
        from trialcli.figures import check_figure_path

        check_figure_path(rob_figure, force=force, option="--rob-figure")
    judged = None
    if judgements is not None:
        from pathlib import Path

        from trialcli.ops.judgements import load_judgements

        judged = load_judgements(Path(judgements))
    table = summary_of_findings(
        chosen, endpoints or (), judged, judgements or "", frozenset(catalog.ids())
    )
    for warning in table.warnings:
        typer.echo(f"Warning: {clean(warning)}", err=True)
    if rob_figure is not None:
        if table.traffic_light is None:
            raise TrialcliError(
                f"--rob-figure: {clean(str(judgements))} judges none of these studies' risk "
                "of bias (its 'studies' section names them by id)"
            )
        from trialcli.figures import save_figure
        from trialcli.figures.rob import rob_figure as draw

        light = table.traffic_light
        save_figure(lambda: draw(light), rob_figure, force=force, title="Risk of bias (RoB 2)")
        typer.echo(f"Wrote {clean(rob_figure)}", err=True)
    from trialcli.render import sof as render

    match output:
        case PageFormat.table:
            from trialcli.render.console import make_console

            render.render_sof(table, make_console())
        case PageFormat.json:
            _write_json(render.sof_json(table))
        case PageFormat.csv:
            _write_csv(render.sof_records(table), render.COLUMNS)
        case PageFormat.markdown:
            _write_markdown(render.sof_records(table), render.COLUMNS)
        case PageFormat.html:
            _write(render.sof_html(table))
        case _:
            assert_never(output)
