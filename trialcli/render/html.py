"""`show --format html`: one self-contained page about a study, to hand to a colleague.

It renders the page model (trialcli.ops.page) and runs no operation of its own. The answer
first, on one screen (the plain words, each primary endpoint's verdict and figures, the
serious harms); then design and arms, results, harms, participant flow and the figures
(one forest plot per endpoint, titled by its name), then the sources as links. Everything
is inside the file: styles inline in <style>, figures as inline SVG, the system's own
fonts; the page makes no request when opened. It reads on a phone (one column, tables
scroll sideways) and prints (no backgrounds, figures not split). Every text from the
study file is HTML-escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from trialcli.formatting import NOT_REPORTED, SOURCE_MARKS, role_words, source_mark
from trialcli.model import Study
from trialcli.ops.flow import FlowResult
from trialcli.ops.page import Fact, Page
from trialcli.render.flow_text import analysed_text, count_text, stage_lines
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
th { background: #eee; } tbody th { font-weight: normal; background: none; }
.flow { display: grid; grid-template-columns: repeat(auto-fit, minmax(13rem, 1fr));
  gap: 0.6rem; }
.box { border: 1px solid #555; border-radius: 6px; padding: 0.4rem 0.6rem; }
.box ul { margin: 0; padding-left: 1rem; }
.warn { font-weight: bold; }
figure { margin: 1rem 0; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; }
a { color: #0b5394; overflow-wrap: anywhere; }
ol.sources > li::marker { content: "[" counter(list-item) "]  "; }
.answer { border-bottom: 2px solid #0072B2; padding-bottom: 0.5rem; }
.answer ul { padding-left: 1.1rem; } .answer li { margin: 0.25rem 0; }
@page { margin: 1.2cm; }
@media print { body { max-width: none; padding: 0; font-size: 9pt; line-height: 1.3; }
  .summary, th { background: none; } .summary { font-size: 10pt; }
  a { color: #000; } h2 { break-after: avoid; }
  tr, .box, li { break-inside: avoid; } table { font-size: 8pt; }
  .flow { grid-template-columns: repeat(3, 1fr); }
  figure svg { max-height: 11cm; width: auto; } }
"""


def _e(text: str | None) -> str:
    """File text as HTML text: controls replaced, markup escaped."""
    return html.escape(clean(text or "", one_line=False))


def study_html(page: Page) -> str:
    """The page model as one HTML page: the answer first, on one screen; the rest below."""
    study = page.study
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # No request leaves the page: not for scripts, styles, fonts, images or frames.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(study.acronym)}: {_e(study.title)}</title>",
        f"<style>{STYLE}</style></head><body>",
        '<section class="answer">',
        f"<h1>{_e(study.acronym)}</h1>",
        f"<p>{_e(study.title)}</p>",
        f'<p class="meta">{_e(_identity(study))}</p>',
        f'<p class="summary">{_e(page.summary)}</p>',
        *_answer(page),
        "</section>",
        *_design(study),
        *_results(page),
        *_effects(page),
        *_harms(page),
        *_flow(page.flow),
        *_figures(page),
        *_warnings(page),
        *_limitations(study),
        *_sources(page),
        '<p class="note">Made by trialcli. Numbers in [brackets] name their source; figures '
        "and differences marked as computed are trialcli's arithmetic, not the sources'.</p>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _answer(page: Page) -> list[str]:
    """What the trial found, on one screen: each primary endpoint's verdict and figures,
    then the serious harms; every figure with the group it counts and its source."""
    study = page.study
    lines = ["<h2>What it found</h2>", "<ul>"]
    for endpoint in page.glance.primary:
        facts = [f for f in page.endpoint_facts(endpoint.id) if f.kind != "effect"]
        when = f", {endpoint.time_frame}" if endpoint.time_frame else ""
        head = (
            f"<strong>{_e(endpoint.name)}</strong>{_e(when)}: "
            f"{_e(page.verdicts[endpoint.id].label)}"
        )
        lines.append(f"<li>{head}<br>{_facts(facts)}</li>")
    lines.append("</ul>")
    harms = [h for h in page.harms if not h.summary and h.serious]
    if harms:
        lines += ["<h3>Serious harms</h3>", "<ul>"]
        for harm in harms:
            figures = _facts([*harm.figures, *harm.differences])
            lines.append(f"<li><strong>serious {_e(harm.term)}</strong>: {figures}</li>")
        lines.append("</ul>")
    lines.append(
        f'<p class="note">Below: all {len(study.endpoints)} endpoints, '
        f"{len(page.harms)} harm findings, the figures and the sources.</p>"
    )
    return lines


