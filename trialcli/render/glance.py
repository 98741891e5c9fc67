"""`trialcli show`: the first screen, what the trial found and its harms, on one page.

`ops.glance` chooses and orders what may go on it; this module lays it out for as long as
it fits. It imports no Rich tables: the first screen is lines of text, and drawing less
is what makes it quick.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from trialcli.formatting import (
    NOT_REPORTED,
    comparison_text,
    intake_word,
    result_text,
    safety_text,
    signed,
    source_mark,
)
from trialcli.model import Endpoint, PooledArms, Study
from trialcli.ops.audit import Audit
from trialcli.ops.glance import HARMS_ORDER_WORDS, Glance, Harm, shows_figure
from trialcli.ops.page import Page
from trialcli.ops.summary import Verdict
from trialcli.render.lines import Line, plain_text, rich_text, wrap
from trialcli.render.marks import VERDICT_MARKS, WARNING_MARK, SourceMarks
from trialcli.render.text import clean

if TYPE_CHECKING:
    from rich.console import Console

MORE = "notes, links: --full, or --section NAME (see --help)"
# Where the harms a narrow page leaves out are, named on the line that names them.
HIDDEN_HARMS = "Not shown at this width: "
HIDDEN_WHERE = " (--section harms)"
# Past this many, the hidden harms are counted, not named: a registry's list of 1,764 terms
# would otherwise fill hundreds of lines of a first screen. --section harms lists them all.
HIDDEN_NAMED_AT_MOST = 20
# Arms and pooled groups named in the header; the others are counted.
HEADER_GROUPS = 6
# A citation on the first screen is cut to this, so that two share a line at 80 columns.
CITATION_WIDTH = 34


@dataclass
class _Block:
    """Lines that come on the page together (wrapped), the sources they cite, their height."""

    lines: list[Line]
    cited: set[str]
    height: int = 0
    names: tuple[str, ...] = ()  # the harms it shows, named if it does not fit


def render_glance(page: Page, console: Console) -> None:
    """The first screen through Rich: colour, and links on a terminal that shows them."""
    from rich.console import Group

    links = console.is_terminal and not console.legacy_windows
    lines = glance_lines(page, console.width, links=links)
    console.print(Group(*map(rich_text, lines)))


def glance_plain(page: Page, width: int) -> str:
    """The first screen as plain text, for a pipe: the same lines as `render_glance`."""
    return plain_text(glance_lines(page, width, links=False))


def glance_lines(whole: Page, width: int, *, links: bool) -> list[Line]:
    """The first screen, wrapped to `width`: what the trial found and its harms, every
    figure with its source.

    Candidates claim the room in the order `ops.glance` gives them; a kind stops at the
    first that does not fit, and its heading says how many are shown. A harm is never
    left out silently: those that do not fit are named ("Not shown at this width: …").
    """
    page = whole.glance
    study = page.study

    def block(build: Callable[[SourceMarks], list[Line]], names: Sequence[str] = ()) -> _Block:
        marks = SourceMarks(study, Audit(()))
        lines = [piece for line in build(marks) for piece in wrap(line, width)]
        return _Block(lines, marks.cited, len(lines), tuple(names))

    header = block(lambda marks: _glance_header(study, marks))
    tail = block(
        lambda marks: [
            _glance_checks(page),
            Line("In plain words: " + clean(whole.summary_brief)),
        ]
    )
    primaries = [block(partial(_glance_endpoint, e, whole.verdicts[e.id])) for e in page.primary]
    harms = [block(partial(_harm_lines, study, h), [h.term]) for h in page.harms]
    if page.summary_harms:
        summary = page.summary_harms
        harms.insert(
            0, block(partial(_glance_summary_harms, study, summary), [h.term for h in summary])
        )
    if page.named_harms:
        named = page.named_harms
        harms.append(block(partial(_glance_named, study, named), [h.term for h in named]))
    harms += [block(partial(_harm_lines, study, h), [h.term]) for h in page.lesser_harms]
    secondaries = [block(partial(_glance_secondary, study, e)) for e in page.secondary]

    def hidden(blocks: Sequence[_Block]) -> _Block:
        every = [clean(n) for b in blocks for n in b.names]
        names = ", ".join(every[:HIDDEN_NAMED_AT_MOST])
        where = HIDDEN_WHERE
        if len(every) > HIDDEN_NAMED_AT_MOST:
            rest = len(every) - HIDDEN_NAMED_AT_MOST
            names += f" and {rest} more"
            where = f" (--section harms lists all {total})"
        line = Line(HIDDEN_HARMS, style="bold")
        line.append(names + where, style="dim")
        return block(lambda _: [line])

    chosen: dict[str, list[_Block]] = {"primary": [], "harms": [], "secondary": []}
    total = sum(len(b.names) for b in harms)

    def harms_note(shown: int) -> str:
        """What the list is (never every adverse event unless the registry's), how many of
        it are shown (the rest are named on their own line) and how it is ranked."""
        counted = f", {shown} of {total} shown" if shown < total else ""
        return _ranked(f": {whole.harms_listed.kind}{counted}", width)

    source_heights: dict[frozenset[str], int] = {}

    def more_line(shown_endpoints: int) -> Line:
        other = len(study.endpoints) - shown_endpoints
        more = f"More: {other} other endpoint{'s' if other != 1 else ''}, " if other else "More: "
        return Line(more + MORE, style="dim")

    def height(extra: _Block | None = None, kind: str = "") -> int:
        blocks = [b for kind_blocks in chosen.values() for b in kind_blocks]
        sections = sum(1 for k, v in chosen.items() if v or (extra is not None and k == kind))
        if extra is not None:
            blocks.append(extra)
        cited = frozenset(header.cited | tail.cited).union(*(b.cited for b in blocks))
        if cited not in source_heights:
            source_heights[cited] = len(_source_lines(study, cited, width, links=False))
        sources = source_heights[cited]
        shown = len(chosen["primary"]) + len(chosen["secondary"])
        shown += 1 if extra is not None and kind != "harms" else 0
        more = len(wrap(more_line(shown), width))
        # Each section has a heading and a blank line; the last line says how to see more.
        # The harms' heading may wrap at a narrow width: its extra lines count too.
        harm_blocks = list(chosen["harms"])
        if extra is not None and kind == "harms":
            harm_blocks.append(extra)
        headings = 0
        if harm_blocks:
            note = harms_note(sum(len(b.names) for b in harm_blocks))
            headings = len(wrap(_heading("Harms", note), width)) - 1
        return (
            header.height
            + sum(b.height for b in blocks)
            + 2 * sections
            + headings
            + tail.height
            + sources
            + more
        )

    for kind, candidates in (("primary", primaries), ("harms", harms), ("secondary", secondaries)):
        for candidate in candidates:
            if height(candidate, kind) > page.lines and (kind != "primary" or chosen[kind]):
                break
            chosen[kind].append(candidate)
        if kind == "harms" and len(chosen["harms"]) < len(harms):
            # Room for the line that names what is left out, giving up shown harms for it.
            shown = chosen["harms"]
            while shown and height(hidden(harms[len(shown) :]), kind) > page.lines:
                shown.pop()
            shown.append(hidden(harms[len(shown) :]))

    lines = list(header.lines)
    shown_primary, shown_secondary = len(chosen["primary"]), len(chosen["secondary"])
    if chosen["primary"]:
        lines += [Line(), _heading("Primary endpoints", _of(shown_primary, len(primaries)))]
        lines += [line for b in chosen["primary"] for line in b.lines]
    if chosen["secondary"]:
        lines += [
            Line(),
            _heading("Key secondary endpoints", _of(shown_secondary, len(secondaries))),
        ]
        lines += [line for b in chosen["secondary"] for line in b.lines]
    if chosen["harms"]:
        shown_names = sum(len(b.names) for b in chosen["harms"])
        lines += [Line(), _heading("Harms", harms_note(shown_names))]
        lines += [line for b in chosen["harms"] for line in b.lines]
    lines += tail.lines
    blocks = [b for kind_blocks in chosen.values() for b in kind_blocks]
    cited = set(header.cited | tail.cited).union(*(b.cited for b in blocks))
    lines += _source_lines(study, cited, width, links=links)
    lines.append(more_line(shown_primary + shown_secondary))
    # Lines from blocks are wrapped already, and come through unchanged.
    return [piece for line in lines for piece in wrap(line, width)]


def _ranked(note: str, width: int) -> str:
    """The heading's note and the rule the harms are ranked by, in the longest words that
    keep the heading on one line (the shortest when none does, its second line counted):
    at 80 columns the rule costs CARE-MS II no harm."""
    for words in HARMS_ORDER_WORDS:
        if len("Harms") + len(note) + 2 + len(words) <= width:
            break
    return f"{note}; {words}"


def _of(shown: int, total: int) -> str:
    """`(1 of 9 shown; all: --section endpoints)`: what the count counts, where the rest is."""
    return f" ({shown} of {total} shown; all: --section endpoints)" if shown < total else ""


def _glance_summary_harms(study: Study, harms: Sequence[Harm], marks: SourceMarks) -> list[Line]:
    line = Line()
    for harm in harms:
        if line:
            line.append(" · ")
        line.append_line(_glance_harm(study, harm, marks))
    return [line]


def _glance_named(study: Study, harms: Sequence[Harm], marks: SourceMarks) -> list[Line]:
    line = Line("Named without figures: ", style="bold")
    line.append(", ".join(clean(h.term) for h in harms))
    sources = dict.fromkeys(study.cited_source(f) for h in harms for _, f in h.findings)
    line.append("".join(marks.of(s) for s in sources))
    return [line]


def _heading(title: str, detail: str = "") -> Line:
    text = Line(title, style="bold")
    if detail:
        text.append(detail, style="dim")
    return text


def _glance_header(study: Study, marks: SourceMarks) -> list[Line]:
    identity = Line(clean(study.acronym), style="bold")
    parts = [
        f"phase {study.phase}" if study.phase else None,
        study.registry.nct,
        study.status,
    ]
    if study.start_date or study.completion_date:
        when = f"{study.start_date or '?'} to {study.completion_date or '?'}"
        parts.append(when + (marks.of(study.dates_source) if study.dates_source else ""))
    for part in parts:
        if part:
            identity.append(" · " + clean(part))
    population = study.population
    who = Line("Population: ", style="bold")
    who.append(clean(f"{population.condition}; {population.description}") + marks(population))
    arms = Line("Arms: ", style="bold")
    for i, arm in enumerate(study.arms[:HEADER_GROUPS]):
        if i:
            arms.append(" · ")
        arms.append(clean(arm.id), style="dim")
        arms.append(" " + clean(arm.label))
        if arm.randomized is not None:
            arms.append(f" n={arm.randomized.value:,}{marks(arm.randomized, arm)}")
    for pooled in study.pooled_arms[: max(HEADER_GROUPS - len(study.arms), 0)]:
        # The group in words, as its label says it ("12 + 24 mg pooled", "dose not stated"):
        # two groups of the same arms are two different claims.
        arms.append(" · ")
        arms.append(clean(pooled.id), style="dim")
        arms.append(" " + clean(_pooled_words(study, pooled)))
    hidden = len(study.arms) + len(study.pooled_arms) - HEADER_GROUPS
    if hidden > 0:
        arms.append(f" · {hidden} more: --section arms", style="dim")
    total = Line("N: ", style="bold")
    randomized, analysed = population.randomized, population.analysed
    word = intake_word(study.design)
    total.append(
        f"{randomized.value:,} {word}{marks(randomized, population)}"
        if randomized
        else f"{word} {NOT_REPORTED}"
    )
    if analysed is not None:
        total.append(f"; {analysed.value:,} analysed{marks(analysed, population)}")
    return [identity, who, arms, total]


def _pooled_words(study: Study, pooled: PooledArms) -> str:
    """A pooled group's label without the word its arms' labels all begin with:
    `12 + 24 mg pooled`, `dose not stated` beside `alem12 Alemtuzumab 12 mg`."""
    first, _, rest = pooled.label.partition(" ")
    labels = [study.group_label(a) for a in pooled.arms]
    stem = first.rstrip(",")
    if rest and all(label.split(" ", 1)[0] == stem for label in labels):
        return rest
    return pooled.label


def _endpoint_name(endpoint: Endpoint) -> Line:
    """The name, then what `compare -e` takes (the code), else the endpoint's id, dimmed."""
    name = Line(clean(endpoint.name), style="bold")
    name.append(" " + clean(endpoint.code or endpoint.id), style="dim")
    return name


def _glance_endpoint(endpoint: Endpoint, verdict: Verdict, marks: SourceMarks) -> list[Line]:
    head = Line(*VERDICT_MARKS[verdict.state])
    head.append("  ")
    head.append_line(_endpoint_name(endpoint))
    results = Line("  ")
    for key, result in endpoint.results.items():
        if len(results) > 2:
            results.append(" · ")
        results.append(clean(key), style="dim")
        results.append(" " + clean(result_text(result)) + marks(result, endpoint))
    effects = Line("  ")
    for comparison in endpoint.comparisons:
        if len(effects) > 2:
            effects.append(" · ")
        effects.append(clean(comparison_text(comparison)) + marks(comparison, endpoint))
    return [line for line in (head, results, effects) if line.plain.strip()]


def _glance_secondary(study: Study, endpoint: Endpoint, marks: SourceMarks) -> list[Line]:
    """The name, the arms' own figures where they exist (`alem12 77.6% vs ifn 58.7%`),
    then each comparison."""
    line = _endpoint_name(endpoint)
    line.append(": ")
    for j, (key, result) in enumerate(endpoint.results.items()):
        if j:
            line.append(" vs ")
        line.append(clean(key), style="dim")
        line.append(" " + clean(result_text(result)) + marks(result, endpoint))
    if endpoint.results:
        line.append("; ")
    line.append(
        " · ".join(clean(comparison_text(c)) + marks(c, endpoint) for c in endpoint.comparisons)
    )
    return [line]


def _harm_lines(study: Study, harm: Harm, marks: SourceMarks) -> list[Line]:
    return [_glance_harm(study, harm, marks)]


def _glance_harm(study: Study, harm: Harm, marks: SourceMarks) -> Line:
    """`Term: arm n/N (x%) vs arm n/N (y%) [s] +z pp; serious …`, one finding after another."""
    text = Line(clean(harm.term), style="bold")
    text.append(": ")
    shown = False
    for index, finding in harm.findings:
        figures = [(k, v) for k, v in finding.arms.items() if shows_figure(v)]
        if not figures:
            continue  # named by a source without a figure, while others give one
        if shown:
            text.append("; ")
        shown = True
        if finding.serious:
            text.append("serious ", style="bold")
        for j, (key, value) in enumerate(figures):
            if j:
                text.append(" vs ")
            text.append(clean(key), style="dim")
            figure = safety_text(value)
            if value.deaths and (value.affected is not None or value.pct is not None):
                figure += f", {value.deaths} fatal"
            text.append(" " + clean(figure))
        sources = dict.fromkeys(study.cited_source(v, finding) for _, v in figures)
        text.append("".join(marks.of(s) for s in sources))
        points = [r.difference.points for r in harm.rows if r.index == index]
        known = [p for p in points if p is not None]
        if len(known) == 1:
            text.append(f" {signed(known[0], 1)} pp", style="italic")
    return text


def _glance_checks(page: Glance) -> Line:
    if not page.warnings:
        return Line(f"✔ {page.checks} consistency checks: all figures agree")
    line = Line(f"{WARNING_MARK} ", style="bold yellow")
    figures = "figure disagrees" if page.warnings == 1 else "figures disagree"
    line.append(f"{page.warnings} {figures}")
    if page.acknowledged:
        line.append(f" ({page.acknowledged} recorded on purpose)")
    line.append(" — see --section checks")
    return line


def _shortened(text: str, limit: int) -> str:
    """Cut at a word, never inside one: a number in a citation is never shown half."""
    if len(text) <= limit:
        return text
    words = text[: limit - 1].rsplit(" ", 1)[0]
    return f"{words} …"


def _source_lines(study: Study, cited: Collection[str], width: int, *, links: bool) -> list[Line]:
    """The cited sources as short citations, packed two to a line; with `links` (a terminal
    that shows them) each is its link. Whole URLs are left to `--section sources`."""
    lines = [Line("Sources:", style="bold")]
    for source in study.sources:
        if source.id not in cited:
            continue
        entry = Line(source_mark(study.source_number(source.id)) + " ")
        citation = Line(_shortened(clean(source.citation), CITATION_WIDTH - len(entry)))
        if links and source.url:
            citation.link(clean(source.url))  # never raw file text
        entry.append_line(citation)
        if len(lines[-1]) + 2 + len(entry) <= width:
            lines[-1].append("  " if len(lines) > 1 or len(lines[0]) > 8 else " ")
            lines[-1].append_line(entry)
        else:
            lines.append(entry)
    return lines
