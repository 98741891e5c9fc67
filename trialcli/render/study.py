"""`trialcli show`: one study at a glance, every figure marked with its numbered source."""

from __future__ import annotations

from collections.abc import Collection

from rich import box
from rich.console import Console, Group, RenderableType
from rich.rule import Rule
from rich.style import Style
from rich.table import Table
from rich.text import Text

from trialcli.crosscheck import Loc
from trialcli.formatting import (
    NOT_REPORTED,
    cited_mark,
    comparison_text,
    intake_word,
    on_screen,
    range_text,
    result_text,
    role_words,
    safety_text,
    source_mark,
)
from trialcli.model import Arm, Count, Endpoint, Source, Sourced, Study
from trialcli.ops.audit import Audit
from trialcli.ops.effects import AbsoluteEffect
from trialcli.ops.page import Fact, Page
from trialcli.render.marks import WARNING_MARK, SourceMarks, verdict_text
from trialcli.render.plaintable import quick
from trialcli.render.text import clean


def render_study(page: Page, console: Console) -> None:
    study = page.study
    header, sections = study_sections(page, console.width)
    console.print(header)
    for title, body in sections:
        console.print()
        console.print(Rule(Text(title, style="bold"), align="left", characters="─"))
        if title == SOURCES:
            print_sources(console, study)
        else:
            console.print(quick(body))


Section = tuple[str, RenderableType]


def study_sections(page: Page, width: int) -> tuple[RenderableType, list[Section]]:
    """The header and the titled sections of `show`; the Markdown document reuses them."""
    study, audit = page.study, page.audit
    marks = SourceMarks(study, audit)
    sections = [
        ("Population and design", _population(study, marks)),
        ("Arms", _arms(study, marks)),
        ("Endpoints", _endpoints(page, marks, width)),
        ("Safety", _safety(page, marks)),
        ("Consistency checks", _checks(audit, marks)),
        ("Notes and milestones", _notes(study, marks)),
        ("In plain words", Text(clean(page.summary))),
        (SOURCES, sources_table(study)),
    ]
    return _header(study, marks), [(title, body) for title, body in sections if body is not None]


SOURCES = "Sources"


def _text(value: str | None, style: str = "") -> Text:
    return Text(clean(value) if value else NOT_REPORTED, style=style if value else "dim")


def _lines(lines: list[str]) -> Text:
    """One line per item (each cleaned on its own), or "not reported" when there are none."""
    return Text("\n".join(clean(line) for line in lines)) if lines else _text(None)


def _header(study: Study, marks: SourceMarks) -> RenderableType:
    title = Text()
    title.append(clean(study.acronym), style="bold")
    for part in (
        f"phase {study.phase}" if study.phase else None,
        study.status,
    ):
        if part:
            title.append(f"  ·  {part}")
    lines: list[RenderableType] = [title, Text(clean(study.title), style="italic")]
    registry = study.registry
    ids = [
        registry.nct,
        f"EudraCT {registry.eudract}" if registry.eudract else None,
        f"sponsor code {registry.sponsor_code}" if registry.sponsor_code else None,
        *registry.other,
    ]
    if any(ids):
        lines.append(Text(clean(" · ".join(i for i in ids if i))))
    sponsor = study.sponsor or NOT_REPORTED
    if study.collaborators:
        sponsor += "; collaborators: " + ", ".join(study.collaborators)
    lines.append(Text("Sponsor: " + clean(sponsor)))
    if study.start_date or study.completion_date:
        dates = f"{study.start_date or '?'} to {study.completion_date or '?'}"
        lines.append(Text(f"Dates: {dates}{cited_mark(study, study.dates_source)}"))
    return Group(*lines)


def _key_value_table() -> Table:
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    return table


def _count(count: Count | None, marks: SourceMarks, parent: Sourced) -> str:
    if count is None:
        return NOT_REPORTED
    text = f"{count.value:,}{marks(count, parent)}"
    if count.note:
        text += f" ({count.note})"
    for other in count.also_reported:
        text += f"; also reported: {other.value:,}{marks(other)}"
        if other.note:
            text += f" ({other.note})"
    return text


