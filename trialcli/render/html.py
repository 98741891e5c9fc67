"""`show --format html`: one self-contained page about a study, to hand to a colleague.

Summary first, then design and arms, results, harms, participant flow and the figures,
then the sources as links. Everything is inside the file: styles inline in <style>,
figures as inline SVG, the system's own fonts; the page makes no request when opened.
It reads on a phone (one column, tables scroll sideways) and prints (no backgrounds,
figures not split). Every text from the study file is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from trialcli.formatting import NOT_REPORTED
from trialcli.model import Study
from trialcli.ops.audit import Audit
from trialcli.ops.effects import AbsoluteEffect
from trialcli.ops.flow import FlowResult, study_flow
from trialcli.ops.results import result_rows
from trialcli.ops.summary import endpoint_verdict, plain_summary
from trialcli.render.flow import count_text, stage_lines
from trialcli.render.text import clean

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  margin: 0 auto; max-width: 60rem; padding: 1rem; line-height: 1.45; color: #111;
  background: #fff; }
h1 { font-size: 1.5rem; margin: 0.2rem 0; } h2 { font-size: 1.2rem; margin-top: 2rem;
  border-bottom: 1px solid #999; } h3 { font-size: 1rem; }
.meta, .note { color: #444; font-size: 0.9rem; }
.summary { font-size: 1.05rem; background: #f3f6fa; border-left: 4px solid #0072B2;
  padding: 0.6rem 0.9rem; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #bbb; padding: 0.3rem 0.45rem; text-align: left;
  vertical-align: top; }
th { background: #eee; }
.flow { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
  gap: 0.6rem; }
.box { border: 1px solid #555; border-radius: 6px; padding: 0.4rem 0.6rem; }
.box ul { margin: 0; padding-left: 1rem; }
.warn { font-weight: bold; }
figure { margin: 1rem 0; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
a { color: #0b5394; overflow-wrap: anywhere; }
@media print { body { max-width: none; } .summary, th { background: none; }
  a { color: #000; } h2 { break-after: avoid; } table, .box { break-inside: avoid; } }
"""


def _e(text: str | None) -> str:
    """File text as HTML text: controls replaced, markup escaped."""
    return html.escape(clean(text or "", one_line=False))


