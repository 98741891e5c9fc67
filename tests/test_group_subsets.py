"""Subsets picked out after randomization are groups of their own, never compared (issue 21).

NCT00406848 (tests/fixtures/ctgov-sample-group-titles.zip, unchanged from the 1,023-record
sample): placebo randomized 121; one outcome splits it into "Placebo Non-rescue" (86) and
"Placebo Rescue" (35, switched to duloxetine), and the adverse events report "Rescued
Placebo" (35) beside "Placebo" (121). Neither subset is the placebo arm, and no risk
difference, NNT or ratio is computed with one on either side.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from trialcli.importers.ctgov import record_to_study
from trialcli.model import Study
from trialcli.ops.audit import audit_study
from trialcli.ops.page import build_page
from trialcli.ops.safety import finding_rows
from trialcli.render.document import study_markdown
from trialcli.render.export import fact_records

SUBSETS = Path(__file__).parent / "fixtures" / "ctgov-sample-group-titles.zip"


def record(nct: str) -> dict[str, Any]:
    with zipfile.ZipFile(SUBSETS) as opened:
        data: dict[str, Any] = json.loads(opened.read(f"{nct}.json"))
        return data


def rescue_study() -> Study:
    return record_to_study(record("NCT00406848"), "2026-01-01")


def test_rescue_subsets_are_their_own_groups_with_their_own_counts() -> None:
    study = rescue_study()
    by_label = {a.label: a for a in study.arms}
    for label in ("Placebo Non-rescue", "Placebo Rescue", "Rescued Placebo"):
        arm = by_label[label]
        assert arm.kind == "subset" and arm.role == "other" and arm.randomized is None
        assert arm.note is not None and "a subset picked out after randomization" in arm.note
    assert by_label["Placebo"].randomized is not None
    assert by_label["Placebo"].randomized.value == 121
    summary = next(
        e for e in study.endpoints if e.name.endswith("— Total Discontinued due to Adverse Events")
    )
    assert {study.group_label(k): (r.n, r.N) for k, r in summary.results.items()} == {
        "Duloxetine": (38, 249),
        "Placebo Non-rescue": (7, 86),
        "Placebo Rescue": (0, 35),
    }
    serious = next(f for f in study.safety if f.term == "Serious adverse events (any)")
    counted = {study.group_label(k): (v.affected, v.at_risk) for k, v in serious.arms.items()}
    assert counted == {"Duloxetine": (13, 249), "Placebo": (4, 121), "Rescued Placebo": (1, 35)}


def test_no_effect_is_computed_with_a_subset_and_the_reason_is_printed() -> None:
    study = rescue_study()
    page = build_page(study, audit_study(study))
    subsets = {a.id for a in study.arms if a.kind == "subset"}
    assert page.effects and not [e for e in page.effects if subsets & set(e.arms)]
    summary = next(
        e for e in study.endpoints if e.name.endswith("— Total Discontinued due to Adverse Events")
    )
    refused = [r for r in page.not_computed if r.endpoint == summary.id]
    assert [r.groups for r in refused] == [("placebo-non-rescue", "placebo-rescue")]
    words = "not computed with 'Placebo Non-rescue' and 'Placebo Rescue': a subset picked out"
    shown = " ".join(study_markdown(page).split())
    assert words in shown
    assert "Placebo Rescue vs Placebo" not in shown and "NNT" not in shown.split(words)[1][:200]
    csv_rows = [f for f in fact_records(page) if f["subject_id"] == summary.id]
    assert any(
        str(f["text"]).startswith("not computed with 'Placebo Non-rescue'") for f in csv_rows
    )


def test_ae_shows_the_subset_by_its_own_label_never_compared() -> None:
    study = rescue_study()
    index, serious = next(
        (i, f) for i, f in enumerate(study.safety) if f.term == "Serious adverse events (any)"
    )
    rows = finding_rows(study, index, serious)
    compared = [(r.experimental, r.comparator) for r in rows if r.difference.kind != "none"]
    assert [(e.label, c.label) for e, c in compared if e and c] == [("Duloxetine", "Placebo")]
    apart = next(r for r in rows if r.experimental and r.experimental.label == "Rescued Placebo")
    assert apart.comparator is None and apart.difference.reason is not None
    assert apart.difference.reason.startswith("a subset picked out after randomization")