def _population(study: Study, marks: SourceMarks) -> RenderableType:
    population, design = study.population, study.design
    table = _key_value_table()
    table.add_row("Condition", _text(population.condition))
    table.add_row("Enrolled", _text(population.description + marks(population)))
    if population.treatment_history:
        table.add_row("History", _text(population.treatment_history.replace("-", " ")))
    eligibility = population.eligibility
    if eligibility is not None:
        # One line per rule, each marked with the source that states it.
        lines = []
        if eligibility.age is not None:
            age = range_text(eligibility.age.min, eligibility.age.max, "years")
            lines.append(f"age {age}{marks(eligibility.age, eligibility, population)}")
        if eligibility.edss is not None:
            edss = range_text(eligibility.edss.min, eligibility.edss.max, "")
            lines.append(f"EDSS {edss}{marks(eligibility.edss, eligibility, population)}")
        for label, rule in (
            ("disease duration", eligibility.disease_duration),
            ("prior treatment", eligibility.prior_treatment),
        ):
            if rule is not None:
                lines.append(f"{label} {rule.text}{marks(rule, eligibility, population)}")
        lines += [c.text + marks(c, eligibility, population) for c in eligibility.criteria]
        if eligibility.note:
            lines.append(eligibility.note)
        table.add_row("Eligibility", _lines(lines))
    randomized = _text(_count(population.randomized, marks, population))
    table.add_row(
        intake_word(study.design).capitalize(), marks.warn(randomized, "population", "randomized")
    )
    analysed = _count(population.analysed, marks, population)
    statement = population.analysed_population
    if statement is not None and population.analysed is not None:
        analysed += f" — {statement.text}{marks(statement, population)}"
    table.add_row("Analysed", marks.warn(_text(analysed), "population", "analysed"))
    if population.at_baseline is not None:
        table.add_row("At baseline", _text(_count(population.at_baseline, marks, population)))
    if population.baseline:
        lines = [b.text + marks(b, population) for b in population.baseline]
        table.add_row("Baseline", _lines(lines))
    if population.note:
        table.add_row("Note", _text(population.note))
    design_parts = [
        design.allocation,
        design.masking,
        design.model,
        f"ratio {design.allocation_ratio}" if design.allocation_ratio else None,
        design.duration,
        f"{design.comparator} comparator" if design.comparator else None,
    ]
    shown = ", ".join(p for p in design_parts if p)
    table.add_row("Design", _text(shown + marks(design) if shown else None))
    for amendment in design.amendments:
        when = f"{amendment.date}: " if amendment.date else ""
        table.add_row("Amendment", _text(when + amendment.text + marks(amendment, design)))
    if design.note:
        table.add_row("Design note", _text(design.note))
    return table


def _regimen(arm: Arm) -> str:
    return "; ".join(
        " ".join(
            p
            for p in (
                i.drug + (f" ({i.brand})" if i.brand else ""),
                i.dose,
                i.route,
                i.schedule,
            )
            if p
        )
        for i in arm.interventions
    )


def _arms(study: Study, marks: SourceMarks) -> RenderableType:
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
    table.add_column("Arm", ratio=2)
    table.add_column("Regimen", ratio=5)
    table.add_column("Randomized", justify="right")
    table.add_column("Analysed", justify="right")
    for i, arm in enumerate(study.arms):
        label = Text(clean(arm.label), style="bold")
        label.append(f"\n{role_words(arm)} · {clean(arm.id)}", style="dim")
        regimen = Text(clean(_regimen(arm) + marks(arm)))
        if arm.note:
            regimen.append("\n" + clean(arm.note), style="dim")
        randomized = _text(
            f"{arm.randomized.value:,}{marks(arm.randomized, arm)}" if arm.randomized else None
        )
        if arm.at_baseline is not None:
            baseline = f"{arm.at_baseline.value:,}{marks(arm.at_baseline, arm)}"
            randomized.append(f"\n{baseline} at baseline", style="dim")
        analysed = _text(
            f"{arm.analysed.value:,}{marks(arm.analysed, arm)}" if arm.analysed else None
        )
        table.add_row(
            label,
            regimen,
            marks.warn(randomized, "arms", i, "randomized"),
            marks.warn(analysed, "arms", i, "analysed"),
        )
    for i, pooled in enumerate(study.pooled_arms):
        label = Text(clean(pooled.label), style="bold")
        label.append(f"\npooled · {clean(pooled.id)}", style="dim")
        members = " + ".join(study.group_label(a) for a in pooled.arms)
        text = Text(clean(f"{members}, counted together"))
        if pooled.note:
            text.append("\n" + clean(pooled.note), style="dim")
        size = f"n={pooled.n:,}{marks(pooled)}" if pooled.n is not None else None
        table.add_row(label, text, Text(""), marks.warn(_text(size), "pooled_arms", i, "n"))
    return table