def study_html(study: Study, audit: Audit, effects: Sequence[AbsoluteEffect]) -> str:
    marks = {s.id: n for n, s in enumerate(study.sources, start=1)}
    flow = study_flow(study)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No request leaves the page: not for scripts, styles, fonts, images or frames.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(study.acronym)}: {_e(study.title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{_e(study.acronym)}</h1>",
        f"<p>{_e(study.title)}</p>",
        f'<p class="meta">{_e(_identity(study))}</p>',
        f'<p class="summary">{_e(plain_summary(study))}</p>',
        *_design(study, marks),
        *_results(study, marks),
        *_effects(effects),
        *_harms(study),
        *_flow(flow),
        *_figures(study, flow),
        *_warnings(audit),
        *_sources(study),
        '<p class="note">Made by trialcli. Numbers in [brackets] name their source; figures '
        "and differences marked as computed are trialcli's arithmetic, not the sources'.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _identity(study: Study) -> str:
    bits = [study.registry.nct, study.sponsor]
    if study.phase:
        bits.append(f"phase {study.phase}")
    if study.status:
        bits.append(study.status)
    if study.start_date or study.completion_date:
        bits.append(f"{study.start_date or '?'} to {study.completion_date or '?'}")
    return " · ".join(b for b in bits if b)


def _mark(marks: dict[str, int], source: str | None) -> str:
    number = marks.get(source or "")
    return f' <a href="#source-{number}">[{number}]</a>' if number else ""


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A table whose cells are already HTML."""
    lines = ['<div class="scroll"><table><thead><tr>']
    lines += [f"<th>{html.escape(h)}</th>" for h in head]
    lines.append("</tr></thead><tbody>")
    for row in rows:
        lines.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    lines.append("</tbody></table></div>")
    return lines


def _count(marks: dict[str, int], count: Any, source: str | None) -> str:
    if count is None:
        return NOT_REPORTED
    return f"{count.value:,}{_mark(marks, source)}"


def _design(study: Study, marks: dict[str, int]) -> list[str]:
    design, population = study.design, study.population
    facts = [
        ("Population", f"{population.condition}: {population.description}"),
        ("Allocation", design.allocation),
        ("Masking", design.masking),
        ("Allocation ratio", design.allocation_ratio),
        ("Duration", design.duration),
    ]
    lines = ["<h2>Design and arms</h2>", "<ul>"]
    lines += [f"<li>{k}: {_e(v)}</li>" for k, v in facts if v]
    randomized = population.randomized
    source = study.cited_source(randomized, population) if randomized else None
    lines.append(f"<li>Randomized: {_count(marks, randomized, source)}</li></ul>")
    rows = []
    for arm in study.arms:
        drugs = "; ".join(
            " ".join(x for x in (i.drug, i.dose, i.route, i.schedule) if x)
            for i in arm.interventions
        )
        cells = [_e(arm.label), _e(arm.role)]
        for count in (arm.randomized, arm.analysed):
            cells.append(_count(marks, count, study.cited_source(count, arm) if count else None))
        rows.append([*cells, _e(drugs)])
    lines += _table(["Arm", "Role", "Randomized", "Analysed", "Treatment"], rows)
    return lines


def _results(study: Study, marks: dict[str, int]) -> list[str]:
    if not study.endpoints:
        return ["<h2>Results</h2>", f"<p>{NOT_REPORTED}</p>"]
    verdicts = {e.id: endpoint_verdict(e).label for e in study.endpoints}
    rows = [
        [
            f"{_e(r.endpoint)}<br><small>{_e(r.level)}; {_e(verdicts[r.endpoint_id])}</small>",
            _e(r.group),
            _e(r.text) + _mark(marks, r.source),
        ]
        for r in result_rows(study)
    ]
    return ["<h2>Results</h2>", *_table(["Endpoint", "Group", "As reported"], rows)]


def _effects(effects: Sequence[AbsoluteEffect]) -> list[str]:
    if not effects:
        return []
    lines = ["<h3>Absolute differences, computed by trialcli from the arms</h3>", "<ul>"]
    lines += [f"<li>{_e(e.endpoint)}: {_e(e.text)}</li>" for e in effects]
    return [*lines, "</ul>"]


def _harms(study: Study) -> list[str]:
    from trialcli.ops.keys import SafetySort
    from trialcli.ops.safety import Filters, safety_table
    from trialcli.render.safety import table_records

    table = safety_table(study, Filters(), SafetySort.soc)
    records = table_records(table, document=True)
    if not records:
        return ["<h2>Harms</h2>", f"<p>{NOT_REPORTED}</p>"]
    rows = [
        [
            _e(str(r.get("term") or "")),
            _e(str(r.get("experimental_text") or NOT_REPORTED)),
            _e(str(r.get("comparator_text") or NOT_REPORTED)),
            _e(str(r.get("computed_difference") or "")),
            _e(str(r.get("source") or "")),
        ]
        for r in records
    ]
    head = ["Event", "Experimental", "Comparator", "Difference (computed)", "Source"]
    return ["<h2>Harms</h2>", *_table(head, rows)]


def _flow(result: FlowResult) -> list[str]:
    marks = {s.id: s.number for s in result.sources}
    lines = ["<h2>Participant flow</h2>"]
    if not result.reported:
        lines.append(f"<p>Follow-up and completion: {NOT_REPORTED} in this study file.</p>")
    enrolment = [
        f"Assessed for eligibility {count_text(result.assessed, marks)}",
        f"Excluded {count_text(result.excluded, marks)}",
        f"Randomized {count_text(result.randomized, marks)}",
    ]
    lines.append('<div class="box"><ul>' + "".join(f"<li>{_e(x)}</li>" for x in enrolment))
    lines.append("</ul></div>")
    for title, arm_lines in [
        ("Allocation", [(a.label, [(f"Allocated {count_text(a.count, marks)}", False)])
                        for a in result.allocated]),
        *[(f"Follow-up: {p.title}", [(s.label, stage_lines(s, marks)) for s in p.arms])
          for p in result.periods],
        ("Analysis", [(a.label, [(f"Analysed {count_text(a.count, marks)}", False)])
                      for a in result.analysed]),
    ]:  # fmt: skip
        lines += [f"<h3>{_e(title)}</h3>", '<div class="flow">']
        for label, body in arm_lines:
            items = "".join(
                f'<li class="warn">{_e(t)}</li>' if warn else f"<li>{_e(t.strip())}</li>"
                for t, warn in body
            )
            lines.append(f'<div class="box"><strong>{_e(label)}</strong><ul>{items}</ul></div>')
        lines.append("</div>")
    return lines


def _figures(study: Study, flow: FlowResult) -> list[str]:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ["<h2>Figures</h2>", "<p>Figures need the trialcli[figures] extra.</p>"]
    from trialcli.figures.flow import flow_figure
    from trialcli.figures.forest import forest_figure
    from trialcli.figures.safety import safety_figure
    from trialcli.ops.compare import Selection, compare_studies
    from trialcli.ops.keys import SafetySort
    from trialcli.ops.safety import Filters, safety_table

    drawn: list[tuple[str, Callable[[], Figure]]] = []
    picked = tuple((study.id, e.id) for e in study.endpoints if e.comparisons)
    plot = compare_studies([study], Selection((), picked))
    if plot.panels:
        drawn.append(("Comparisons as reported (forest plot)", lambda: forest_figure(plot)))
    table = safety_table(study, Filters(), SafetySort.difference)
    if any(r.experimental and r.comparator for r in (*table.rows, *table.summary)):
        drawn.append(("Adverse events (dot plot)", lambda: safety_figure(table)))
    if flow.reported:
        drawn.append(("Participant flow (CONSORT)", lambda: flow_figure(flow)))
    lines = ["<h2>Figures</h2>"]
    for caption, draw in drawn:
        lines += ["<figure>", _inline_svg(draw, caption), f"<figcaption>{_e(caption)}</figcaption>"]
        lines.append("</figure>")
    return lines


def _inline_svg(draw: Callable[[], Figure], title: str) -> str:
    from trialcli.figures import figure_bytes

    svg = figure_bytes(draw, ".svg", title).decode("utf-8")
    # The <svg> element only: the XML declaration and DOCTYPE belong to a file, not a page.
    start = svg.index("<svg")
    return re.sub(r"<metadata>.*?</metadata>", "", svg[start:], flags=re.S)


def _warnings(audit: Audit) -> list[str]:
    if not audit.warnings:
        return []
    lines = ["<h2>Consistency warnings</h2>", "<ol>"]
    lines += [f"<li>{_e(w.text())}</li>" for w in audit.warnings]
    return [*lines, "</ol>"]


def _sources(study: Study) -> list[str]:
    lines = ["<h2>Sources</h2>", "<ol>"]
    for number, source in enumerate(study.sources, start=1):
        text = _e(source.citation)
        if source.url:
            text += f' <a href="{html.escape(source.url, quote=True)}">{_e(source.url)}</a>'
        lines.append(f'<li id="source-{number}">{text}</li>')
    return [*lines, "</ol>"]