def _facts(facts: Sequence[Fact]) -> str:
    """Facts of one endpoint or harm, those of one group after its name once:
    `IFN beta-1a (Rebif): 0.52 … [9] · Alemtuzumab 12 mg vs IFN beta-1a (Rebif): …`."""
    by_group: dict[str, list[Fact]] = {}
    for fact in facts:
        by_group.setdefault(fact.group, []).append(fact)
    return " · ".join(
        f"{_e(group)}: " + "; ".join(_figure(f) for f in shown) for group, shown in by_group.items()
    )


def _figure(fact: Fact) -> str:
    """The figure, what qualifies it beyond its group and "serious" (said once per row):
    computed, a test, the direction where not stated, fatal cases; then its source."""
    qualifiers = [q for q in fact.qualifier_words.split("; ")[1:] if q and q != "serious"]
    text = _e(fact.text)
    if qualifiers:
        text += f" <small>({_e('; '.join(qualifiers))})</small>"
    return text + _mark(fact.source)


def _identity(study: Study) -> str:
    bits = [study.registry.nct, study.sponsor]
    if study.phase:
        bits.append(f"phase {study.phase}")
    if study.status:
        bits.append(study.status)
    if study.start_date or study.completion_date:
        bits.append(f"{study.start_date or '?'} to {study.completion_date or '?'}")
    return " · ".join(b for b in bits if b)


def _mark(number: int | None) -> str:
    return f' <a href="#source-{number}">{source_mark(number)}</a>' if number else ""


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """A table whose cells are already HTML."""
    lines = ['<div class="scroll"><table><thead><tr>']
    lines += [f"<th>{html.escape(h)}</th>" for h in head]
    lines.append("</tr></thead><tbody>")
    for row in rows:
        lines.append("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>")
    lines.append("</tbody></table></div>")
    return lines


Grouped = list[tuple[str, list[list[str]]]]