# Below this width the endpoint table's four columns get too narrow to read.
WIDE = 110


def _endpoints(page: Page, marks: SourceMarks, width: int) -> RenderableType | None:
    study, effects = page.study, page.effects
    if not study.endpoints:
        return None
    wide = width >= WIDE
    table = Table(
        box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False, show_lines=True
    )
    if wide:
        table.add_column("Endpoint", ratio=3)
        table.add_column("Verdict", ratio=2)
    else:
        table.add_column("Endpoint and verdict", ratio=3)
    table.add_column("Result by arm", ratio=4)
    table.add_column("Effect", ratio=4)
    for i, endpoint in enumerate(study.endpoints):
        name = Text(clean(endpoint.name), style="bold")
        details = [endpoint.level, endpoint.time_frame, endpoint.population]
        # What `compare -e` takes (the code), else the id that names it in the file.
        code = clean(endpoint.code or endpoint.id)
        name.append(f"\n{code} · " + clean(", ".join(d for d in details if d)), style="dim")
        verdict = page.verdicts[endpoint.id]
        cell = verdict_text(verdict)
        if verdict.state not in {"not-stated", "not-tested"}:
            cell.append("\n" + clean(verdict.basis), style="dim")
        first = [name, cell] if wide else [Text("\n").join([name, cell])]
        computed = [e for e in effects if e.endpoint == endpoint.id]
        facts = [f for f in page.endpoint_facts(endpoint.id) if f.kind == "comparison"]
        said = _effects(study, endpoint, (*_ENDPOINTS, i), marks, computed, facts)
        for refused in page.not_computed:
            if refused.endpoint == endpoint.id:
                said.append("\n" + clean(refused.text(study.group_labels)), style="italic")
        table.add_row(*first, _results(study, endpoint, (*_ENDPOINTS, i), marks), said)
    return table


_ENDPOINTS: Loc = ("endpoints",)


def _results(study: Study, endpoint: Endpoint, loc: Loc, marks: SourceMarks) -> Text:
    results = Text()
    for key, result in endpoint.results.items():
        if results:
            results.append("\n")
        results.append(clean(study.group_label(key)) + ": ", style="dim")
        results.append(clean(result_text(result)) + marks(result, endpoint))
        marks.warn(results, *loc, "results", key)
        if result.note:
            results.append(f" ({clean(result.note)})", style="dim")
    return results or _text(None)


def _effects(
    study: Study,
    endpoint: Endpoint,
    loc: Loc,
    marks: SourceMarks,
    computed: list[AbsoluteEffect],
    facts: list[Fact],
) -> Text:
    """Each comparison with its qualifiers from the page model: the groups it compares
    where the study has more than two, its test where not superiority."""
    effects = Text()
    several = len(study.arms) + len(study.pooled_arms) > 2
    for j, (comparison, fact) in enumerate(zip(endpoint.comparisons, facts, strict=True)):
        if effects:
            effects.append("\n")
        effects.append(clean(comparison_text(comparison)) + marks(comparison, endpoint))
        marks.warn(effects, *loc, "comparisons", j)
        if several:
            effects.append(f" ({clean(fact.group)})", style="dim")
        if fact.test and fact.test != "superiority":
            effects.append(f" {clean(fact.test)}", style="bold")
        if comparison.population and comparison.population != endpoint.population:
            effects.append(f" ({clean(comparison.population)})", style="dim")
        if comparison.adjusted_for:
            effects.append(f" adjusted for {clean(comparison.adjusted_for)}", style="italic")
        if comparison.stratified_by:
            effects.append(f" stratified by {clean(comparison.stratified_by)}", style="italic")
        if comparison.note:
            effects.append(f" {clean(on_screen(comparison.note))}", style="dim")
    if not effects:
        effects = _text(None)
    for effect in computed:
        arms = clean(" vs ".join(study.group_label(key) for key in effect.arms))
        effects.append("\ncomputed", style="italic")
        if len(endpoint.results) > 2:  # which two of the arms, before the figure
            effects.append(f" ({arms})", style="dim")
        effects.append(": " + clean(effect.text))
        if several and len(endpoint.results) <= 2:
            effects.append(f" ({arms})", style="dim")
    return effects


