"""One harm, one key: `ae`, `diff` and the audit agree on when two harm terms are the same."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from trialcli.catalog import Catalog
from trialcli.ops.diff import diff_studies
from trialcli.ops.harm_terms import same_harms, term_key
from trialcli.ops.safety import safety_pivot

Write = Callable[..., Path]

HAEMORRHAGE = """\
  - term: Haemorrhage
    arms:
      drug: {affected: 8, at_risk: 200}
      control: {affected: 2, at_risk: 100}
"""


def _two(write: Write, minimal_text: str) -> tuple[Path, Path]:
    british = minimal_text.replace("safety:\n", "safety:\n" + HAEMORRHAGE)
    american = british.replace("Haemorrhage", "HEMORRHAGES")
    return write(british, "a.yaml"), write(american, "b.yaml")


def test_term_key_ignores_case_spelling_plurals_and_parenthesised_s() -> None:
    assert term_key("Haemorrhage") == term_key("HEMORRHAGES") == "hemorrhage"
    assert term_key("Thyroid disorder(s)") == term_key("thyroid-disorders")
    assert term_key("Oedema, peripheral") == term_key("edema peripheral")
    assert term_key("Infections") != term_key("Infestations")


def test_same_harms_keeps_serious_apart_and_matches_codes() -> None:
    items = [
        ("Haemorrhage", None, False),
        ("hemorrhage", "10055798", True),
        ("Bleeding", "10055798 ", True),
        ("Hemorrhage", None, False),
    ]
    assert same_harms(items, lambda x: x) == [[items[0], items[3]], [items[1], items[2]]]


def test_diff_and_ae_put_haemorrhage_and_hemorrhage_on_one_row(
    write: Write, minimal_text: str
) -> None:
    catalog = Catalog.discover()
    a, b = (catalog.load(str(p)) for p in _two(write, minimal_text))
    rows = [row for _, _, row in diff_studies(a, b, "a", "b").rows() if "morrhage" in row.field]
    # Before: "Haemorrhage" only-a and "HEMORRHAGES" only-b.
    assert [(r.field, r.status) for r in rows] == [("Haemorrhage", "same")]
    pivot = [r for r in safety_pivot([a, b]).rows if "morrhage" in r.term.casefold()]
    assert len(pivot) == 1


def test_diffs_first_screen_matches_harms_by_code_as_ae_does(
    write: Write, minimal_text: str
) -> None:
    from trialcli.ops.diff_glance import diff_glance

    coded = HAEMORRHAGE.replace("    arms:", "    code: '10055798'\n    arms:")
    a_text = minimal_text.replace("safety:\n", "safety:\n" + coded)
    b_text = a_text.replace("Haemorrhage", "Bleeding").replace("affected: 8", "affected: 20")
    catalog = Catalog.discover()
    a = catalog.load(str(write(a_text, "a.yaml")))
    b = catalog.load(str(write(b_text, "b.yaml")))
    harms = {h.term: (h.a.text, h.b.text) for h in diff_glance(a, b, "A", "B").harms}
    assert harms["Haemorrhage"] == ("+2.0 pp (8/200 vs 2/100)", "+8.0 pp (20/200 vs 2/100)")
    assert len(safety_pivot([a, b]).rows) == len([r for r in safety_pivot([a]).rows])
