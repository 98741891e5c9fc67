"""Endpoints paired across the two studies (by code, else by what they measure), and their
verdicts, results and comparisons row by row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace

from trialcli.formatting import DIRECTION_WORDS, MEASURE_NAMES, effect_value, p_text, result_text
from trialcli.model import Endpoint, Study
from trialcli.ops.diff.arms import Candidate, Slots, greedy_pairs, similarity
from trialcli.ops.diff.rows import Cited, DiffGroup, FieldRow, Side, field_rows, lines_side
from trialcli.ops.sources import cite
from trialcli.ops.summary import endpoint_verdict

LEVEL_ORDER = {"primary": 0, "secondary": 1, "tertiary": 2, "exploratory": 3}


def _words(text: str | None) -> str:
    return " ".join((text or "").casefold().split())


def _units(endpoint: Endpoint) -> frozenset[str]:
    units = [r.unit for r in endpoint.results.values()] + [c.unit for c in endpoint.comparisons]
    return frozenset(_words(u) for u in units if u)


def _meaning(endpoint: Endpoint) -> tuple[str, str, str, frozenset[str]]:
    """What an endpoint measures, when, and in what unit: how a codeless endpoint is known."""
    return (_words(endpoint.name), _words(endpoint.time_frame), endpoint.kind, _units(endpoint))


# A renamed or re-timed endpoint still pairs with its old self when its name and time
# frame read nearly the same (and its kind and unit are the same); below this, it is a
# removal and an addition, never a guess.
SIMILAR_ENOUGH = 0.9


def _codeless_pairs(xs: list[Endpoint], ys: list[Endpoint]) -> dict[str, str]:
    """A's endpoint ids paired with B's: same meaning first, then nearly the same words."""
    candidates: list[Candidate] = []
    for x in xs:
        for y in ys:
            if _meaning(x) == _meaning(y):
                candidates.append(((2.0, float(x.id == y.id)), x.id, y.id))
            elif x.kind == y.kind and _units(x) == _units(y):
                similar = similarity(
                    f"{x.name} {x.time_frame or ''}", f"{y.name} {y.time_frame or ''}"
                )
                if similar >= SIMILAR_ENOUGH:
                    candidates.append(((1.0, similar), x.id, y.id))
    return greedy_pairs(candidates)


def _endpoint_pairs(a: Study, b: Study) -> list[tuple[list[Endpoint], list[Endpoint]]]:
    """Endpoints with a code grouped by it (several may share one); the others by meaning.

    Never by position or id alone: an imported record numbers its outcomes in order, so
    one outcome removed from a later version would shift every id after it.
    """
    coded: dict[str, tuple[list[Endpoint], list[Endpoint]]] = {}
    for side, study in enumerate((a, b)):
        for endpoint in study.endpoints:
            if endpoint.code:
                coded.setdefault(endpoint.code, ([], []))[side].append(endpoint)
    loose_a = [e for e in a.endpoints if not e.code]
    loose_b = [e for e in b.endpoints if not e.code]
    matched = _codeless_pairs(loose_a, loose_b)
    by_id_b = {e.id: e for e in loose_b}
    pairs: list[tuple[list[Endpoint], list[Endpoint]]] = []
    placed: set[str] = set()
    for endpoint in a.endpoints:
        if endpoint.code:
            if endpoint.code not in placed:
                placed.add(endpoint.code)
                pairs.append(coded[endpoint.code])
            continue
        other = matched.get(endpoint.id)
        pairs.append(([endpoint], [by_id_b[other]] if other else []))
    paired_b = set(matched.values())
    for endpoint in b.endpoints:
        if endpoint.code and endpoint.code not in placed:
            placed.add(endpoint.code)
            pairs.append(coded[endpoint.code])
        elif not endpoint.code and endpoint.id not in paired_b:
            pairs.append(([], [endpoint]))
    return pairs


def endpoint_groups(a: Study, b: Study, slots: Slots) -> Iterator[DiffGroup]:
    """One group per endpoint (or per code several endpoints share); primary first."""
    pairs = _endpoint_pairs(a, b)
    pairs.sort(key=lambda pair: min(LEVEL_ORDER[e.level] for e in [*pair[0], *pair[1]]))
    for xs, ys in pairs:
        first = (xs or ys)[0]
        rows = tuple(field_rows(_endpoint_fields(a, b, xs, ys, slots)))
        yield DiffGroup(first.name, rows, code=first.code)


def _each(endpoints: Sequence[Endpoint], make: Callable[[Endpoint], Cited | None]) -> Side | None:
    return lines_side(c for e in endpoints if (c := make(e)) is not None)


def _endpoint_fields(
    a: Study, b: Study, xs: list[Endpoint], ys: list[Endpoint], slots: Slots
) -> Iterator[FieldRow]:
    def verdict(endpoints: list[Endpoint]) -> Callable[[Endpoint], Cited]:
        def make(e: Endpoint) -> Cited:
            v = endpoint_verdict(e)
            return Cited(v.label, verdict=v.state, detail=e.name if len(endpoints) > 1 else None)

        return make

    def basis(e: Endpoint) -> Cited | None:
        v = endpoint_verdict(e)
        return Cited(v.basis) if v.state in {"met", "not-met", "disputed"} else None

    def plain(get: Callable[[Endpoint], str | None]) -> Callable[[Endpoint], Cited | None]:
        return lambda e: Cited(text) if (text := get(e)) else None

    yield "Verdict", _each(xs, verdict(xs)), _each(ys, verdict(ys))
    yield "Basis", _each(xs, basis), _each(ys, basis)
    for name, get in (
        ("Name", lambda e: e.name),
        ("Level", lambda e: e.level),
        ("Kind", lambda e: e.kind),
        ("Time frame", lambda e: e.time_frame),
        ("Population", lambda e: e.population),
        ("Definition", lambda e: e.definition),
    ):
        yield name, _each(xs, plain(get)), _each(ys, plain(get))
    yield from _results(a, b, xs, ys, slots)
    yield from _comparisons(a, b, xs, ys, slots)
    note = plain(lambda e: e.note)
    yield "Note", _each(xs, note), _each(ys, note)


def _one_figure(lines: list[Cited], figures: list[tuple[float, str | None]]) -> Side | None:
    side = lines_side(lines)
    if side is not None and len(figures) == 1 and len(side.lines) == 1:
        return replace(side, number=figures[0][0], unit=figures[0][1])
    return side


def _results(
    a: Study, b: Study, xs: list[Endpoint], ys: list[Endpoint], slots: Slots
) -> Iterator[FieldRow]:
    def by_slot(study: Study, endpoints: list[Endpoint], side: str) -> dict[int, Side | None]:
        find = slots.of_a if side == "a" else slots.of_b
        lines: dict[int, list[Cited]] = {}
        figures: dict[int, list[tuple[float, str | None]]] = {}
        for e in endpoints:
            for key, result in e.results.items():
                slot = find(key)
                lines.setdefault(slot, []).append(
                    Cited(result_text(result), cite(study, result, e), result.note)
                )
                if result.value is not None:
                    figures.setdefault(slot, []).append((result.value, result.unit))
        return {k: _one_figure(v, figures.get(k, [])) for k, v in lines.items()}

    in_a, in_b = by_slot(a, xs, "a"), by_slot(b, ys, "b")
    for slot in sorted({*in_a, *in_b}):
        yield f"Result: {slots.items[slot].label}", in_a.get(slot), in_b.get(slot)


def _comparisons(
    a: Study, b: Study, xs: list[Endpoint], ys: list[Endpoint], slots: Slots
) -> Iterator[FieldRow]:
    """Comparisons aligned by measure and arms; every source's value on its own line."""
    Key = tuple[str, int, int]

    def by_key(study: Study, endpoints: list[Endpoint], side: str) -> dict[Key, Side | None]:
        find = slots.of_a if side == "a" else slots.of_b
        lines: dict[Key, list[Cited]] = {}
        figures: dict[Key, list[tuple[float, str | None]]] = {}
        for e in endpoints:
            for c in e.comparisons:
                first, second = find(c.arms[0]), find(c.arms[1])
                # Whose side is A is not known: either order is the same comparison.
                if c.direction == "unknown":
                    first, second = sorted((first, second))
                key = (c.measure, first, second)
                value = effect_value(c) if c.estimate is not None else "no estimate"
                p = p_text(c.p_value)
                details = [
                    DIRECTION_WORDS[c.direction],
                    c.population if c.population and c.population != e.population else None,
                    c.note,
                ]
                lines.setdefault(key, []).append(
                    Cited(
                        f"{value}, {p}" if p else value,
                        cite(study, c, e),
                        "; ".join(d for d in details if d) or None,
                    )
                )
                if c.estimate is not None:
                    unit = "%" if c.measure == "relative-reduction" else c.unit
                    figures.setdefault(key, []).append((c.estimate, unit))
        return {k: _one_figure(v, figures.get(k, [])) for k, v in lines.items()}

    in_a, in_b = by_key(a, xs, "a"), by_key(b, ys, "b")
    for key in dict.fromkeys([*in_a, *in_b]):
        measure, experimental, comparator = key
        label = (
            f"{MEASURE_NAMES[measure]}: {slots.items[experimental].label}"
            f" vs {slots.items[comparator].label}"
        )
        yield label, in_a.get(key), in_b.get(key)