def _safety(page: Page, marks: SourceMarks) -> RenderableType | None:
    study = page.study
    if not study.safety and not study.safety_monitoring:
        return None
    parts: list[RenderableType] = []
    if study.safety:
        table = Table(box=box.SIMPLE_HEAD, padding=(0, 1, 0, 0), pad_edge=False, show_edge=False)
        table.add_column("Finding", ratio=3)
        table.add_column("By arm", ratio=4)
        table.add_column("Who", ratio=3)
        for i, finding in enumerate(study.safety):
            term = Text(clean(finding.term))
            if finding.serious:
                term.append(" (serious)", style="bold")
            if any(v.deaths for v in finding.arms.values()):
                term.append(" (fatal cases)", style="bold red")
            if page.harms[i].rank is not None:
                term.append(f" · rank {page.harms[i].rank}", style="dim")
            by_arm = Text()
            for key, value in finding.arms.items():
                if by_arm:
                    by_arm.append("\n")
                by_arm.append(clean(study.group_label(key)) + ": ", style="dim")
                by_arm.append(clean(safety_text(value)) + marks(value, finding))
                marks.warn(by_arm, "safety", i, "arms", key)
                if value.deaths and (value.affected is not None or value.pct is not None):
                    by_arm.append(f", {value.deaths} fatal", style="bold")
                if value.note:
                    by_arm.append(f" ({clean(value.note)})", style="dim")
            for fact in page.harms[i].differences:
                by_arm.append("\ncomputed", style="italic")
                by_arm.append(f": {clean(fact.text)}")
                by_arm.append(f" ({clean(fact.group)})", style="dim")
            who = Text(clean(finding.population or ""), style="dim")
            if finding.note:
                who.append(("\n" if who else "") + clean(finding.note))
            table.add_row(term, by_arm or _text(None), who)
        parts.append(table)
    if study.safety:
        listed = page.harms_listed
        text = "Harms listed: " + listed.text
        if listed.full_list is not None:
            text += "; the full list: " + listed.full_list
        parts.append(Text(clean(text), style="dim"))
        parts.append(Text("Rank (the first screen's order): " + page.harms_order.rule, style="dim"))
    if study.safety_monitoring:
        parts.append(Text("Monitoring: " + clean(study.safety_monitoring)))
    return Group(*parts)


def _checks(audit: Audit, marks: SourceMarks) -> RenderableType:
    """How many checks were computed, and each warning behind a `⚠n` above."""
    warnings = audit.warnings
    count = f"{len(audit.checks)} consistency check{'s' if len(audit.checks) != 1 else ''}"
    if not warnings:
        return Text(f"{count} computed from the figures above: all agree.")
    recorded = sum(1 for w in warnings if w.acknowledged)
    summary = f"{count} computed from the figures above; {len(warnings)} disagree"
    if recorded:
        summary += f" ({recorded} recorded on purpose in the data)"
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    table.add_column(no_wrap=True, style="bold yellow")
    table.add_column(overflow="fold")
    for index, warning in enumerate(warnings, start=1):
        text = Text(clean(warning.text(marks.of)))
        if warning.acknowledged:
            text.append("\nrecorded disagreement: ", style="bold")
            text.append(clean(warning.acknowledged), style="dim")
        table.add_row(f"{WARNING_MARK}{index}", text)
    return Group(Text(summary + ":"), table)


# Limitations as a source states them: a screen shows this much, the file keeps them whole.
LIMITATIONS_ON_SCREEN = 1000