def _grouped(head: Sequence[str], groups: Grouped) -> list[str]:
    """A table whose first cell spans the rows of its group (an endpoint, a finding)."""
    lines = _table(head, [])
    body: list[str] = []
    for first, rows in groups:
        for i, row in enumerate(rows):
            spanned = f'<th scope="rowgroup" rowspan="{len(rows)}">{first}</th>' if not i else ""
            body.append("<tr>" + spanned + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    return [*lines[:-1], *body, lines[-1]]


def _count(study: Study, count: Any, source: str | None) -> str:
    if count is None:
        return NOT_REPORTED
    return f"{count.value:,}{_mark(study.source_number(source) if source else None)}"


def _design(study: Study) -> list[str]:
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
    lines.append(f"<li>Randomized: {_count(study, randomized, source)}</li>")
    if population.at_baseline is not None:
        at_baseline = population.at_baseline
        where = study.cited_source(at_baseline, population)
        lines.append(f"<li>At baseline: {_count(study, at_baseline, where)}</li>")
    lines.append("</ul>")
    baseline = any(arm.at_baseline is not None for arm in study.arms)
    rows = []
    for arm in study.arms:
        drugs = "; ".join(
            " ".join(x for x in (i.drug, i.dose, i.route, i.schedule) if x)
            for i in arm.interventions
        )
        cells = [_e(arm.label), _e(role_words(arm))]
        counts = (arm.randomized, arm.analysed, *((arm.at_baseline,) if baseline else ()))
        for count in counts:
            cells.append(_count(study, count, study.cited_source(count, arm) if count else None))
        rows.append([*cells, _e(drugs)])
    head = ["Arm", "Role", "Randomized", "Analysed", *(["At baseline"] if baseline else [])]
    lines += _table([*head, "Treatment"], rows)
    return lines


def _results(page: Page) -> list[str]:
    study = page.study
    if not study.endpoints:
        return ["<h2>Results</h2>", f"<p>{NOT_REPORTED}</p>"]
    groups: Grouped = []
    for endpoint in study.endpoints:
        details = [endpoint.level, endpoint.time_frame, endpoint.population]
        verdict = page.verdicts[endpoint.id].label
        name = (
            f"{_e(endpoint.name)}<br><small>{_e(', '.join(d for d in details if d))}; "
            f"{_e(verdict)}</small>"
        )
        rows = []
        for fact in page.endpoint_facts(endpoint.id):
            if fact.kind == "effect":
                continue
            shown = _figure(fact)
            if fact.population and fact.population != endpoint.population:
                shown += f" <small>({_e(fact.population)})</small>"
            rows.append([_e(fact.group), shown])
        groups.append((name, rows or [["", NOT_REPORTED]]))
    return ["<h2>Results</h2>", *_grouped(["Endpoint", "Group", "As reported"], groups)]


def _effects(page: Page) -> list[str]:
    effects = [f for f in page.facts if f.kind == "effect"]
    if not effects:
        return []
    lines = ["<h3>Absolute differences, computed by trialcli from the arms</h3>", "<ul>"]
    lines += [
        f"<li><strong>{_e(f.subject)}</strong> ({_e(f.group)}): {_e(f.text)}</li>" for f in effects
    ]
    return [*lines, "</ul>"]


def _harms(page: Page) -> list[str]:
    """Every finding, each figure with the group it counts and whether only serious events
    count; the computed differences beside them."""
    if not page.harms:
        return ["<h2>Harms</h2>", f"<p>{NOT_REPORTED}</p>"]
    groups: Grouped = []
    for harm in page.harms:
        event = _e(harm.term)
        if harm.serious:
            event = f"<strong>serious</strong> {event}"
        if harm.rank is not None:
            event += f" <small>· rank {harm.rank}</small>"
        if harm.population:
            event += f"<br><small>{_e(harm.population)}</small>"
        rows = [[_e(f.group), _figure(f)] for f in (*harm.figures, *harm.differences)]
        groups.append((event, rows or [["", NOT_REPORTED]]))
    head = ["Event", "Group it counts", "Figure"]
    return ["<h2>Harms</h2>", _listed(page), *_grouped(head, groups)]


def _listed(page: Page) -> str:
    """What the list of harms is (never every adverse event unless it says so), and where
    the whole list lives."""
    scope = page.harms_listed
    text = f'<p class="note">Harms listed: {_e(scope.text)}'
    if scope.full_list is not None:
        url = html.escape(scope.full_list, quote=True)
        text += f'; the full list: <a href="{url}">{_e(scope.full_list)}</a>'
    text += ".</p>"
    return (
        text + f'<p class="note">Rank (the first screen\'s order): {_e(page.harms_order.rule)}.</p>'
    )


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
        ("Analysis", [(a.label, [(f"Analysed {analysed_text(a, marks)}", False)])
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


def _figures(page: Page) -> list[str]:
    """One forest plot per endpoint (worsening and improvement never share a panel), the
    adverse-event dot plot and the flow diagram, each titled in words."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return ["<h2>Figures</h2>", "<p>Figures need the trialcli[figures] extra.</p>"]
    from trialcli.figures.flow import flow_figure
    from trialcli.figures.forest import forest_figure
    from trialcli.figures.safety import safety_figure

    drawn: list[tuple[str, Callable[[], Figure]]] = [
        (f"{forest.title}: comparisons as reported", partial(forest_figure, forest.plot))
        for forest in page.forests
    ]
    table = page.safety
    if any(r.experimental and r.comparator for r in (*table.rows, *table.summary)):
        drawn.append(("Adverse events (dot plot)", partial(safety_figure, table)))
    if page.flow.reported:
        drawn.append(("Participant flow (CONSORT)", partial(flow_figure, page.flow)))
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


def _warnings(page: Page) -> list[str]:
    """Each warning citing its figures' sources by the numbers of the list below."""
    if not page.warnings:
        return []
    lines = ["<h2>Consistency warnings</h2>", "<ol>"]
    lines += [f"<li>{_linked(w.text)}</li>" for w in page.warnings]
    return [*lines, "</ol>"]


def _linked(text: str) -> str:
    """Escaped text whose `[n]` become links to the numbered source."""
    return SOURCE_MARKS.sub(lambda m: _mark(int(m.group(1))).lstrip(), _e(text))


def _limitations(study: Study) -> list[str]:
    """Limitations and caveats as the source states them, and the references it lists."""
    lines = []
    if study.limitations is not None:
        source = study.cited_source(study.limitations)
        mark = _mark(study.source_number(source) if source else None)
        lines += ["<h2>Limitations and caveats</h2>", f"<p>{_e(study.limitations.text)}{mark}</p>"]
    if study.references:
        lines += ["<h2>References the record lists</h2>", "<ul>"]
        for reference in study.references:
            pmid = f" PMID {reference.pmid}" if reference.pmid else ""
            lines.append(f"<li>{_e(reference.kind)}: {_e(reference.citation)}{_e(pmid)}</li>")
        lines.append("</ul>")
    return lines


def _sources(page: Page) -> list[str]:
    # Numbered as the marks are, `[9]`: each item's value is its source's number.
    lines = ["<h2>Sources</h2>", '<ol class="sources">']
    for source in page.sources:
        text = _e(source.citation)
        if source.url:
            text += f' <a href="{html.escape(source.url, quote=True)}">{_e(source.url)}</a>'
        lines.append(f'<li id="source-{source.number}" value="{source.number}">{text}</li>')
    return [*lines, "</ol>"]