def _notes(study: Study, marks: SourceMarks) -> RenderableType | None:
    lines: list[Text] = []
    if study.limitations is not None:
        said = on_screen(study.limitations.text, LIMITATIONS_ON_SCREEN)
        line = Text("Limitations and caveats: ", style="bold")
        line.append(clean(said + marks(study.limitations)))
        lines.append(line)
    for reference in study.references:
        pmid = f" PMID {reference.pmid}" if reference.pmid else ""
        lines.append(_dated("▸", None, f"{reference.kind} reference: {reference.citation}{pmid}"))
    for note in study.notes:
        lines.append(_dated("•", note.date, note.text + marks(note)))
    for milestone in study.milestones:
        planned = " (planned)" if milestone.status == "planned" else ""
        lines.append(_dated("◆", milestone.date, milestone.event + planned + marks(milestone)))
    return Group(*lines) if lines else None


def _dated(bullet: str, date: str | None, text: str) -> Text:
    line = Text(f"{bullet} ")
    if date:
        line.append(f"{date}  ", style="bold")
    line.append(clean(text))
    return line


def sources_table(study: Study, cited: Collection[str] | None = None) -> RenderableType:
    """The numbered sources; only the `cited` ids when given, keeping their numbers."""
    table = Table(box=None, show_header=False, padding=(0, 1), pad_edge=False)
    table.add_column(justify="right", no_wrap=True)
    table.add_column(overflow="fold")
    for index, source in enumerate(study.sources, start=1):
        if cited is not None and source.id not in cited:
            continue
        text = _citation(source)
        if source.url:
            text.append("\n" + clean(source.url), style="cyan")
        table.add_row(source_mark(index), text)
    return table


def _citation(source: Source) -> Text:
    """`Citation (publisher, date, secondary source)`, the details dimmed."""
    text = Text(clean(source.citation))
    details = [source.publisher, source.date]
    if source.secondary:
        details.append("secondary source")
    shown = ", ".join(d for d in details if d)
    if shown:
        text.append(f" ({clean(shown)})", style="dim")
    return text


def print_sources(console: Console, study: Study, cited: Collection[str] | None = None) -> None:
    """The numbered sources, each URL whole on a line of its own (a link where the terminal
    shows links): a URL folded across lines cannot be copied or clicked."""
    links = console.is_terminal and not console.legacy_windows
    indent = 6  # `[28]` and two spaces; the citation wraps under itself
    lines: list[Text] = []
    for index, source in enumerate(study.sources, start=1):
        if cited is not None and source.id not in cited:
            continue
        text = _citation(source)
        for i, line in enumerate(text.wrap(console, console.width - indent)):
            mark = source_mark(index).rjust(indent - 2) + "  "
            lines.append(Text(mark if i == 0 else " " * indent))
            lines[-1].append_text(line)
        if source.url:
            url = Text(" " * indent + clean(source.url), style="cyan")
            if links:
                url.stylize(Style(link=clean(source.url)), indent)  # never raw file text
            lines.append(url)
    # crop=False with no wrapping: a long URL runs past the edge rather than being cut.
    console.print(Group(*lines), crop=False, no_wrap=True, overflow="ignore")


# --- parts of the page ------------------------------------------------------------------

SECTIONS = {
    "design": "Population and design",
    "arms": "Arms",
    "endpoints": "Endpoints",
    "safety": "Safety",
    "harms": "Safety",  # the first screen's heading for the same findings
    "checks": "Consistency checks",
    "notes": "Notes and milestones",
    "summary": "In plain words",
    "sources": "Sources",
}


def render_sections(page: Page, console: Console, names: Collection[str]) -> None:
    """Only the parts of the full page named by `--section`, in the page's order."""
    study = page.study
    wanted = {SECTIONS[name] for name in names}
    _, sections = study_sections(page, console.width)
    first = True
    for title, body in sections:
        if title not in wanted:
            continue
        wanted.discard(title)
        if not first:
            console.print()
        first = False
        console.print(Rule(Text(title, style="bold"), align="left", characters="─"))
        if title == SOURCES:
            print_sources(console, study)
        else:
            console.print(quick(body))
    for title in (t for t in SECTIONS.values() if t in wanted):  # the page's order
        console.print(Text(f"{title}: none in this study", style="dim"))
